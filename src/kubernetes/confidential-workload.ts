import { DeploymentV1, DeploymentV1SpecTemplateSpecContainer } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { AgentPolicy } from '../attestation/agent-policy';
import { ImageSecuritySettings, renderAaToml, renderCdhToml } from '../attestation/guest-config';
import { INITDATA_ANNOTATION, Initdata } from '../attestation/initdata';
import { PodContainer, PodSpec, containerProcess } from '../attestation/pod-spec';
import { WorkloadExposure, workloadExposure } from '../attestation/workload-exposure';
import { ResourcePath } from '../attestation/resource-path';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Annotations, Construct, TerraformStack } from '../internal/cdktf';
import { ConstructValidationError, fieldOf, parseProps } from '../internal/validation';
import { ConfidentialWorkloadProps, ImagePullSettings } from './confidential-workload-props';
import { ParsedWorkloadProps, parseResourceSpec, workloadSchema } from './confidential-workload-schema';
import { ITlsUpstream } from './workload-tls';
import { TLS_VOLUME, renderTls } from './tls-proxies';
import { ResourceSource } from '../attestation/resource-source';
import { IConfidentialWorkload, IKeyBrokerService, CONFIDENTIAL_WORKLOAD } from '../kbs/key-broker';
import { AzureTee } from '../attestation/reference-values';
import { IPodVmImage } from '../azure/pod-vm-image';
import { Probe, RenderedProbe } from './probe';
import { WorkloadNamespace } from './workload-namespace';

/** The pod annotation that picks the pod VM size. */
export const MACHINE_TYPE_ANNOTATION = 'io.katacontainers.config.hypervisor.machine_type';

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
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'ConfidentialWorkload', field, message);
    };
    const namespace = p.namespace ?? WorkloadNamespace.defaultOf(this);
    this.namespace = typeof namespace === 'string' ? namespace : namespace.namespaceName;
    this.workloadName = `${this.namespace}/${p.name}`;
    const twin = TerraformStack.of(this)
      .node.findAll()
      .find((c): c is ConfidentialWorkload => c !== this && c instanceof ConfidentialWorkload && c.workloadName === this.workloadName);
    if (twin) {
      fail(
        'name',
        `${this.workloadName} is already the name of ${twin.node.path} in this ` +
          `stack: two Deployments cannot share a namespace and name; rename one of them`,
      );
    }

    const size = p.instanceSize ?? p.runtime.defaultInstanceSize;
    if (!p.runtime.instanceSizes.some((s) => s.name === size.name)) {
      fail(
        'instanceSize',
        `"${size.name}" is not one of the runtime's sizes [${p.runtime.instanceSizes.join(', ')}]; ` +
          `add it to the pool's instanceSizes or pick one of them`,
      );
    }
    if (!size.isConfidential)
      Annotations.of(this).addWarning(`${size.name} is not a confidential size: this workload cannot attest and will receive no resource`);
    this.instanceSize = size;
    this.evidenceTypes = size.evidenceType ? [size.evidenceType] : [];
    if (p.runtime.image) this.podVmImage = p.runtime.image;
    if (TerraformStack.of(p.runtime) !== TerraformStack.of(this)) {
      fail(
        'runtime',
        `is in stack "${TerraformStack.of(p.runtime).node.id}", not in this one; create the workload ` +
          `in that stack, or import the runtime into this one with PeerPodsRuntime.alreadyInstalled`,
      );
    }

    this.kbsResources = p.resources.map((r, i) => {
      const path = parseResourceSpec(
        typeof r === 'string' || r instanceof ResourcePath ? r : r.resource,
        fieldOf(this, 'ConfidentialWorkload', `resources[${i}]`),
      ).resource;
      return { path, env: (typeof r === 'object' && !(r instanceof ResourcePath) ? r.env : undefined) ?? defaultEnvName(path) };
    });
    const imagePull = declareImagePull(this, p.kbs, p.imagePull);

    if (p.service && !p.tls) {
      if (!p.plainHttpInsecure) {
        fail(
          'tls',
          `is required with a Service: without it, traffic to the workload crosses the cluster network in clear text. Pass tls: { ` +
            `identity: workloadTls.identity('${p.name}') } (cai-create-workload-certs issues it), or plainHttpInsecure for development`,
        );
      }
      Annotations.of(this).addWarning(
        'plainHttpInsecure: the Service serves plain HTTP on the cluster network; the ' +
          'cluster admin reads its traffic and can answer in its place; development only',
      );
    }
    const tls = p.tls ? renderTls(this.namespace, p, fail) : undefined;
    if (tls) {
      // The key is this workload's alone: another workload listing it is a synth error.
      p.kbs.declareResource(tls.keyResource, p.tls!.keySource, { exclusiveTo: this });
    }
    const initContainers = [...(tls?.init ?? []), ...p.initContainers];
    const containers = [...p.containers, ...(tls?.sidecars ?? [])];
    this.tlsEndpoint = tls?.endpoint;

    // One description of the pod, from which both the agent policy and the Deployment are rendered.
    const resourceEnv = this.kbsResources.map((r) => ({ name: r.env, value: r.path.cdhUrl }));
    const tmp = { name: 'tmp', mountPath: '/tmp', sizeLimit: '1Gi' };
    const scratch = [...p.scratchVolumes, tmp];
    const volumes = [...scratch, ...(tls ? [TLS_VOLUME] : [])];
    // The proxies see the TLS volume and /tmp; the application containers never see the key.
    // The ingress filter mounts nothing; the proxies see the TLS volume and /tmp; the applications never see the key.
    const filter = tls?.filterName;
    const mountsOf = (name: string) => (name === filter ? [] : tls?.proxyNames.has(name) ? [TLS_VOLUME, tmp] : scratch);
    const toPod = (c: ParsedWorkloadProps['containers'][number]): PodContainer => ({
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
      volumeMounts: mountsOf(c.name).map((v) => ({ volume: v.name, mountPath: v.mountPath })),
      readOnlyRootFilesystem: c.readOnlyRootFilesystem,
      ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
      ...(c.runAsGroup !== undefined ? { runAsGroup: c.runAsGroup } : {}),
      ...(c.name === filter ? { role: 'ingress-filter' as const } : {}),
    });
    this.pod = {
      namespace: this.namespace,
      name: p.name,
      annotations: { [MACHINE_TYPE_ANNOTATION]: size.name },
      initContainers: initContainers.map(toPod),
      containers: containers.map(toPod),
    };
    const policy =
      p.agentPolicy ??
      AgentPolicy.forPod(this.pod, {
        allowLogStreaming: p.allowLogStreaming,
        workload: this.workloadName,
        field: fieldOf(this, 'ConfidentialWorkload', ''),
      });
    this.agentPolicy = policy;
    this.exposure = exposureOf(this, p, this.pod, tls);
    for (const warning of this.exposure.warnings) Annotations.of(this).addWarning(warning);
    if (policy.isInsecure)
      Annotations.of(this).addWarning(
        `agent policy "${policy.preset}" lets the host run other images or exec into this workload's pod VMs: development only`,
      );
    for (const c of [...initContainers, ...containers].filter((c) => !c.imageFacts)) {
      Annotations.of(this).addWarning(
        `container "${c.name}" has no imageFacts: its agent policy assumes the image sets no ENV but PATH and ` +
          `no WORKDIR, and the pod VM refuses to start it if the image does; pass ImageFacts.fromDirectory(...)`,
      );
    }
    const kbs = p.kbs.kbsEndpoint;
    this.initdata = new Initdata({ aaToml: renderAaToml(kbs), cdhToml: renderCdhToml({ kbs, image: imagePull }), agentPolicy: policy.rego });
    this.pcr8 = this.initdata.azureVtpmPcr8;

    p.kbs.grantResources(this, ...this.kbsResources.map((r) => r.path), ...Object.values(imagePull), ...(tls ? [tls.keyResource] : []));

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
        // Only the ingress filter runs as root, with NET_ADMIN alone, which its agent policy pins.
        runAsNonRoot: c.name !== filter,
        ...(c.runAsUser !== undefined ? { runAsUser: String(c.runAsUser) } : {}),
        ...(c.runAsGroup !== undefined ? { runAsGroup: String(c.runAsGroup) } : {}),
        capabilities: { drop: ['ALL'], ...(c.name === filter ? { add: ['NET_ADMIN'] } : {}) },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      volumeMount: pod.volumeMounts.map((v) => ({ name: v.volume, mountPath: v.mountPath })),
      ...(init ? {} : probesOf(this, c, tls?.statusPort)),
    });

    const namespaceDeps = typeof namespace === 'string' ? [] : [namespace.resource];
    if (filter !== undefined) {
      // NET_ADMIN is admitted by the Pod Security level privileged only; the agent policy is what pins this pod.
      if (typeof namespace === 'string')
        Annotations.of(this).addWarning(
          `namespace "${namespace}" must admit the ingress filter's NET_ADMIN (label pod-security.kubernetes.io/enforce: privileged), ` +
            'or the pod is refused; a WorkloadNamespace does this itself',
        );
      else namespace.admitIngressFilter();
    }
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
            initContainer: initContainers.map((c, i) => toContainer(c, this.pod.initContainers[i], true)),
            container: containers.map((c, i) => toContainer(c, this.pod.containers[i], false)),
            volume: volumes.map((v) => ({ name: v.name, emptyDir: v.sizeLimit ? { sizeLimit: v.sizeLimit } : {} })),
          },
        },
      },
      // Pod VMs take minutes to boot and attest; `kubectl rollout status` follows them.
      waitForRollout: false,
      dependsOn: [...p.runtime.installedBy, ...namespaceDeps],
    });

    if (p.service) {
      const port = tls ? tls.endpoint.port : p.service.port;
      this.service = new ServiceV1(this, 'Service', {
        metadata: { name: p.name, namespace: this.namespace, labels },
        spec: {
          type: 'ClusterIP',
          selector: labels,
          // With TLS only the proxy's port is exposed; the application's port stays inside the pod VM.
          port: tls
            ? [
                { name: 'https', port, targetPort: String(port) },
                ...(tls.usersPort !== undefined ? [{ name: 'https-users', port: tls.usersPort, targetPort: String(tls.usersPort) }] : []),
              ]
            : [{ name: 'http', port, targetPort: String(p.service.targetPort ?? port) }],
        },
        dependsOn: namespaceDeps,
      });
      this.serviceUrl = `${tls ? 'https' : 'http'}://${p.name}.${this.namespace}.svc.cluster.local:${port}`;
    }
  }
}

type ParsedContainer = ParsedWorkloadProps['containers'][number];
type ProbeKey = 'readinessProbe' | 'livenessProbe' | 'startupProbe';

/** The container's probes: those given, and by default a TCP readiness probe of its first port. */
function probeList(c: ParsedContainer): Array<[ProbeKey, Probe]> {
  const readiness = c.readinessProbe ?? ((c.ports ?? []).length > 0 ? Probe.fromTcpSocket() : undefined);
  const all: Array<[ProbeKey, Probe | undefined]> = [
    ['readinessProbe', readiness],
    ['livenessProbe', c.livenessProbe],
    ['startupProbe', c.startupProbe],
  ];
  return all.filter((e): e is [ProbeKey, Probe] => e[1] !== undefined);
}

/** The container's probes, rendered. */
function probesOf(scope: Construct, c: ParsedContainer, tlsStatusPort: number | undefined): Partial<Record<ProbeKey, RenderedProbe>> {
  const target = { ports: c.ports ?? [], ...(tlsStatusPort !== undefined ? { tlsStatusPort } : {}) };
  return Object.fromEntries(
    probeList(c).map(([key, probe]) => [key, probe.render(target, fieldOf(scope, 'ConfidentialWorkload', `containers.${c.name}.${key}`))]),
  );
}

/** What the workload's pod VMs expose, checked by the pure core's rules (only TLS listeners when it serves TLS). */
function exposureOf(scope: Construct, p: ParsedWorkloadProps, pod: PodSpec, tls: ReturnType<typeof renderTls> | undefined): WorkloadExposure {
  const at = (field: string) => fieldOf(scope, 'ConfidentialWorkload', field);
  const parsed = new Map<string, ParsedContainer>([...p.initContainers, ...p.containers].map((c) => [c.name, c]));
  const containers = [...pod.initContainers.map((c) => ({ c, init: true })), ...pod.containers.map((c) => ({ c, init: false }))].map(
    ({ c, init }) => {
      const process = containerProcess(c, at(`${init ? 'initContainers' : 'containers'}.${c.name}`));
      return {
        name: c.name,
        field: at(`${init ? 'initContainers' : 'containers'}.${c.name}`),
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
      const field = at(`containers.${c.name}.${key}`);
      return { container: c.name, field, ...probe.target({ ports: c.ports ?? [], ...target }, field) };
    }),
  );
  const service = p.service ? { targetPort: tls ? tls.endpoint.port : (p.service.targetPort ?? p.service.port), field: at('service') } : undefined;
  return workloadExposure({
    tls: tls !== undefined && p.service !== undefined,
    listeners: tls?.listeners ?? [],
    containers,
    probes,
    ...(service ? { service } : {}),
    ingressFilter: tls?.filterName !== undefined,
  });
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
