import { AgentPolicy, PodSpec } from '../../src/attestation';
import { AGENT_REQUESTS } from '../../src/attestation/agent-policy';
import { PolicyState, agentAllows, describeWithEngine } from '../helpers/rego-engine';
import { startPod, startedPodState } from '../helpers/pod-lifecycle';
import {
  ImageConfig,
  K8sPod,
  containerId,
  copyFiles,
  createContainer,
  createPause,
  createSandbox,
  imageConfigOf,
  k8sPodOf,
} from '../helpers/kata-runtime';
import { FETCH_IMAGE, POD, SERVER_IMAGE, facts } from './fixtures/inference-pod';
import { CONTAINER_TAMPERINGS } from './fixtures/tamperings';
import { pinned } from './fixtures/values';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- request JSON is mutated freely in tamperings

const policy = AgentPolicy.forPod(POD, { workload: 'confidential-ai/inference' });
const k8s = k8sPodOf(POD);
const server = (): Json => createContainer(k8s, 'server', imageConfigOf(facts)) as Json;
const fetch = (): Json => createContainer(k8s, 'fetch-model', {}) as Json;
const pause = (): Json => createPause(k8s) as Json;
const image = (ref: string): ImageConfig => (ref === SERVER_IMAGE ? imageConfigOf(facts) : {});
/** The state a policy's own pod is in once its sandbox is up: the state its containers are created in. */
const started = new Map<string, PolicyState>();
const startedState = (p: AgentPolicy, pod: K8sPod = k8s): PolicyState => {
  const key = `${pod.name}\n${p.rego}`;
  if (!started.has(key)) started.set(key, startedPodState(p.rego, pod, image));
  return started.get(key)!;
};
const allows = (request: string, input: unknown, p: AgentPolicy = policy, state: PolicyState = startedState(p)): boolean =>
  agentAllows(p.rego, request, input, state);
const env = (r: Json): string[] => r.OCI.Process.Env;

describeWithEngine('pod agent policy, evaluated as the kata agent does', () => {
  test('GIVEN the pod WHEN the runtime starts it THEN every request it sends is allowed', () => {
    const { steps } = startPod(policy.rego, k8s, image);
    expect(steps.filter((s) => !s.allowed)).toEqual([]);
    expect(steps.map((s) => `${s.request} ${s.container ?? ''}`.trim())).toEqual([
      'CreateSandboxRequest',
      'CreateContainerRequest pause',
      'StartContainerRequest pause',
      ...['fetch-model', 'server'].flatMap((c) => [
        ...copyFiles(k8s, c).map(() => `CopyFileRequest ${c}`),
        `CreateContainerRequest ${c}`,
        `StartContainerRequest ${c}`,
      ]),
    ]);
    expect(allows('CreateContainerRequest', fetch())).toBe(true);
    expect(allows('CreateContainerRequest', server())).toBe(true);
    const cid = containerId(k8s, 'server');
    for (const [request, input] of [
      ['GuestDetailsRequest', { mem_block_size: true, mem_hotplug_probe: true }],
      ['StartContainerRequest', { container_id: cid }],
      ['WaitProcessRequest', { container_id: cid, exec_id: cid }],
      ['GetOOMEventRequest', {}],
      ['StatsContainerRequest', { container_id: cid }],
      ['SignalProcessRequest', { container_id: cid, exec_id: '', signal: 15 }],
      ['RemoveContainerRequest', { container_id: cid, timeout: 0 }],
      ['RemoveStaleVirtiofsShareMountsRequest', {}],
      ['DestroySandboxRequest', {}],
    ] as const) {
      expect([request, allows(request, input)]).toEqual([request, true]);
    }
  });

  test('the server runs its image entrypoint and CMD, the image ENV and the declared env, as the image facts say', () => {
    const r = server();
    expect(r.OCI.Process.Args).toEqual(['/opt/app/bin/server', '--port', '8080']);
    expect(env(r)).toEqual(
      expect.arrayContaining(['PATH=/opt/app/bin:/usr/bin:/bin', 'APP_MODE=production', `HOSTNAME=${k8s.name}`, 'MODEL_DIR=/models']),
    );
    expect(r.OCI.Process.Cwd).toBe('/opt/app');
    expect(r.OCI.Process.User).toEqual({ UID: 1000, GID: 0, AdditionalGids: [0], Username: '' });
  });

  test('the kubelet may order the environment at random', () => {
    const r = server();
    r.OCI.Process.Env = [...env(r)].reverse();
    expect(allows('CreateContainerRequest', r)).toBe(true);
  });

  test('containerd 1.7 reports the image without its tag; both name the same digest', () => {
    const r = server();
    const digestOnly = SERVER_IMAGE.replace(':1.4@', '@');
    r.OCI.Annotations['io.kubernetes.cri.image-name'] = digestOnly;
    r.storages[0].source = digestOnly;
    expect(allows('CreateContainerRequest', r)).toBe(true);
  });

  const containerTamperings: Array<[string, (r: Json) => void]> = [
    ...CONTAINER_TAMPERINGS,
    ["the init container's name (its command line differs)", (r) => (r.OCI.Annotations['io.kubernetes.cri.container-name'] = 'fetch-model')],
    [
      "another approved image (the init container's)",
      (r) => (r.storages[0].source = r.OCI.Annotations['io.kubernetes.cri.image-name'] = FETCH_IMAGE),
    ],
    [
      'a volume mounted writable where it is read-only',
      (r) => (r.OCI.Mounts.find((m: Json) => m.destination === '/models').options = ['rbind', 'rprivate', 'rw']),
    ],
  ];

  test.each(containerTamperings)('denies a container with %s', (_name, tamper) => {
    const r = server();
    tamper(r);
    expect(allows('CreateContainerRequest', r)).toBe(false);
  });

  const pauseTamperings: Array<[string, (r: Json) => void]> = [
    [
      "metadata that says container (the host's image and process would run)",
      (r) =>
        (r.storages[0].driver_options = [
          r.storages[0].driver_options[0].replace('"io.kubernetes.cri.container-type":"sandbox"', '"io.kubernetes.cri.container-type":"container"'),
        ]),
    ],
    ["an image instead of the VM's pause bundle", (r) => (r.storages[0].source = pinned('evil'))],
    [
      'an extra storage',
      (r) =>
        r.storages.push({
          driver: 'local',
          driver_options: [],
          source: 'local',
          fstype: 'local',
          options: ['mode=0777'],
          mount_point: `/run/kata-containers/shared/containers/${r.container_id}/rootfs/local/x`,
          fs_group: null,
          shared: false,
        }),
    ],
    [
      'an extra mount',
      (r) =>
        r.OCI.Mounts.push({
          destination: '/data',
          source: `/run/kata-containers/shared/containers/${r.container_id}-0123456789abcdef-data`,
          type_: 'bind',
          options: ['rbind'],
        }),
    ],
    ['a sandbox id that is not its own', (r) => (r.OCI.Annotations['io.kubernetes.cri.sandbox-id'] = 'f'.repeat(64))],
    ['a container name', (r) => (r.OCI.Annotations['io.kubernetes.cri.container-name'] = 'server')],
    ['another sysctl', (r) => (r.OCI.Linux.Sysctl['kernel.shm_rmid_forced'] = '0')],
    ['a writable root', (r) => (r.OCI.Root.Readonly = false)],
  ];

  // The pause container is created first, in the empty state.
  test.each(pauseTamperings)('denies a pause container with %s', (_name, tamper) => {
    const r = pause();
    expect(allows('CreateContainerRequest', r, policy, {})).toBe(true);
    tamper(r);
    expect(allows('CreateContainerRequest', r, policy, {})).toBe(false);
  });

  const sandboxTamperings: Array<[string, (r: Json) => void]> = [
    ['a guest hook path', (r) => (r.guest_hook_path = '/usr/share/oci/hooks')],
    ['kernel modules', (r) => (r.kernel_modules = ['evil'])],
    ['a shared pid namespace', (r) => (r.sandbox_pidns = true)],
    ["another pod's hostname", (r) => (r.hostname = 'other-7c56d66754-pq9qp')],
    ['an extra storage', (r) => r.storages.push({ ...r.storages[0], mount_point: '/run/kata-containers/sandbox/x' })],
  ];

  test.each(sandboxTamperings)('denies a sandbox with %s', (_name, tamper) => {
    const r = createSandbox(k8s) as Json;
    tamper(r);
    expect(allows('CreateSandboxRequest', r)).toBe(false);
  });

  const copy = (): Json => copyFiles(k8s, 'server')[0] as Json;
  test.each<[string, (r: Json) => void]>([
    ['outside the shared directory', (r) => (r.path = '/etc/ld.so.preload')],
    ['with a traversal', (r) => (r.path = `/run/kata-containers/shared/containers/../../../etc/${'a'.repeat(64)}-0123456789abcdef-hosts`)],
    ['into a container rootfs', (r) => (r.path = `/run/kata-containers/shared/containers/${containerId(k8s, 'server')}/rootfs/usr/bin/x`)],
    ['of a file the pod does not mount', (r) => (r.path = r.path.replace(/hosts$/, 'serviceaccount'))],
    ['of a directory', (r) => (r.file_type = 'Directory')],
    ['of a symlink', (r) => Object.assign(r, { file_type: 'Symlink', symlink_target: '/etc/shadow' })],
  ])('denies a file copy %s', (_name, tamper) => {
    const r = copy();
    tamper(r);
    expect(allows('CopyFileRequest', r)).toBe(false);
  });

  test.each([
    ['ExecProcessRequest', { container_id: containerId(k8s, 'server'), exec_id: 'x', process: { Args: ['sh'], Env: [], Cwd: '/' } }],
    ['SetPolicyRequest', { policy: 'package agent_policy\ndefault CreateContainerRequest := true\n' }],
    ['WriteStreamRequest', { container_id: containerId(k8s, 'server'), exec_id: '', data: [] }],
    ['CloseStdinRequest', { container_id: containerId(k8s, 'server'), exec_id: '' }],
    ['ReadStreamRequest', { container_id: containerId(k8s, 'server'), exec_id: '', len: 1024 }],
    ['UpdateContainerRequest', { container_id: containerId(k8s, 'server') }],
    ['UpdateRoutesRequest', { routes: { Routes: [] } }],
    ['UpdateInterfaceRequest', { interface: { name: 'eth0' } }],
    ['SetGuestDateTimeRequest', { Sec: 0, Usec: 0 }],
    ['ReseedRandomDevRequest', { data: [] }],
    ['SetIPTablesRequest', { is_ipv6: false, data: [] }],
    ['GetDiagnosticDataRequest', { log_type: 'termination_log', container_id: containerId(k8s, 'server') }],
    ['PauseContainerRequest', { container_id: containerId(k8s, 'server') }],
    ['MemAgentMemcgConfig', {}],
  ])('denies %s', (request, input) => {
    expect(allows(request, input)).toBe(false);
  });

  test('log streaming is allowed only when asked', () => {
    const logs = AgentPolicy.forPod(POD, { allowLogStreaming: true });
    expect(allows('ReadStreamRequest', { container_id: containerId(k8s, 'server'), exec_id: '', len: 1024 }, logs)).toBe(true);
  });

  test('a policy does not admit the pod of another policy: two workloads with the same images stay apart', () => {
    const other = AgentPolicy.forPod({ ...POD, name: 'inference-b' });
    const k8sB: K8sPod = k8sPodOf({ ...POD, name: 'inference-b' });
    expect(allows('CreateContainerRequest', pause(), other, {})).toBe(false);
    expect(allows('CreateContainerRequest', server(), other, startedState(other, k8sB))).toBe(false);
    expect(allows('CreateContainerRequest', createContainer(k8sB, 'server', imageConfigOf(facts)), other, startedState(other, k8sB))).toBe(true);
  });

  test('AllowRequestsFailingPolicy is false', () => {
    expect(allows('AllowRequestsFailingPolicy', {})).toBe(false);
  });
});

describeWithEngine('development presets, evaluated', () => {
  test('allow-all allows every request the agent asks about', () => {
    const all = AgentPolicy.allowAllInsecure();
    for (const request of AGENT_REQUESTS) expect([request, allows(request, {}, all)]).toEqual([request, true]);
    expect(all.isInsecure).toBe(true);
  });

  test('allow-all-except-exec denies only exec', () => {
    const p = AgentPolicy.allowAllExceptExecInsecure();
    const denied = AGENT_REQUESTS.filter((r) => !allows(r, {}, p));
    expect(denied).toEqual(['ExecProcessRequest']);
  });
});

describe('pod agent policy, as text and data', () => {
  /** The JSON Trustee extracts: everything after "policy_data := {" (attestation-service extract_policy_data). */
  const trusteePolicyData = (rego: string): Json => JSON.parse(rego.slice(rego.indexOf('policy_data := {') + 'policy_data := '.length));

  test('policy_data comes last and is the JSON Trustee extracts, naming the workload, images and command lines', () => {
    const data = trusteePolicyData(policy.rego);
    expect(data.workload).toBe('confidential-ai/inference');
    expect(data.pod).toEqual({
      namespace: 'confidential-ai',
      name: '^inference-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$',
      annotations: {
        'io.katacontainers.config.hypervisor.cc_init_data': '^[A-Za-z0-9+/]*={0,2}$',
        'io.katacontainers.config.hypervisor.machine_type': '^Standard_DC2as_v5$',
      },
    });
    expect(data.containers.map((c: Json) => [c.name, c.args])).toEqual([
      ['fetch-model', ['/usr/local/bin/fetch-model', '--out', '/models']],
      ['server', ['/opt/app/bin/server', '--port', '8080']],
    ]);
    expect(policy.data.images).toEqual([FETCH_IMAGE, SERVER_IMAGE, SERVER_IMAGE.replace(':1.4@', '@')]);
  });

  test('every agent request has exactly one default', () => {
    for (const request of AGENT_REQUESTS) expect(policy.rego.match(new RegExp(`^default ${request} := (true|false)$`, 'gm'))).toHaveLength(1);
  });

  test('the rules are one fixed template: two pods differ only in policy_data', () => {
    const head = (r: string): string => r.slice(0, r.indexOf('policy_data := {'));
    expect(head(AgentPolicy.forPod({ ...POD, namespace: 'other', name: 'x' }).rego)).toBe(head(policy.rego));
  });

  test('the same pod renders the same bytes', () => {
    expect(AgentPolicy.forPod(POD, { workload: 'confidential-ai/inference' }).rego).toBe(policy.rego);
  });
});

describe('pod agent policy, bad input', () => {
  const withServer = (patch: Partial<PodSpec['containers'][number]>): PodSpec => ({ ...POD, containers: [{ ...POD.containers[0], ...patch }] });

  test('fails when a container has neither a command nor image facts, saying how to save them', () => {
    expect(() => AgentPolicy.forPod(withServer({ imageFacts: undefined }))).toThrow(
      /containers\[0\].command: is required when the image's entrypoint is not known: .*crane manifest/,
    );
  });

  test('fails when the image facts belong to another image', () => {
    expect(() => AgentPolicy.forPod(withServer({ image: pinned('server') }))).toThrow(
      /containers\[0\].imageFacts: describe registry.example.com\/team\/server:1.4@sha256:6b39.*, not example.azurecr.io\/server@sha256/,
    );
  });

  test('fails when the user is not known', () => {
    expect(() => AgentPolicy.forPod({ ...POD, initContainers: [{ ...POD.initContainers[0], runAsUser: undefined }] })).toThrow(
      /initContainers\[0\].runAsUser: is required/,
    );
  });

  test('fails on values the kubelet would rewrite', () => {
    expect(() => AgentPolicy.forPod(withServer({ env: [{ name: 'A', value: '$(HOME)/x' }] }))).toThrow(
      /containers\[0\].env.A: contains "\$\(" or "\$\$"/,
    );
    expect(() => AgentPolicy.forPod(withServer({ args: ['cost: $$5'] }))).toThrow(/containers\[0\].args\[0\]: contains/);
  });

  test('fails when a Deployment name is too long to be pinned in pod names', () => {
    expect(() => AgentPolicy.forPod({ ...POD, name: 'a'.repeat(47) })).toThrow(/name: must be at most 46 characters, got 47/);
  });

  test('fails on names and paths that are not what Kubernetes accepts', () => {
    expect(() => AgentPolicy.forPod(withServer({ name: 'Server' }))).toThrow(/containers\[0\]\.name: must be a Kubernetes name/);
    expect(() => AgentPolicy.forPod(withServer({ volumeMounts: [{ volume: '../x', mountPath: '/x' }] }))).toThrow(
      /containers\[0\]\.volumeMounts\[0\]\.volume: must be a Kubernetes name/,
    );
    expect(() => AgentPolicy.forPod(withServer({ volumeMounts: [{ volume: 'x', mountPath: '/a/../etc' }] }))).toThrow(
      /containers\[0\]\.volumeMounts\[0\]\.mountPath: must be an absolute path without "\.\."/,
    );
  });

  test('fails on two containers with one name, or two mounts at one path', () => {
    expect(() => AgentPolicy.forPod({ ...POD, initContainers: [{ ...POD.initContainers[0], name: 'server' }] })).toThrow(
      /containers: name "server" is used twice/,
    );
    expect(() => AgentPolicy.forPod(withServer({ volumeMounts: [{ volume: 'a', mountPath: '/etc/hosts' }] }))).toThrow(
      /containers\[0\].volumeMounts: mount path "\/etc\/hosts" is used twice, or by the runtime itself/,
    );
  });
});
