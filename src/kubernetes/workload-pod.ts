// The pod of a confidential workload as one description: the agent policy, the exposure checks and the
// Deployment are all rendered from it, so what the policy pins is exactly what Kubernetes runs.
import { PodContainer, PodSpec, containerProcess } from '../attestation/pod-spec';
import { ResourcePath } from '../attestation/resource-path';
import { WorkloadExposure, workloadExposure } from '../attestation/workload-exposure';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Construct } from '../internal/cdktf';
import { fieldOf } from '../internal/validation';
import { ParsedWorkloadProps } from './confidential-workload-schema';
import { Probe } from './probe';
import { Container, TLS_VOLUME, renderTls } from './tls-proxies';

/** The pod annotation that picks the pod VM size. */
export const MACHINE_TYPE_ANNOTATION = 'io.katacontainers.config.hypervisor.machine_type';

export type ParsedContainer = ParsedWorkloadProps['containers'][number];
/** The TLS parts of the pod (init container, proxies, listeners), when the workload serves or calls TLS. */
export type RenderedTls = ReturnType<typeof renderTls>;
export type ProbeKey = 'readinessProbe' | 'livenessProbe' | 'startupProbe';

/** The pod's containers: the TLS init containers run first, the TLS proxies beside the application's. */
export interface PodContainers {
  readonly initContainers: Container[];
  readonly containers: Container[];
}

/** The scratch volume every container but the ingress filter sees at /tmp. */
const TMP_VOLUME = { name: 'tmp', mountPath: '/tmp', sizeLimit: '1Gi' };

/** The application's and the TLS containers, in the order the pod runs them. */
export function podContainers(p: ParsedWorkloadProps, tls: RenderedTls | undefined): PodContainers {
  return { initContainers: [...(tls?.init ?? []), ...p.initContainers], containers: [...p.containers, ...(tls?.sidecars ?? [])] };
}

/** The pod's emptyDir volumes: the scratch volumes, /tmp, and the TLS volume when it has TLS. */
export function podVolumes(p: ParsedWorkloadProps, tls: RenderedTls | undefined) {
  return [...p.scratchVolumes, TMP_VOLUME, ...(tls ? [TLS_VOLUME] : [])];
}

/** What modelPod describes the pod from. */
export interface PodModelInput {
  readonly namespace: string;
  readonly p: ParsedWorkloadProps;
  readonly size: ConfidentialVmSize;
  readonly tls: RenderedTls | undefined;
  readonly kbsResources: ReadonlyArray<{ readonly path: ResourcePath; readonly env: string }>;
  readonly containers: PodContainers;
}

/** The pod as the agent policy pins it: each container's image, process, environment and mounts. */
export function modelPod({ namespace, p, size, tls, kbsResources, containers }: PodModelInput): PodSpec {
  const resourceEnv = kbsResources.map((r) => ({ name: r.env, value: r.path.cdhUrl }));
  const scratch = [...p.scratchVolumes, TMP_VOLUME];
  // The ingress filter mounts nothing; the proxies see the TLS volume and /tmp; the applications never see the key.
  const mountsOf = (c: Container) => (c.role === 'ingress-filter' ? [] : tls?.proxyNames.has(c.name) ? [TLS_VOLUME, TMP_VOLUME] : scratch);
  const toPod = (c: Container): PodContainer => ({
    name: c.name,
    image: c.image,
    ...(c.imageFacts ? { imageFacts: c.imageFacts } : {}),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.workingDir ? { workingDir: c.workingDir } : {}),
    env: [
      ...(tls?.proxyNames.has(c.name) ? [] : resourceEnv),
      ...Object.entries(c.env ?? {})
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, value]) => ({ name, value })),
    ],
    volumeMounts: mountsOf(c).map((v) => ({ volume: v.name, mountPath: v.mountPath })),
    readOnlyRootFilesystem: c.readOnlyRootFilesystem,
    ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
    ...(c.runAsGroup !== undefined ? { runAsGroup: c.runAsGroup } : {}),
    ...(c.role ? { role: c.role } : {}),
  });
  return {
    namespace,
    name: p.name,
    annotations: { [MACHINE_TYPE_ANNOTATION]: size.name },
    initContainers: containers.initContainers.map(toPod),
    containers: containers.containers.map(toPod),
  };
}

/**
 * The ports of the workload's Service (which has one): with TLS the proxy's, for the workload and for the users, each
 * targeting itself; without, the application's port. The Service renders them and the exposure rules check them.
 */
export function servicePorts(p: ParsedWorkloadProps, tls: RenderedTls | undefined): Array<{ name: string; port: number; targetPort: number }> {
  const service = p.service!;
  if (!tls) return [{ name: 'http', port: service.port, targetPort: service.targetPort ?? service.port }];
  const users = tls.usersPort !== undefined ? [{ name: 'https-users', port: tls.usersPort, targetPort: tls.usersPort }] : [];
  return [{ name: 'https', port: tls.endpoint.port, targetPort: tls.endpoint.port }, ...users];
}

/** The container's probes: those given, and by default a TCP readiness probe of its first port. */
export function probeList(c: ParsedContainer): Array<[ProbeKey, Probe]> {
  const readiness = c.readinessProbe ?? ((c.ports ?? []).length > 0 ? Probe.fromTcpSocket() : undefined);
  const all: Array<[ProbeKey, Probe | undefined]> = [
    ['readinessProbe', readiness],
    ['livenessProbe', c.livenessProbe],
    ['startupProbe', c.startupProbe],
  ];
  return all.filter((e): e is [ProbeKey, Probe] => e[1] !== undefined);
}

/**
 * Where a container is in the props, as the user wrote them (`containers[1]`, `initContainers[0]`); `tls` for the
 * containers the TLS settings add (the proxies and the ingress filter).
 */
export function containerField(p: ParsedWorkloadProps, name: string): string {
  const init = p.initContainers.findIndex((c) => c.name === name);
  if (init >= 0) return `initContainers[${init}]`;
  const i = p.containers.findIndex((c) => c.name === name);
  return i >= 0 ? `containers[${i}]` : 'tls';
}

/** Where each container of the pod is in the props (`containerField`), by name: what the agent policy's errors name. */
export function containerFields(p: ParsedWorkloadProps, pod: PodSpec): Record<string, string> {
  return Object.fromEntries([...pod.initContainers, ...pod.containers].map((c) => [c.name, containerField(p, c.name)]));
}

/** The field of a container's probe (`containers[0].livenessProbe`), or `tls` for a container the TLS settings add. */
export function probeField(p: ParsedWorkloadProps, name: string, key: ProbeKey): string {
  const container = containerField(p, name);
  return container === 'tls' ? container : `${container}.${key}`;
}

/** What the workload's pod VMs expose, checked by the pure core's rules (only TLS listeners when it serves TLS). */
export function exposureOf(scope: Construct, p: ParsedWorkloadProps, pod: PodSpec, tls: RenderedTls | undefined): WorkloadExposure {
  const at = (field: string) => fieldOf(scope, 'ConfidentialWorkload', field);
  const parsed = new Map<string, ParsedContainer>([...p.initContainers, ...p.containers].map((c) => [c.name, c]));
  const containers = [...pod.initContainers.map((c) => ({ c, init: true })), ...pod.containers.map((c) => ({ c, init: false }))].map(
    ({ c, init }) => {
      const field = at(containerField(p, c.name));
      const process = containerProcess(c, field);
      return {
        name: c.name,
        field,
        init,
        rendered: tls?.proxyNames.has(c.name) ?? false,
        ports: tls?.proxyNames.has(c.name) ? (tls.sidecars.find((s) => s.name === c.name)?.ports ?? []) : (parsed.get(c.name)?.ports ?? []),
        args: process.args,
        env: process.env,
      };
    },
  );
  const target = { ...(tls?.statusPort !== undefined ? { tlsStatusPort: tls.statusPort } : {}) };
  const probes = [...p.containers, ...(tls?.sidecars ?? [])].flatMap((c) =>
    probeList(c).map(([key, probe]) => {
      const field = at(probeField(p, c.name, key));
      return { container: c.name, field, ...probe.target({ ports: c.ports ?? [], ...target }, field) };
    }),
  );
  const service = p.service ? { targetPorts: servicePorts(p, tls).map((s) => s.targetPort), field: at('service') } : undefined;
  return workloadExposure({
    tls: tls !== undefined && p.service !== undefined,
    listeners: tls?.listeners ?? [],
    containers,
    probes,
    ...(service ? { service } : {}),
    // The filter closes the ports only if the agent policy makes it run first: the generated policy does.
    ingressFilter: tls?.filterName !== undefined && p.agentPolicy === undefined,
  });
}
