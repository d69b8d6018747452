import { isK8sName } from './k8s-names';
import { ALWAYS_ALLOWED_REQUESTS, POD_POLICY_RULES, RULE_DECIDED_REQUESTS } from './agent-policy-rules';
import { Field, check, formatPath, show, subField } from './errors';
import { imageNameForms } from './image-reference';
import { INGRESS_FILTER_CAPABILITIES, PodContainer, PodSpec, containerProcess, deploymentPodNamePattern, escapeRegex } from './pod-spec';

/**
 * Every request name the kata agent 4.0.0 asks its policy about (`data.agent_policy.<name>`; ReadStdout and
 * ReadStderr share ReadStreamRequest). A name the policy does not define fails the request, so every policy
 * here defines all of them.
 */
export const AGENT_REQUESTS = [
  'AddARPNeighborsRequest',
  'AddSwapPathRequest',
  'AddSwapRequest',
  'CloseStdinRequest',
  'CopyFileRequest',
  'CreateContainerRequest',
  'CreateSandboxRequest',
  'DestroySandboxRequest',
  'ExecProcessRequest',
  'GetDiagnosticDataRequest',
  'GetIPTablesRequest',
  'GetMetricsRequest',
  'GetOOMEventRequest',
  'GuestDetailsRequest',
  'ListInterfacesRequest',
  'ListRoutesRequest',
  'MemAgentCompactConfig',
  'MemAgentMemcgConfig',
  'MemHotplugByProbeRequest',
  'OnlineCPUMemRequest',
  'PauseContainerRequest',
  'ReadStreamRequest',
  'RemoveContainerRequest',
  'RemoveStaleVirtiofsShareMountsRequest',
  'ReseedRandomDevRequest',
  'ResizeVolumeRequest',
  'ResumeContainerRequest',
  'SetGuestDateTimeRequest',
  'SetIPTablesRequest',
  'SetPolicyRequest',
  'SignalProcessRequest',
  'StartContainerRequest',
  'StatsContainerRequest',
  'TtyWinResizeRequest',
  'UpdateContainerRequest',
  'UpdateEphemeralMountsRequest',
  'UpdateInterfaceRequest',
  'UpdateRoutesRequest',
  'VolumeStatsRequest',
  'WaitProcessRequest',
  'WriteStreamRequest',
] as const;

/** A request of the kata agent API. */
export type AgentRequest = (typeof AGENT_REQUESTS)[number];

/** The pod annotation that carries the initdata; the runtime removes it before containers are created. */
const INITDATA_ANNOTATION_KEY = 'io.katacontainers.config.hypervisor.cc_init_data';

/** Options of the pod policy. */
export interface PodPolicyOptions {
  /**
   * Lets the host stream container stdout/stderr (`kubectl logs`). Logs leave the TEE in clear text.
   * @default false
   */
  readonly allowLogStreaming?: boolean;
  /**
   * A name for the workload, written into `policy_data`: two workloads that run the same images still get
   * different initdata, hence different PCR 8 values.
   * @default - none
   */
  readonly workload?: string;
  /**
   * Where the pod description came from, for errors (a construct passes its own path): a problem in
   * `containers[0].image` is reported as that field inside it.
   * @default - the pod's own fields
   */
  readonly field?: Field;
  /**
   * Where each container is in that description, by container name (`initContainers[0]`, `tls`), when the pod has
   * containers its author did not write in that order (a construct adds proxies and init containers of its own).
   * @default - the container's place in the pod (`initContainers[i]`, `containers[i]`)
   */
  readonly containerFields?: Readonly<Record<string, string>>;
}

/** What an agent policy admits, as data, for reports and tests. */
export interface AgentPolicyData {
  /** The image references CreateContainerRequest admits (pause excluded); empty when any image is admitted. */
  readonly images: readonly string[];
  /** The containers it admits, with their image and command line; empty when anything is admitted. */
  readonly containers: ReadonlyArray<{ readonly name: string; readonly image: string; readonly args: readonly string[] }>;
  /** The workload name, if given. */
  readonly workload?: string;
}

/**
 * A kata agent policy: the rego the pod VM's agent evaluates on every request from the untrusted host.
 *
 * `forPod` generates it from the exact pod a construct renders, the way kata's genpolicy does and stricter:
 * the rules are a fixed template, and everything that varies is the JSON `policy_data` at the end. It stays
 * valid JSON running to the end of the file, the form Trustee's `extract_policy_data` reads into
 * `init_data_claims.agent_policy_claims` when an attester sends the initdata plaintext (peer pods of
 * cloud-api-adaptor v0.22.0 do not: there the policy reaches the KBS only as PCR 8).
 */
export class AgentPolicy {
  /**
   * Admits only this pod: its pause container and each of its containers as the kata runtime and containerd
   * create them (image pinned by digest as the one guest-pulled storage, command line, environment, user,
   * mounts, volumes, capabilities, namespaces), in this Deployment and namespace. Exec, stdin, replacing the
   * policy and everything else that lets the host change what runs are denied.
   */
  public static forPod(pod: PodSpec, options: PodPolicyOptions = {}): AgentPolicy {
    const at = (name: string): Field => subField(options.field ?? '', name);
    check(typeof pod === 'object' && pod !== null, at('pod'), 'must be a pod description');
    check(isK8sName(pod.namespace), at('namespace'), `must be a Kubernetes namespace name, got ${show(pod.namespace)}`);
    const name = deploymentPodNamePattern(pod.name, at('name'));
    const all: Array<{ container: PodContainer; field: Field }> = [
      ...pod.initContainers.map((container, i) => ({ container, field: at(options.containerFields?.[container.name] ?? `initContainers[${i}]`) })),
      ...pod.containers.map((container, i) => ({ container, field: at(options.containerFields?.[container.name] ?? `containers[${i}]`) })),
    ];
    check(pod.containers.length > 0, at('containers'), 'must have at least one container');
    const names = all.map((c) => c.container.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    check(twice === undefined, at('containers'), `name ${show(twice)} is used twice; container names are unique in a pod`);
    if (options.workload !== undefined) {
      check(
        typeof options.workload === 'string' && /^[a-z0-9]([-a-z0-9./]{0,250}[a-z0-9])?$/.test(options.workload),
        at('workload'),
        `must be lowercase letters, digits, "-", "." and "/", got ${show(options.workload)}`,
      );
    }
    const annotations: Record<string, string> = { [INITDATA_ANNOTATION_KEY]: '^[A-Za-z0-9+/]*={0,2}$' };
    for (const [key, value] of Object.entries(pod.annotations).sort(([a], [b]) => (a < b ? -1 : 1))) {
      check(
        key.startsWith('io.katacontainers.'),
        at(formatPath(['annotations', key])),
        'only io.katacontainers.* pod annotations reach the containers; others are not expected here',
      );
      annotations[key] = `^${escapeRegex(value)}$`;
    }

    const filters = all.filter(({ container }) => container.role === 'ingress-filter');
    check(
      filters.length === 0 || (filters.length === 1 && pod.initContainers[0] === filters[0].container),
      filters[0]?.field ?? at('containers'),
      'the ingress filter must be the first init container, and the only one: no other container may start before it',
    );
    const containers = all.map(({ container, field }) => containerData(container, field));
    const data = {
      ...(options.workload !== undefined ? { workload: options.workload } : {}),
      pod: { namespace: pod.namespace, name, annotations },
      sandbox: { mounts: SANDBOX_MOUNTS, sysctl: SANDBOX_SYSCTLS },
      containers,
      ingress_filter: filters.length === 1,
      log_streaming: options.allowLogStreaming === true,
    };
    const allowed = new Set<AgentRequest>(ALWAYS_ALLOWED_REQUESTS);
    return new AgentPolicy(renderPolicy(allowed, POD_POLICY_RULES, data), 'pod', {
      images: [...new Set(containers.flatMap((c) => c.images))],
      containers: containers.map((c) => ({ name: c.name, image: c.images[0], args: c.args })),
      ...(options.workload !== undefined ? { workload: options.workload } : {}),
    });
  }

  /**
   * Upstream's allow-all-except-exec: every image may run, only `kubectl exec` is refused. The host can start
   * any image under this workload's identity: for development only.
   */
  public static allowAllExceptExecInsecure(): AgentPolicy {
    const allowed = new Set<AgentRequest>(AGENT_REQUESTS);
    allowed.delete('ExecProcessRequest');
    return new AgentPolicy(renderPolicy(allowed, '', undefined), 'allow-all-except-exec', { images: [], containers: [] });
  }

  /** Allows every request, exec included: the pod VM's own default. For development only. */
  public static allowAllInsecure(): AgentPolicy {
    return new AgentPolicy(renderPolicy(new Set(AGENT_REQUESTS), '', undefined), 'allow-all', { images: [], containers: [] });
  }

  private constructor(
    /** The rego text. */
    public readonly rego: string,
    /** Which preset produced it. */
    public readonly preset: 'pod' | 'allow-all-except-exec' | 'allow-all',
    /** What it admits. */
    public readonly data: AgentPolicyData,
  ) {}

  /** True for the presets that let the host run arbitrary images or exec into containers. */
  public get isInsecure(): boolean {
    return this.preset !== 'pod';
  }
}

/** Mounts the runtime gives every container, before the pod's own volumes. */
function defaultMounts(readOnlyRoot: boolean): MountSpec[] {
  const rootRw = readOnlyRoot ? 'ro' : 'rw';
  return [
    ...CRI_MOUNTS,
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: { literal: 'cgroup' },
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      optional_options: ['nsdelegate', 'memory_recursiveprot'],
    },
    copied('/etc/hosts', 'hosts', ['rbind', 'rprivate', 'rw']),
    copied('/dev/termination-log', 'termination-log', ['rbind', 'rprivate', 'rw']),
    copied('/etc/hostname', 'hostname', ['rbind', 'rprivate', rootRw]),
    copied('/etc/resolv.conf', 'resolv.conf', ['rbind', 'rprivate', rootRw]),
    SHM_MOUNT,
  ];
}

interface MountSpec {
  readonly destination: string;
  readonly type: string;
  readonly source: { readonly literal: string } | { readonly copied_file: string } | { readonly local_volume: string };
  readonly options: readonly string[];
  readonly optional_options: readonly string[];
}

function copied(destination: string, file: string, options: string[]): MountSpec {
  return { destination, type: 'bind', source: { copied_file: file }, options, optional_options: [] };
}

// containerd's default mounts for a Linux container (oci/mounts.go), left as they are by the kata runtime.
const CRI_MOUNTS: readonly MountSpec[] = [
  { destination: '/proc', type: 'proc', source: { literal: 'proc' }, options: ['nosuid', 'noexec', 'nodev'], optional_options: [] },
  {
    destination: '/dev',
    type: 'tmpfs',
    source: { literal: 'tmpfs' },
    options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    optional_options: [],
  },
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: { literal: 'devpts' },
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    optional_options: [],
  },
  { destination: '/dev/mqueue', type: 'mqueue', source: { literal: 'mqueue' }, options: ['nosuid', 'noexec', 'nodev'], optional_options: [] },
  { destination: '/sys', type: 'sysfs', source: { literal: 'sysfs' }, options: ['nosuid', 'noexec', 'nodev', 'ro'], optional_options: [] },
];

// The kata runtime rewrites /dev/shm to the sandbox's shared memory storage.
const SHM_MOUNT: MountSpec = {
  destination: '/dev/shm',
  type: 'bind',
  source: { literal: '/run/kata-containers/sandbox/shm' },
  options: ['rbind'],
  optional_options: [],
};

const SANDBOX_MOUNTS: readonly MountSpec[] = [
  ...CRI_MOUNTS,
  SHM_MOUNT,
  copied('/etc/resolv.conf', 'resolv.conf', ['rbind', 'ro', 'nosuid', 'nodev', 'noexec']),
];

// containerd 2.x sets these on the sandbox of a pod without host networking (1.7 sets none).
const SANDBOX_SYSCTLS = { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' };

function containerData(container: PodContainer, field: Field) {
  check(isK8sName(container.name), subField(field, `.name`), `must be a Kubernetes name, got ${show(container.name)}`);
  container.volumeMounts.forEach((m, i) => {
    check(isK8sName(m.volume), subField(field, `.volumeMounts[${i}].volume`), `must be a Kubernetes name, got ${show(m.volume)}`);
    check(
      typeof m.mountPath === 'string' && /^\/[^\0]*$/.test(m.mountPath) && !m.mountPath.split('/').includes('..'),
      subField(field, `.volumeMounts[${i}].mountPath`),
      `must be an absolute path without "..", got ${show(m.mountPath)}`,
    );
  });
  const process = containerProcess(container, field);
  const volumes = [...new Set(container.volumeMounts.map((m) => m.volume))];
  const mounts: MountSpec[] = [
    ...defaultMounts(container.readOnlyRootFilesystem),
    ...container.volumeMounts.map((m): MountSpec => ({
      destination: m.mountPath,
      type: 'local',
      source: { local_volume: m.volume },
      options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
      optional_options: [],
    })),
  ];
  const destinations = mounts.map((m) => m.destination);
  const clash = container.volumeMounts.find((m) => destinations.indexOf(m.mountPath) !== destinations.lastIndexOf(m.mountPath));
  check(clash === undefined, subField(field, `.volumeMounts`), `mount path ${show(clash?.mountPath)} is used twice, or by the runtime itself`);
  return {
    name: container.name,
    images: imageNameForms(container.image),
    args: process.args,
    cwd: process.cwd,
    env: process.env,
    hostname_env: process.hostnameFromRuntime,
    user: { uid: process.uid, gid: process.gid, additional_gids: [process.gid] },
    readonly_root: container.readOnlyRootFilesystem,
    no_new_privileges: true,
    capabilities: container.role === 'ingress-filter' ? [...INGRESS_FILTER_CAPABILITIES] : [],
    ingress_filter: container.role === 'ingress-filter',
    volumes,
    mounts,
  };
}

function renderPolicy(allowed: ReadonlySet<AgentRequest>, rules: string, data: object | undefined): string {
  const ruled = new Set<string>(rules ? RULE_DECIDED_REQUESTS : []);
  const lines = [
    'package agent_policy',
    '',
    // The agent's regorus may evaluate rego v0; these imports make the v1 keywords available either way.
    'import future.keywords.every',
    'import future.keywords.if',
    'import future.keywords.in',
    '',
    // Evaluated once when the policy loads: true would let every failing request through.
    'default AllowRequestsFailingPolicy := false',
    '',
    ...AGENT_REQUESTS.map((r) => `default ${r} := ${allowed.has(r) && !ruled.has(r) ? 'true' : 'false'}`),
  ];
  if (rules) lines.push(rules.trimEnd());
  // Trustee extracts everything after "policy_data := {" as JSON, so policy_data must come last.
  if (data !== undefined) lines.push('', `policy_data := ${JSON.stringify(data, null, 2)}`);
  return `${lines.join('\n')}\n`;
}
