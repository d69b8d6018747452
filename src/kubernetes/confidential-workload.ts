import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { AgentPolicy } from '../attestation/agent-policy';
import { ImageSecuritySettings, renderAaToml, renderCdhToml } from '../attestation/guest-config';
import { INITDATA_ANNOTATION, Initdata } from '../attestation/initdata';
import { PodContainer, PodSpec } from '../attestation/pod-spec';
import { ResourcePath } from '../attestation/resource-path';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Annotations, Construct, TerraformStack } from '../internal/cdktf';
import { ConstructValidationError, parseProps, withConstructPath } from '../internal/validation';
import { ConfidentialWorkloadProps, ImagePullSettings, KbsResourceSpec, ParsedWorkloadProps, workloadSchema } from './confidential-workload-props';
import { ResourceSource } from '../attestation/resource-source';
import { IKeyBrokerService } from '../kbs/key-broker';
import { PeerPodsRuntime } from './peer-pods-runtime';
import { Probe } from './probe';
import { WorkloadNamespace } from './workload-namespace';

/** The pod annotation that picks the pod VM size. */
export const MACHINE_TYPE_ANNOTATION = 'io.katacontainers.config.hypervisor.machine_type';

/**
 * A Deployment whose pods each run in their own confidential VM (peer pods), with an identity the KBS can
 * verify: its initdata (KBS endpoint and CA, image pull settings, and an agent policy generated from exactly
 * the pod rendered here) is hashed into its PCR 8, which is registered with the KBS together with the
 * resources it needs; the resources reach its containers only through the CDH inside the TEE.
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
  /** The name it is registered under with the KBS, `<construct path> (<namespace>/<name>)`. */
  public readonly registeredName: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The pod VM size. */
  public readonly instanceSize: ConfidentialVmSize;
  /** The KBS resources it receives, with the env var carrying each CDH URL. */
  public readonly kbsResources: ReadonlyArray<{ readonly path: ResourcePath; readonly env: string }>;
  /** The pod as the agent policy pins it. */
  public readonly pod: PodSpec;
  /** In-cluster URL of the Service, if any. */
  public readonly serviceUrl?: string;

  constructor(scope: Construct, id: string, props: ConfidentialWorkloadProps) {
    super(scope, id);
    const p = parseProps(this, 'ConfidentialWorkload', workloadSchema, props);
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'ConfidentialWorkload', field, message);
    };
    const namespace = p.namespace ?? WorkloadNamespace.defaultOf(this);
    this.namespace = typeof namespace === 'string' ? namespace : namespace.namespaceName;
    this.workloadName = `${this.namespace}/${p.name}`;
    this.registeredName = `${this.node.path} (${this.workloadName})`;
    const twin = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is ConfidentialWorkload => c !== this && c instanceof ConfidentialWorkload && c.workloadName === this.workloadName);
    if (twin) {
      fail('name', `${this.workloadName} is already the name of ${twin.node.path} in this stack: two Deployments cannot share a namespace and name; rename one of them`);
    }

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
    const imagePull = declareImagePull(this, p.kbs, p.imagePull);

    // One description of the pod, from which both the agent policy and the Deployment are rendered.
    const resourceEnv = this.kbsResources.map((r) => ({ name: r.env, value: r.path.cdhUrl }));
    const scratch = [...p.scratchVolumes, { name: 'tmp', mountPath: '/tmp', sizeLimit: '1Gi' }];
    const toPod = (c: ParsedWorkloadProps['containers'][number]): PodContainer => ({
      name: c.name,
      image: c.image,
      ...(c.imageFacts ? { imageFacts: c.imageFacts } : {}),
      ...(c.command ? { command: c.command } : {}),
      ...(c.args ? { args: c.args } : {}),
      ...(c.workingDir ? { workingDir: c.workingDir } : {}),
      env: [...resourceEnv, ...Object.entries(c.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }))],
      volumeMounts: scratch.map((v) => ({ volume: v.name, mountPath: v.mountPath })),
      readOnlyRootFilesystem: c.readOnlyRootFilesystem,
      ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
      ...(c.runAsGroup !== undefined ? { runAsGroup: c.runAsGroup } : {}),
    });
    this.pod = {
      namespace: this.namespace,
      name: p.name,
      annotations: { [MACHINE_TYPE_ANNOTATION]: size.name },
      initContainers: p.initContainers.map(toPod),
      containers: p.containers.map(toPod),
    };
    const policy = p.agentPolicy ?? withConstructPath(this, 'ConfidentialWorkload', '', () => AgentPolicy.forPod(this.pod, { allowLogStreaming: p.allowLogStreaming, workload: this.workloadName }));
    this.agentPolicy = policy;
    if (policy.isInsecure) Annotations.of(this).addWarning(`agent policy "${policy.preset}" lets the host run other images or exec into this workload's pod VMs: development only`);
    for (const c of [...p.initContainers, ...p.containers].filter((c) => !c.imageFacts)) {
      Annotations.of(this).addWarning(
        `container "${c.name}" has no imageFacts: its agent policy assumes the image sets no ENV but PATH and no WORKDIR, and the pod VM refuses to start it if the image does; pass ImageFacts.fromDirectory(...)`,
      );
    }
    const kbs = p.kbs.kbsEndpoint;
    this.initdata = withConstructPath(this, 'ConfidentialWorkload', 'initdata', () =>
      new Initdata({ aaToml: renderAaToml(kbs), cdhToml: renderCdhToml({ kbs, image: imagePull }), agentPolicy: policy.rego }),
    );
    this.pcr8 = this.initdata.azureVtpmPcr8;

    p.kbs.registerWorkload({
      name: this.registeredName,
      pcr8: this.pcr8,
      resources: [...this.kbsResources.map((r) => r.path), ...Object.values(imagePull)],
      evidenceTypes: size.evidenceType ? [size.evidenceType] : [],
      runs: policy.data.containers,
      ...(p.runtime.image ? { image: p.runtime.image } : {}),
    });

    const labels = { 'app.kubernetes.io/name': p.name, 'app.kubernetes.io/part-of': 'confidential-ai' };
    const toContainer = (c: ParsedWorkloadProps['containers'][number], pod: PodContainer, init: boolean): DeploymentV1SpecTemplateSpecContainer => ({
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
        runAsNonRoot: true,
        ...(c.runAsUser !== undefined ? { runAsUser: String(c.runAsUser) } : {}),
        ...(c.runAsGroup !== undefined ? { runAsGroup: String(c.runAsGroup) } : {}),
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMount: pod.volumeMounts.map((v) => ({ name: v.volume, mountPath: v.mountPath })),
      ...(init ? {} : probesOf(this, c)),
    });

    const namespaceDeps = typeof namespace === 'string' ? [] : [namespace.resource];
    this.resource = new DeploymentV1(this, 'Resource', {
      metadata: { name: p.name, namespace: this.namespace, labels },
      spec: {
        replicas: String(p.replicas),
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels,
            annotations: { [INITDATA_ANNOTATION]: this.initdata.annotation, ...this.pod.annotations },
          },
          spec: {
            runtimeClassName: p.runtime.runtimeClassName,
            // The agent policy admits exactly these: no service account token, no service links.
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            initContainer: p.initContainers.map((c, i) => toContainer(c, this.pod.initContainers[i], true)),
            container: p.containers.map((c, i) => toContainer(c, this.pod.containers[i], false)),
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

/** The container's probes: those given, and by default a TCP readiness probe of its first port. */
function probesOf(scope: Construct, c: ParsedWorkloadProps['containers'][number]): Pick<DeploymentV1SpecTemplateSpecContainer, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const ports = c.ports ?? [];
  const readiness = c.readinessProbe ?? (ports.length > 0 ? Probe.fromTcpSocket() : undefined);
  const out: { -readonly [K in 'readinessProbe' | 'livenessProbe' | 'startupProbe']?: ReturnType<Probe['render']> } = {};
  for (const [key, probe] of [['readinessProbe', readiness], ['livenessProbe', c.livenessProbe], ['startupProbe', c.startupProbe]] as const) {
    if (probe) out[key] = withConstructPath(scope, 'ConfidentialWorkload', `containers.${c.name}.${key}`, () => probe.render(ports));
  }
  return out;
}

/** `KBS_RESOURCE_<REPO>_<TYPE>_<TAG>`, upper case, with every other character as "_". */
export function defaultEnvName(path: ResourcePath): string {
  return `KBS_RESOURCE_${path.segments.join('_')}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** Declares the image pull resources on the KBS (each from its source) and returns them as cdh.toml settings. */
function declareImagePull(scope: Construct, kbs: IKeyBrokerService, settings: ImagePullSettings | undefined): ImageSecuritySettings {
  const out: { -readonly [K in keyof ImageSecuritySettings]: ResourcePath } = {};
  const keys = { registryCredentials: 'registryCredentials', signaturePolicy: 'imageSecurityPolicy', sigstoreConfig: 'sigstoreConfig' } as const;
  for (const [prop, key] of Object.entries(keys) as Array<[keyof ImagePullSettings, keyof ImageSecuritySettings]>) {
    const value = settings?.[prop];
    if (value === undefined) continue;
    const spec: KbsResourceSpec = typeof value === 'string' || value instanceof ResourcePath ? { resource: value } : value;
    out[key] = withConstructPath(scope, 'ConfidentialWorkload', `imagePull.${prop}`, () => kbs.declareResource(spec.resource, spec.source ?? ResourceSource.outOfBand()));
  }
  return out;
}
