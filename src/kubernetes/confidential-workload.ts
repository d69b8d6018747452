import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { AgentPolicy } from '../attestation/agent-policy';
import { renderAaToml, renderCdhToml } from '../attestation/guest-config';
import { INITDATA_ANNOTATION, Initdata } from '../attestation/initdata';
import { ResourcePath } from '../attestation/resource-path';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Annotations, Construct, TerraformStack } from '../internal/cdktf';
import { ConstructValidationError, parseProps, withConstructPath } from '../internal/validation';
import { ConfidentialWorkloadProps, ParsedWorkloadProps, workloadSchema } from './confidential-workload-props';
import { PeerPodsRuntime } from './peer-pods-runtime';

/** The pod annotation that picks the pod VM size. */
export const MACHINE_TYPE_ANNOTATION = 'io.katacontainers.config.hypervisor.machine_type';

/**
 * A Deployment whose pods each run in their own confidential VM (peer pods), with an identity the KBS can
 * verify: its initdata (KBS endpoint and CA, and an agent policy that admits only its own pinned images)
 * is rendered here, its PCR 8 registered with the KBS together with the resources it needs, and the
 * resources reach its containers only through the CDH inside the TEE.
 */
export class ConfidentialWorkload extends Construct {
  /** The Deployment (escape hatch). */
  public readonly resource: DeploymentV1;
  /** The ClusterIP Service, if requested. */
  public readonly service?: ServiceV1;
  /** The workload's initdata (its identity). */
  public readonly initdata: Initdata;
  /** The kata agent policy inside the initdata. */
  public readonly agentPolicy: AgentPolicy;
  /** The PCR 8 its pod VMs report. */
  public readonly pcr8: string;
  /** The workload's identity name, `<namespace>/<name>`. */
  public readonly workloadName: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The pod VM size. */
  public readonly instanceSize: ConfidentialVmSize;
  /** The KBS resources it receives, with the env var carrying each CDH URL. */
  public readonly kbsResources: ReadonlyArray<{ readonly path: ResourcePath; readonly env: string }>;
  /** In-cluster URL of the Service, if any. */
  public readonly serviceUrl?: string;

  constructor(scope: Construct, id: string, props: ConfidentialWorkloadProps) {
    super(scope, id);
    const p = parseProps(this, 'ConfidentialWorkload', workloadSchema, props);
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'ConfidentialWorkload', field, message);
    };
    this.namespace = typeof p.namespace === 'string' ? p.namespace : p.namespace.namespaceName;
    this.workloadName = `${this.namespace}/${p.name}`;

    const size = p.instanceSize ?? p.runtime.defaultInstanceSize;
    if (!p.runtime.instanceSizes.some((s) => s.name === size.name)) {
      fail('instanceSize', `"${size.name}" is not one of the runtime's sizes [${p.runtime.instanceSizes.join(', ')}]; add it to the pool's instanceSizes or pick one of them`);
    }
    if (!size.isConfidential) Annotations.of(this).addWarning(`${size.name} is not a confidential size: this workload cannot attest and will receive no resource`);
    this.instanceSize = size;
    if (p.runtime instanceof PeerPodsRuntime && TerraformStack.of(p.runtime) !== TerraformStack.of(this)) {
      fail('runtime', `is installed in stack "${TerraformStack.of(p.runtime).node.id}", not in this one; create the workload in that stack or describe the runtime with PeerPodsRuntime.alreadyInstalled`);
    }

    this.kbsResources = p.resources.map((r, i) => {
      const spec = typeof r === 'string' || r instanceof ResourcePath ? { resource: r } : r;
      const path = withConstructPath(this, 'ConfidentialWorkload', `resources[${i}]`, () => (spec.resource instanceof ResourcePath ? spec.resource : ResourcePath.parse(spec.resource)));
      return { path, env: spec.env ?? defaultEnvName(path) };
    });
    const imageResources = Object.values(p.imageSecurity ?? {}).filter((v): v is ResourcePath => v instanceof ResourcePath);

    const images = [...p.initContainers, ...p.containers].map((c) => c.image);
    const policy = p.agentPolicy ?? AgentPolicy.restrictive({ allowedImages: images, allowLogStreaming: p.allowLogStreaming, workload: this.workloadName });
    this.agentPolicy = policy;
    if (policy.isInsecure) Annotations.of(this).addWarning(`agent policy "${policy.preset}" lets the host run other images or exec into this workload's pod VMs: development only`);
    const kbs = p.kbs.kbsEndpoint;
    this.initdata = withConstructPath(this, 'ConfidentialWorkload', 'initdata', () =>
      new Initdata({ aaToml: renderAaToml(kbs), cdhToml: renderCdhToml({ kbs, image: p.imageSecurity }), agentPolicy: policy.rego }),
    );
    this.pcr8 = this.initdata.azureVtpmPcr8;

    p.kbs.registerWorkload({
      name: `${this.node.path} (${this.workloadName})`,
      pcr8: this.pcr8,
      resources: [...this.kbsResources.map((r) => r.path), ...imageResources],
      evidenceTypes: size.evidenceType ? [size.evidenceType] : [],
      ...(p.runtime.image ? { image: p.runtime.image } : {}),
    });

    const labels = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/part-of': 'confidential-ai' };
    const resourceEnv = this.kbsResources.map((r) => ({ name: r.env, value: r.path.cdhUrl }));
    const scratch = [...p.scratchVolumes, { name: 'tmp', mountPath: '/tmp', sizeLimit: '1Gi' }];
    const toContainer = (c: ParsedWorkloadProps['containers'][number]): DeploymentV1SpecTemplateSpecContainer => ({
      name: c.name,
      image: c.image,
      command: c.command,
      args: c.args,
      env: [...resourceEnv, ...Object.entries(c.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }))],
      port: (c.ports ?? []).map((containerPort) => ({ containerPort })),
      resources: { requests: { ...c.resources }, limits: { memory: c.resources.memory } },
      securityContext: {
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: c.readOnlyRootFilesystem,
        runAsNonRoot: true,
        ...(c.runAsUser !== undefined ? { runAsUser: String(c.runAsUser) } : {}),
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMount: scratch.map((v) => ({ name: v.name, mountPath: v.mountPath })),
    });

    const namespaceDeps = typeof p.namespace === 'string' ? [] : [p.namespace.resource];
    this.resource = new DeploymentV1(this, 'Resource', {
      metadata: { name: p.name, namespace: this.namespace, labels },
      spec: {
        replicas: String(p.replicas),
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels,
            annotations: { [INITDATA_ANNOTATION]: this.initdata.annotation, [MACHINE_TYPE_ANNOTATION]: size.name },
          },
          spec: {
            runtimeClassName: p.runtime.runtimeClassName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            initContainer: p.initContainers.map(toContainer),
            container: p.containers.map(toContainer),
            volume: scratch.map((v) => ({ name: v.name, emptyDir: v.sizeLimit ? { sizeLimit: v.sizeLimit } : {} })),
          },
        },
      },
      // Pod VMs take minutes to boot and attest; `kubectl rollout status` follows them.
      waitForRollout: false,
      dependsOn: [...p.runtime.installedBy, ...namespaceDeps],
    });

    if (p.service) {
      const port = p.service.port;
      this.service = new ServiceV1(this, 'Service', {
        metadata: { name: p.name, namespace: this.namespace, labels },
        spec: { type: 'ClusterIP', selector: labels, port: [{ name: 'http', port, targetPort: String(p.service.targetPort ?? port) }] },
        dependsOn: namespaceDeps,
      });
      this.serviceUrl = `http://${p.name}.${this.namespace}.svc.cluster.local:${port}`;
    }
  }
}

/** `KBS_RESOURCE_<REPO>_<TYPE>_<TAG>`, upper case, with every other character as "_". */
export function defaultEnvName(path: ResourcePath): string {
  return `KBS_RESOURCE_${path.segments.join('_')}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}
