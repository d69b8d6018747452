// How a confidential workload's modelled pod becomes Kubernetes objects: its Deployment and its Service.
import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { INITDATA_ANNOTATION, Initdata } from '../attestation/initdata';
import { INGRESS_FILTER_CAPABILITIES, PodContainer, PodSpec } from '../attestation/pod-spec';
import { Construct, ITerraformDependable } from '../internal/cdktf';
import { fieldOf } from '../internal/validation';
import { ParsedWorkloadProps } from './confidential-workload-schema';
import { RenderedProbe } from './probe';
import { ParsedContainer, PodContainers, ProbeKey, RenderedTls, podVolumes, probeField, probeList, servicePorts } from './workload-pod';

/** The labels of the workload's pods, and the selector of its Deployment and Service. */
function labelsOf(p: ParsedWorkloadProps) {
  return { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/part-of': 'confidential-ai' };
}

/** The container's probes, rendered. */
function probesOf(
  scope: Construct,
  p: ParsedWorkloadProps,
  c: ParsedContainer,
  tlsStatusPort: number | undefined,
): Partial<Record<ProbeKey, RenderedProbe>> {
  const target = { ports: c.ports ?? [], ...(tlsStatusPort !== undefined ? { tlsStatusPort } : {}) };
  return Object.fromEntries(
    probeList(c).map(([key, probe]) => [key, probe.render(target, fieldOf(scope, 'ConfidentialWorkload', probeField(p, c.name, key)))]),
  );
}

/** A container of the Deployment: the modelled pod's env and mounts, locked down as its agent policy expects. */
function renderContainer(
  scope: Construct,
  p: ParsedWorkloadProps,
  c: ParsedContainer,
  pod: PodContainer,
  init: boolean,
  tls: RenderedTls | undefined,
): DeploymentV1SpecTemplateSpecContainer {
  const filter = pod.role === 'ingress-filter';
  return {
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    workingDir: c.workingDir,
    env: pod.env.map((e) => ({ ...e })),
    port: (c.ports ?? []).map((containerPort) => ({ containerPort })),
    resources: { requests: { ...c.resources }, limits: { memory: c.resources.memory } },
    securityContext: {
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: c.readOnlyRootFilesystem,
      // Only the ingress filter runs as root, with NET_ADMIN alone, which its agent policy pins.
      runAsNonRoot: !filter,
      ...(c.runAsUser !== undefined ? { runAsUser: String(c.runAsUser) } : {}),
      ...(c.runAsGroup !== undefined ? { runAsGroup: String(c.runAsGroup) } : {}),
      capabilities: { drop: ['ALL'], ...(filter ? { add: INGRESS_FILTER_CAPABILITIES.map((cap) => cap.replace(/^CAP_/, '')) } : {}) },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMount: pod.volumeMounts.map((v) => ({ name: v.volume, mountPath: v.mountPath })),
    ...(init ? {} : probesOf(scope, p, c, tls?.statusPort)),
  };
}

/** What renderDeployment renders the Deployment from. */
export interface DeploymentInput {
  readonly p: ParsedWorkloadProps;
  readonly namespace: string;
  readonly pod: PodSpec;
  readonly containers: PodContainers;
  readonly initdata: Initdata;
  readonly tls: RenderedTls | undefined;
  readonly namespaceDeps: ITerraformDependable[];
}

/** The Deployment `Resource` of the workload: the modelled pod, with its initdata, on the peer-pods runtime. */
export function renderDeployment(scope: Construct, { p, namespace, pod, containers, initdata, tls, namespaceDeps }: DeploymentInput): DeploymentV1 {
  const labels = labelsOf(p);
  const initContainer = containers.initContainers.map((c, i) => renderContainer(scope, p, c, pod.initContainers[i], true, tls));
  const container = containers.containers.map((c, i) => renderContainer(scope, p, c, pod.containers[i], false, tls));
  return new DeploymentV1(scope, 'Resource', {
    metadata: { name: p.name, namespace, labels },
    spec: {
      replicas: String(p.replicas),
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: { [INITDATA_ANNOTATION]: initdata.annotation, ...pod.annotations },
        },
        spec: {
          runtimeClassName: p.runtime.runtimeClassName,
          // The agent policy admits exactly these: no service account token, no service links.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          initContainer,
          container,
          volume: podVolumes(p, tls).map((v) => ({ name: v.name, emptyDir: v.sizeLimit ? { sizeLimit: v.sizeLimit } : {} })),
        },
      },
    },
    // Pod VMs take minutes to boot and attest; `kubectl rollout status` follows them.
    waitForRollout: false,
    dependsOn: [...p.runtime.installedBy, ...namespaceDeps],
  });
}

/** The ClusterIP `Service` of the workload and its in-cluster URL (`https://` with TLS). */
export function renderService(
  scope: Construct,
  p: ParsedWorkloadProps,
  namespace: string,
  tls: RenderedTls | undefined,
  namespaceDeps: ITerraformDependable[],
): { service: ServiceV1; url: string } {
  const labels = labelsOf(p);
  const ports = servicePorts(p, tls);
  const service = new ServiceV1(scope, 'Service', {
    metadata: { name: p.name, namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector: labels,
      // With TLS only the proxy's port is exposed; the application's port stays inside the pod VM.
      port: ports.map((s) => ({ name: s.name, port: s.port, targetPort: String(s.targetPort) })),
    },
    dependsOn: namespaceDeps,
  });
  return { service, url: `${tls ? 'https' : 'http'}://${p.name}.${namespace}.svc.cluster.local:${ports[0].port}` };
}
