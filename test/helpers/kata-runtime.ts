import { createHash } from 'node:crypto';
import type { ImageFacts, PodContainer, PodSpec } from '../../src/attestation';

/**
 * Builds the requests the kata agent 4.0.0 of a peer-pod VM receives for a pod, in the agent's own JSON (serde
 * of its ttRPC messages, every field present): what the kubelet, containerd (CRI), the kata Go runtime with the
 * remote hypervisor and guest image pull, and cloud-api-adaptor's forwarder make of a pod spec. Written from
 * their sources (kata-containers 4.0.0 src/runtime/virtcontainers/kata_agent.go, containerd v1.7/v2.x
 * internal/cri, kubelet kubelet_pods.go, cloud-api-adaptor v0.22.0 pkg/forwarder), independently of the policy
 * generator, so a test that feeds one to the other checks the generator against the runtime, not against
 * itself. Ids and random parts are derived from names, so every request is reproducible.
 */

/** A container as Kubernetes describes it. */
export interface K8sContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly workingDir?: string;
  readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }>;
  readonly securityContext?: {
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    /** Capabilities added after `drop: [ALL]`, Kubernetes spelling (`NET_ADMIN`). */
    readonly capabilitiesAdd?: readonly string[];
  };
}

/** A pod of a Deployment as the kubelet sees it. */
export interface K8sPod {
  readonly namespace: string;
  /** The pod's name, e.g. `key-manager-7c56d66754-pq9qp`. */
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly initContainers: readonly K8sContainer[];
  readonly containers: readonly K8sContainer[];
  readonly volumes: ReadonlyArray<{ readonly name: string }>;
  readonly securityContext?: { readonly runAsUser?: number; readonly runAsGroup?: number };
}

/** The image config fields the runtime merges into a container's process. */
export interface ImageConfig {
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly Env?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly User?: string;
}

/** The `default/kubernetes` service variables the kubelet injects even with enableServiceLinks false. */
export const KUBERNETES_SERVICE_ENV = [
  'KUBERNETES_SERVICE_HOST=10.0.0.1',
  'KUBERNETES_SERVICE_PORT=443',
  'KUBERNETES_SERVICE_PORT_HTTPS=443',
  'KUBERNETES_PORT=tcp://10.0.0.1:443',
  'KUBERNETES_PORT_443_TCP=tcp://10.0.0.1:443',
  'KUBERNETES_PORT_443_TCP_PROTO=tcp',
  'KUBERNETES_PORT_443_TCP_PORT=443',
  'KUBERNETES_PORT_443_TCP_ADDR=10.0.0.1',
];

const SHARED = '/run/kata-containers/shared/containers';
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MASKED = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** 64 hex characters derived from `seed`: a containerd id. */
export function idFor(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

/** 16 hex characters derived from `seed`: the random part of a copied file's name. */
function rand16(seed: string): string {
  return idFor(`rand:${seed}`).slice(0, 16);
}

/** The pod's sandbox (pause container) id. */
export function sandboxId(pod: K8sPod): string {
  return idFor(`sandbox:${pod.namespace}/${pod.name}`);
}

/** A container's id. */
export function containerId(pod: K8sPod, name: string): string {
  return idFor(`container:${pod.namespace}/${pod.name}/${name}`);
}

function defaultMounts(): Array<Record<string, unknown>> {
  return [
    { destination: '/proc', source: 'proc', type_: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', source: 'tmpfs', type_: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    {
      destination: '/dev/pts',
      source: 'devpts',
      type_: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/dev/mqueue', source: 'mqueue', type_: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', source: 'sysfs', type_: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
}

function linux(cgroupsPath: string, sysctl: Record<string, string>): Record<string, unknown> {
  return {
    UIDMappings: [],
    GIDMappings: [],
    Sysctl: sysctl,
    Resources: {
      Devices: [],
      Memory: null,
      CPU: { Shares: 2, Quota: 0, Period: 100000, RealtimeRuntime: 0, RealtimePeriod: 0, Cpus: '', Mems: '' },
      Pids: null,
      BlockIO: null,
      HugepageLimits: [],
      Network: null,
    },
    CgroupsPath: cgroupsPath,
    // The shim drops pid (-> sandbox_pidns), network, cgroup and time and empties the paths; the forwarder in
    // the pod VM appends the pod network namespace.
    Namespaces: [
      { Type: 'ipc', Path: '' },
      { Type: 'uts', Path: '' },
      { Type: 'mount', Path: '' },
      { Type: 'network', Path: '/run/netns/podns' },
    ],
    Devices: [],
    Seccomp: null,
    RootfsPropagation: '',
    MaskedPaths: [...MASKED],
    ReadonlyPaths: [...READONLY],
    MountLabel: '',
    IntelRdt: null,
  };
}

function imagePullStorage(source: string, cid: string, metadata: Record<string, string>): Record<string, unknown> {
  const sorted = Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    driver: 'image_guest_pull',
    driver_options: [`image_guest_pull=${JSON.stringify({ metadata: sorted })}`],
    source,
    fstype: 'overlay',
    options: [],
    mount_point: `/run/kata-containers/${cid}/rootfs`,
    fs_group: null,
    shared: false,
  };
}

function requestEnvelope(cid: string, storages: unknown[], oci: Record<string, unknown>): Record<string, unknown> {
  return {
    container_id: cid,
    exec_id: cid,
    string_user: null,
    devices: [],
    storages,
    OCI: oci,
    sandbox_pidns: false,
    shared_mounts: [],
    stdin_port: 0,
    stdout_port: 0,
    stderr_port: 0,
  };
}

function podUid(pod: K8sPod): string {
  const h = idFor(`uid:${pod.name}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The CreateSandboxRequest (after the forwarder removed the DNS lines). */
export function createSandbox(pod: K8sPod): Record<string, unknown> {
  return {
    hostname: pod.name,
    dns: [],
    storages: [
      {
        driver: 'ephemeral',
        driver_options: [],
        source: 'shm',
        fstype: 'tmpfs',
        options: ['noexec', 'nosuid', 'nodev', 'mode=1777', 'size=67108864'],
        mount_point: '/run/kata-containers/sandbox/shm',
        fs_group: null,
        shared: false,
      },
    ],
    sandbox_pidns: false,
    sandbox_id: sandboxId(pod),
    guest_hook_path: '',
    kernel_modules: [],
  };
}

/** The CreateContainerRequest for the pod's pause container. */
export function createPause(pod: K8sPod): Record<string, unknown> {
  const sid = sandboxId(pod);
  const uid = podUid(pod);
  const annotations: Record<string, string> = {
    ...podAnnotationsPassedThrough(pod, true),
    'io.katacontainers.pkg.oci.bundle_path': `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${sid}`,
    'io.katacontainers.pkg.oci.container_type': 'pod_sandbox',
    'io.kubernetes.cri.container-type': 'sandbox',
    'io.kubernetes.cri.podsandbox.image-name': 'mcr.microsoft.com/oss/v2/kubernetes/pause:3.10',
    'io.kubernetes.cri.sandbox-cpu-period': '100000',
    'io.kubernetes.cri.sandbox-cpu-quota': '0',
    'io.kubernetes.cri.sandbox-cpu-shares': '2',
    'io.kubernetes.cri.sandbox-id': sid,
    'io.kubernetes.cri.sandbox-log-directory': `/var/log/pods/${pod.namespace}_${pod.name}_${uid}`,
    'io.kubernetes.cri.sandbox-memory': '0',
    'io.kubernetes.cri.sandbox-name': pod.name,
    'io.kubernetes.cri.sandbox-namespace': pod.namespace,
    'io.kubernetes.cri.sandbox-uid': uid,
    'nerdctl/network-namespace': `/var/run/netns/cni-${uid}`,
  };
  return requestEnvelope(sid, [imagePullStorage('pause', sid, annotations)], {
    Version: '1.2.1',
    Process: {
      Terminal: false,
      ConsoleSize: null,
      User: { UID: 65535, GID: 65535, AdditionalGids: [65535], Username: '' },
      Args: ['/pause'],
      Env: [DEFAULT_PATH],
      Cwd: '/',
      Capabilities: { Bounding: DEFAULT_CAPS, Effective: DEFAULT_CAPS, Inheritable: [], Permitted: DEFAULT_CAPS, Ambient: [] },
      Rlimits: [],
      NoNewPrivileges: true,
      ApparmorProfile: '',
      OOMScoreAdj: -998,
      SelinuxLabel: '',
    },
    Root: { Path: `/run/kata-containers/${sid}/rootfs`, Readonly: true },
    Hostname: pod.name,
    Mounts: [
      ...defaultMounts(),
      { destination: '/dev/shm', source: '/run/kata-containers/sandbox/shm', type_: 'bind', options: ['rbind'] },
      {
        destination: '/etc/resolv.conf',
        source: `${SHARED}/${sid}-${rand16(`${sid}/resolv.conf`)}-resolv.conf`,
        type_: 'bind',
        options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'],
      },
    ],
    Hooks: null,
    Annotations: annotations,
    Linux: linux(`kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice:cri-containerd:${sid}`, {
      'net.ipv4.ip_unprivileged_port_start': '0',
      'net.ipv4.ping_group_range': '0 2147483647',
    }),
    Solaris: null,
    Windows: null,
  });
}

// containerd's pod_annotations = ["io.katacontainers.*"] passes them to every container; the kata runtime then
// deletes the initdata (and policy) annotations.
function podAnnotationsPassedThrough(pod: K8sPod, _sandbox: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(pod.annotations)) {
    if (
      k.startsWith('io.katacontainers.') &&
      k !== 'io.katacontainers.config.hypervisor.cc_init_data' &&
      k !== 'io.katacontainers.config.agent.policy'
    )
      out[k] = v;
  }
  return out;
}

/** The container's process as containerd builds it from the CRI config (kubelet) and the image config. */
export function processOf(
  pod: K8sPod,
  container: K8sContainer,
  image: ImageConfig,
): { args: string[]; env: string[]; cwd: string; uid: number; gid: number } {
  // WithProcessArgs: a command replaces ENTRYPOINT and CMD; args alone replace CMD.
  let command = [...(container.command ?? [])];
  let args = [...(container.args ?? [])];
  if (command.length === 0) {
    if (args.length === 0) args = [...(image.Cmd ?? [])];
    const entrypoint = image.Entrypoint ?? [];
    if (!(entrypoint.length === 1 && entrypoint[0] === '')) command = [...entrypoint];
  }
  // WithDefaultPathEnv, HOSTNAME, then the image's ENV and the CRI envs through replaceOrAppendEnvValues, whose
  // lookup knows only what was there before (PATH and HOSTNAME).
  const env = [DEFAULT_PATH, `HOSTNAME=${pod.name}`];
  const cache = new Map([
    ['PATH', 0],
    ['HOSTNAME', 1],
  ]);
  const kubelet = [...(container.env ?? []).map((e) => `${e.name}=${e.value}`), ...KUBERNETES_SERVICE_ENV];
  for (const entry of [...(image.Env ?? []), ...kubelet]) {
    const i = cache.get(entry.split('=')[0]);
    if (i !== undefined) env[i] = entry;
    else env.push(entry);
  }
  const sc = { ...pod.securityContext, ...container.securityContext };
  const uid = sc.runAsUser ?? Number((image.User ?? '0').split(':')[0]);
  // The image is pulled in the guest: no /etc/passwd on the host, so the GID is runAsGroup or 0.
  const gid = sc.runAsGroup ?? 0;
  return { args: [...command, ...args], env, cwd: container.workingDir || image.WorkingDir || '/', uid, gid };
}

/** The CreateContainerRequest for one of the pod's (init) containers. */
export function createContainer(pod: K8sPod, name: string, image: ImageConfig): Record<string, unknown> {
  const container = [...pod.initContainers, ...pod.containers].find((c) => c.name === name);
  if (!container) throw new Error(`no container ${name}`);
  const sid = sandboxId(pod);
  const cid = containerId(pod, name);
  const uid = podUid(pod);
  const process = processOf(pod, container, image);
  const readOnlyRoot = container.securityContext?.readOnlyRootFilesystem === true;
  const annotations: Record<string, string> = {
    ...podAnnotationsPassedThrough(pod, false),
    'io.katacontainers.pkg.oci.bundle_path': `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${cid}`,
    'io.katacontainers.pkg.oci.container_type': 'pod_container',
    'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
    'io.kubernetes.container.terminationMessagePolicy': 'File',
    'io.kubernetes.cri.container-name': name,
    'io.kubernetes.cri.container-type': 'container',
    // containerd 2.x: the image exactly as the pod spec writes it.
    'io.kubernetes.cri.image-name': container.image,
    'io.kubernetes.cri.sandbox-id': sid,
    'io.kubernetes.cri.sandbox-name': pod.name,
    'io.kubernetes.cri.sandbox-namespace': pod.namespace,
    'io.kubernetes.cri.sandbox-uid': uid,
  };
  const copied = (destination: string, options: string[]): { destination: string; source: string; type_: string; options: string[] } => {
    const base = destination.split('/').pop()!;
    return { destination, source: `${SHARED}/${cid}-${rand16(`${cid}${destination}`)}-${base}`, type_: 'bind', options };
  };
  const volumeMounts = container.volumeMounts ?? [];
  const local = (volume: string): string => `${SHARED}/${sid}/rootfs/local/${volume}`;
  // containerd sorts the CRI and extra mounts by path depth, stably (volumes first, then hosts and
  // termination-log from the kubelet, then hostname, resolv.conf and shm from containerd).
  const binds = [
    ...volumeMounts.map((m) => ({
      destination: m.mountPath,
      source: local(m.name),
      type_: 'local',
      options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
    })),
    copied('/etc/hosts', ['rbind', 'rprivate', 'rw']),
    copied('/dev/termination-log', ['rbind', 'rprivate', 'rw']),
    copied('/etc/hostname', ['rbind', 'rprivate', readOnlyRoot ? 'ro' : 'rw']),
    copied('/etc/resolv.conf', ['rbind', 'rprivate', readOnlyRoot ? 'ro' : 'rw']),
    { destination: '/dev/shm', source: '/run/kata-containers/sandbox/shm', type_: 'bind', options: ['rbind'] },
  ];
  const depth = (d: string): number => d.split('/').length;
  const sortedBinds = binds
    .map((b, i) => ({ b, i }))
    .sort((x, y) => depth(x.b.destination) - depth(y.b.destination) || x.i - y.i)
    .map((x) => x.b);
  const storages = [
    imagePullStorage(container.image, cid, {
      'containerd.io/snapshot/cri.layer-digest': `sha256:${idFor(`layer:${container.image}`)}`,
      'containerd.io/snapshot/nydus-proxy-mode': 'true',
      ...annotations,
    }),
    ...[...new Set(volumeMounts.map((m) => m.name))].map((volume) => ({
      driver: 'local',
      driver_options: [],
      source: 'local',
      fstype: 'local',
      options: ['mode=0777'],
      mount_point: local(volume),
      fs_group: null,
      shared: false,
    })),
  ];
  return requestEnvelope(cid, storages, {
    Version: '1.2.1',
    Process: {
      Terminal: false,
      ConsoleSize: null,
      User: { UID: process.uid, GID: process.gid, AdditionalGids: [process.gid], Username: '' },
      Args: process.args,
      Env: process.env,
      Cwd: process.cwd,
      // capabilities.drop [ALL], then add: containerd v2.x WithCapabilities(nil), WithAddedCapabilities to the
      // bounding, effective and permitted sets, WithoutAmbientCaps (internal/cri/opts/spec_opts.go).
      Capabilities: capabilitiesOf(container),
      Rlimits: [],
      NoNewPrivileges: container.securityContext?.allowPrivilegeEscalation === false,
      ApparmorProfile: 'cri-containerd.apparmor.d',
      OOMScoreAdj: 1000,
      SelinuxLabel: '',
    },
    Root: { Path: `/run/kata-containers/${cid}/rootfs`, Readonly: readOnlyRoot },
    Hostname: '',
    Mounts: [
      ...defaultMounts(),
      { destination: '/sys/fs/cgroup', source: 'cgroup', type_: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      ...sortedBinds,
    ],
    Hooks: null,
    Annotations: annotations,
    Linux: linux(`kubepods-besteffort-pod${uid.replace(/-/g, '_')}.slice:cri-containerd:${cid}`, {}),
    Solaris: null,
    Windows: null,
  });
}

function capabilitiesOf(container: K8sContainer): Record<string, string[]> {
  const added = (container.securityContext?.capabilitiesAdd ?? []).map((c) => `CAP_${c}`);
  return { Bounding: [...added], Effective: [...added], Inheritable: [], Permitted: [...added], Ambient: [] };
}

/** The CopyFileRequests (as the policy sees them) the runtime sends before creating a container. */
export function copyFiles(pod: K8sPod, name: string): Array<Record<string, unknown>> {
  const cid = containerId(pod, name);
  return ['/etc/hosts', '/dev/termination-log', '/etc/hostname', '/etc/resolv.conf'].map((destination) => ({
    path: `${SHARED}/${cid}-${rand16(`${cid}${destination}`)}-${destination.split('/').pop()}`,
    file_type: 'Regular',
    symlink_target: null,
    file_size: destination === '/dev/termination-log' ? 0 : 120,
    file_mode: destination === '/dev/termination-log' ? 33206 : 33188,
    dir_mode: 2147484136,
    uid: 0,
    gid: 0,
    offset: 0,
  }));
}

/** Deployment pod names: `<deployment>-<template hash>-<5 characters>`. */
export function deploymentPodName(deployment: string): string {
  return `${deployment}-7c56d66754-pq9qp`;
}

/** The pod a PodSpec describes, as the kubelet sees it (a plain translation of names; no runtime semantics). */
export function k8sPodOf(spec: PodSpec, podName = deploymentPodName(spec.name)): K8sPod {
  const container = (c: PodContainer): K8sContainer => ({
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    env: c.env,
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    volumeMounts: c.volumeMounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, ...(m.readOnly ? { readOnly: true } : {}) })),
    securityContext: {
      ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
      ...(c.runAsGroup !== undefined ? { runAsGroup: c.runAsGroup } : {}),
      readOnlyRootFilesystem: c.readOnlyRootFilesystem,
      allowPrivilegeEscalation: false,
      ...(c.role === 'ingress-filter' ? { capabilitiesAdd: ['NET_ADMIN'] } : {}),
    },
  });
  const all = [...spec.initContainers, ...spec.containers];
  return {
    namespace: spec.namespace,
    name: podName,
    annotations: {
      ...spec.annotations,
      'io.katacontainers.config.hypervisor.cc_init_data':
        'H4sIAAAAAAAAA+3OMQ6AIBAF0Z5TcAKzC6j3MRZWNhbc35jYa2cx73dTTDH1XPeI9pcSMUTEezs3r4/jqKUzfmrbXOYhEqsMyzg1tQP8d3s6ABsAAA==',
    },
    initContainers: spec.initContainers.map(container),
    containers: spec.containers.map(container),
    volumes: [...new Set(all.flatMap((c) => c.volumeMounts.map((m) => m.volume)))].map((name) => ({ name })),
  };
}

/** The image config fields of verified image facts. */
export function imageConfigOf(facts: ImageFacts | undefined): ImageConfig {
  if (!facts) return {};
  return { Entrypoint: facts.entrypoint, Cmd: facts.cmd, Env: facts.env, WorkingDir: facts.workingDir, User: facts.user };
}

interface TfContainer {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly working_dir?: string;
  readonly env?: Array<{ name: string; value: string }>;
  readonly volume_mount?: Array<{ name: string; mount_path: string; read_only?: boolean }>;
  readonly security_context?: {
    run_as_user?: string;
    run_as_group?: string;
    read_only_root_filesystem?: boolean;
    allow_privilege_escalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}

/** One pod of a synthesized `kubernetes_deployment_v1` (Terraform JSON), as the kubelet sees it. */
export function podOfDeployment(deployment: Record<string, unknown>): K8sPod {
  const metadata = deployment.metadata as { name: string; namespace: string };
  const template = (deployment.spec as { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } }).template;
  const spec = template.spec as {
    container: TfContainer[];
    init_container?: TfContainer[];
    volume?: Array<{ name: string }>;
    security_context?: { run_as_user?: string; run_as_group?: string };
  };
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const container = (c: TfContainer): K8sContainer => ({
    name: c.name,
    image: c.image,
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.working_dir ? { workingDir: c.working_dir } : {}),
    env: c.env ?? [],
    volumeMounts: (c.volume_mount ?? []).map((m) => ({ name: m.name, mountPath: m.mount_path, ...(m.read_only ? { readOnly: true } : {}) })),
    securityContext: {
      ...(c.security_context?.run_as_user !== undefined ? { runAsUser: num(c.security_context.run_as_user) } : {}),
      ...(c.security_context?.run_as_group !== undefined ? { runAsGroup: num(c.security_context.run_as_group) } : {}),
      readOnlyRootFilesystem: c.security_context?.read_only_root_filesystem === true,
      allowPrivilegeEscalation: c.security_context?.allow_privilege_escalation === true,
      ...(c.security_context?.capabilities?.add ? { capabilitiesAdd: c.security_context.capabilities.add } : {}),
    },
  });
  return {
    namespace: metadata.namespace,
    name: deploymentPodName(metadata.name),
    annotations: template.metadata.annotations,
    initContainers: (spec.init_container ?? []).map(container),
    containers: spec.container.map(container),
    volumes: spec.volume ?? [],
    securityContext: {
      ...(spec.security_context?.run_as_user !== undefined ? { runAsUser: num(spec.security_context.run_as_user) } : {}),
      ...(spec.security_context?.run_as_group !== undefined ? { runAsGroup: num(spec.security_context.run_as_group) } : {}),
    },
  };
}
