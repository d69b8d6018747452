import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { AgentPolicy } from '../attestation/agent-policy';
import { ImageSecuritySettings, renderAaToml, renderCdhToml } from '../attestation/guest-config';
import { Initdata } from '../attestation/initdata';
import { PodSpec } from '../attestation/pod-spec';
import { WorkloadExposure } from '../attestation/workload-exposure';
import { ResourcePath } from '../attestation/resource-path';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Annotations, Construct, TerraformStack } from '../internal/cdktf';
import { ConstructValidationError, fieldOf, parseProps } from '../internal/validation';
import { ConfidentialWorkloadProps, ImagePullSettings } from './confidential-workload-props';
import { ParsedWorkloadProps, parseResourceSpec, transportProblem, workloadSchema } from './confidential-workload-schema';
import { ITlsUpstream } from './workload-tls';
import { renderTls } from './tls-proxies';
import { ResourceSource } from '../attestation/resource-source';
import { IConfidentialWorkload, IKeyBrokerService, CONFIDENTIAL_WORKLOAD } from '../kbs/key-broker';
import { AzureTee } from '../attestation/reference-values';
import { IPodVmImage } from '../azure/pod-vm-image';
import { WorkloadNamespace } from './workload-namespace';
import { PodContainers, RenderedTls, containerFields, exposureOf, modelPod, podContainers } from './workload-pod';
import { renderDeployment, renderService } from './workload-render';

/** The pod annotation that picks the pod VM size. */
export { MACHINE_TYPE_ANNOTATION } from './workload-pod';

/**
 * A Deployment whose pods each run in their own confidential VM (peer pods), with an identity the KBS can
 * verify: its initdata (KBS endpoint and CA, image pull settings, and an agent policy generated from exactly
 * the pod rendered here) is hashed into its PCR 8, which is registered with the KBS together with the
 * resources it needs; the resources reach its containers only through the CDH inside the TEE.
 */
export class ConfidentialWorkload extends Construct implements IConfidentialWorkload, ITlsUpstream {
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
  /** The evidence types its pod VMs produce (none for a non-confidential size). */
  public readonly evidenceTypes: readonly AzureTee[];
  /** The pod VM image its pods boot, when the runtime knows it. */
  public readonly podVmImage?: IPodVmImage;
  /** The KBS resources it receives, with the env var carrying each CDH URL. */
  public readonly kbsResources: ReadonlyArray<{ readonly path: ResourcePath; readonly env: string }>;
  /** The pod as the agent policy pins it. */
  public readonly pod: PodSpec;
  /** In-cluster URL of the Service, if any (`https://` with TLS). */
  public readonly serviceUrl?: string;
  /** Where other workloads reach it over TLS, if it serves TLS. */
  public readonly tlsEndpoint?: ITlsUpstream['tlsEndpoint'];
  /** The ports its pod VMs accept connections on from outside them (only TLS listeners when it serves TLS). */
  public readonly exposure: WorkloadExposure;

  constructor(scope: Construct, id: string, props: ConfidentialWorkloadProps) {
    super(scope, id);
    CONFIDENTIAL_WORKLOAD.implementedBy(this);
    const p = parseProps(this, 'ConfidentialWorkload', workloadSchema, props);
    const namespace = p.namespace ?? WorkloadNamespace.defaultOf(this);
    this.namespace = typeof namespace === 'string' ? namespace : namespace.namespaceName;
    this.workloadName = `${this.namespace}/${p.name}`;
    this.checkNameIsFree();
    const size = this.checkedSize(p);
    this.instanceSize = size;
    this.evidenceTypes = size.evidenceType ? [size.evidenceType] : [];
    if (p.runtime.image) this.podVmImage = p.runtime.image;
    this.checkRuntimeStack(p);

    // What it receives from the KBS: its resources, the image pull settings and, with TLS, its key.
    this.kbsResources = this.resourcesOf(p);
    const imagePull = declareImagePull(this, p.kbs, p.imagePull);
    const tls = this.tlsParts(p);
    this.tlsEndpoint = tls?.endpoint;

    // One description of the pod, from which both the agent policy and the Deployment are rendered.
    const containers = podContainers(p, tls);
    this.pod = modelPod({ namespace: this.namespace, p, size, tls, kbsResources: this.kbsResources, containers });
    const policy =
      p.agentPolicy ??
      AgentPolicy.forPod(this.pod, {
        allowLogStreaming: p.allowLogStreaming,
        workload: this.workloadName,
        field: fieldOf(this, 'ConfidentialWorkload', ''),
        containerFields: containerFields(p, this.pod),
      });
    this.agentPolicy = policy;
    this.exposure = exposureOf(this, p, this.pod, tls);
    this.warnAboutPod(policy, containers);
    const kbs = p.kbs.kbsEndpoint;
    this.initdata = new Initdata({ aaToml: renderAaToml(kbs), cdhToml: renderCdhToml({ kbs, image: imagePull }), agentPolicy: policy.rego });
    this.pcr8 = this.initdata.azureVtpmPcr8;

    if (tls?.filterName !== undefined) this.admitIngressFilter(namespace);
    const namespaceDeps = typeof namespace === 'string' ? [] : [namespace.resource];
    this.resource = renderDeployment(this, { p, namespace: this.namespace, pod: this.pod, containers, initdata: this.initdata, tls, namespaceDeps });
    if (p.service) {
      const { service, url } = renderService(this, p, this.namespace, tls, namespaceDeps);
      this.service = service;
      this.serviceUrl = url;
    }
    // Last: the KBS reads the finished workload (its PCR 8, evidence types, pod-VM image and name) when it grants.
    p.kbs.grantResources(this, ...this.kbsResources.map((r) => r.path), ...Object.values(imagePull), ...(tls ? [tls.keyResource] : []));
  }

  private fail(field: string, message: string): never {
    throw new ConstructValidationError(this.node.path, 'ConfidentialWorkload', field, message);
  }

  /** Two Deployments of one stack cannot share a namespace and name. */
  private checkNameIsFree(): void {
    const twin = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is ConfidentialWorkload => c !== this && c instanceof ConfidentialWorkload && c.workloadName === this.workloadName);
    if (twin) {
      this.fail(
        'name',
        `${this.workloadName} is already the name of ${twin.node.path} in this ` +
          `stack: two Deployments cannot share a namespace and name; rename one of them`,
      );
    }
  }

  /** The pod VM size: one of the runtime's, with a warning when it is not confidential. */
  private checkedSize(p: ParsedWorkloadProps): ConfidentialVmSize {
    const size = p.instanceSize ?? p.runtime.defaultInstanceSize;
    if (!p.runtime.instanceSizes.some((s) => s.name === size.name)) {
      this.fail(
        'instanceSize',
        `"${size.name}" is not one of the runtime's sizes [${p.runtime.instanceSizes.join(', ')}]; ` +
          `add it to the pool's instanceSizes or pick one of them`,
      );
    }
    if (!size.isConfidential)
      Annotations.of(this).addWarning(`${size.name} is not a confidential size: this workload cannot attest and will receive no resource`);
    return size;
  }

  /** The runtime must be in this stack: the Deployment depends on its installation. */
  private checkRuntimeStack(p: ParsedWorkloadProps): void {
    if (TerraformStack.of(p.runtime) !== TerraformStack.of(this)) {
      this.fail(
        'runtime',
        `is in stack "${TerraformStack.of(p.runtime).node.id}", not in this one; create the workload ` +
          `in that stack, or import the runtime into this one with PeerPodsRuntime.fromRuntimeAttributes`,
      );
    }
  }

  /** The KBS resources it receives, each with the env var carrying its CDH URL. */
  private resourcesOf(p: ParsedWorkloadProps): ConfidentialWorkload['kbsResources'] {
    return p.resources.map((r, i) => {
      const path = parseResourceSpec(
        typeof r === 'string' || r instanceof ResourcePath ? r : r.resource,
        fieldOf(this, 'ConfidentialWorkload', `resources[${i}]`),
      ).resource;
      return { path, env: (typeof r === 'object' && !(r instanceof ResourcePath) ? r.env : undefined) ?? defaultEnvName(path) };
    });
  }

  /** The TLS parts of the pod, its key declared on the KBS for this workload alone; a Service without TLS is development only. */
  private tlsParts(p: ParsedWorkloadProps): RenderedTls | undefined {
    const problem = p.service || p.tls ? transportProblem(p, p.name, 'the workload') : undefined;
    if (problem) this.fail(problem.field, problem.message);
    if (p.service && !p.tls) {
      Annotations.of(this).addWarning(
        'plainHttpInsecure: the Service serves plain HTTP on the cluster network; the ' +
          'cluster admin reads its traffic and can answer in its place; development only',
      );
    }
    const tls = p.tls ? renderTls(this.namespace, p, (field, message) => this.fail(field, message)) : undefined;
    if (tls) {
      // The key is this workload's alone: another workload listing it is a synth error.
      p.kbs.declareResource(tls.keyResource, p.tls!.keySource, { exclusiveTo: this });
    }
    return tls;
  }

  /** Warns of what the pod lets through: what its pod VMs expose, an insecure agent policy, images without facts. */
  private warnAboutPod(policy: AgentPolicy, containers: PodContainers): void {
    for (const warning of this.exposure.warnings) Annotations.of(this).addWarning(warning);
    if (policy.isInsecure)
      Annotations.of(this).addWarning(
        `agent policy "${policy.preset}" lets the host run other images or exec into this workload's pod VMs: development only`,
      );
    for (const c of [...containers.initContainers, ...containers.containers].filter((c) => !c.imageFacts)) {
      Annotations.of(this).addWarning(
        `container "${c.name}" has no imageFacts: its agent policy assumes the image sets no ENV but PATH and ` +
          `no WORKDIR, and the pod VM refuses to start it if the image does; pass ImageFacts.fromDirectory(...)`,
      );
    }
  }

  /** NET_ADMIN is admitted by the Pod Security level privileged only; the agent policy is what pins this pod. */
  private admitIngressFilter(namespace: string | WorkloadNamespace): void {
    if (typeof namespace === 'string')
      Annotations.of(this).addWarning(
        `namespace "${namespace}" must admit the ingress filter's NET_ADMIN (label pod-security.kubernetes.io/enforce: privileged), ` +
          'or the pod is refused; a WorkloadNamespace does this itself',
      );
    else namespace.admitIngressFilter();
  }
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
    const spec = parseResourceSpec(value, fieldOf(scope, 'ConfidentialWorkload', `imagePull.${prop}`));
    out[key] = kbs.declareResource(spec.resource, spec.source ?? ResourceSource.outOfBand());
  }
  return out;
}
