import { Release } from '@cdktf/provider-helm/lib/release';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import * as v from 'valibot';
import { AZURE_TEES, AzureTee } from '../attestation/reference-values';
import { IConfidentialVmPool, VM_POOL } from '../azure/confidential-vm-pool';
import { IPodVmImage, POD_VM_IMAGE } from '../azure/pod-vm-image';
import { ConfidentialVmSize, vmSizeSchema } from '../azure/vm-sizes';
import { Construct, Fn, IConstruct, ITerraformDependable, Token } from '../internal/cdktf';
import {
  bool,
  ConstructInterface,
  ConstructValidationError,
  intAtLeast,
  list,
  nonEmpty,
  strictObject,
  oneOf,
  parseProps,
  rawCheck,
  str,
  attributesObject,
} from '../internal/validation';
import { VERSIONS } from '../versions';
import { isK8sName } from '../attestation/k8s-names';

/** The RuntimeClass kata-deploy creates for peer pods. */
export const PEER_PODS_RUNTIME_CLASS = 'kata-remote';

/** The Secret the adaptor reads its Azure identity from; peerpod-ctrl reads this exact name. */
export const PEER_PODS_SECRET_NAME = 'peer-pods-secret';

/** What confidential workloads need of an installed peer-pods runtime: a `PeerPodsRuntime`, or `PeerPodsRuntime.fromRuntimeAttributes`. */
export interface IPeerPodsRuntime extends IConstruct {
  /** The RuntimeClass pods must name (`kata-remote`). */
  readonly runtimeClassName: string;
  /** The runtime namespace. */
  readonly namespace: string;
  /** Sizes pods may ask for. */
  readonly instanceSizes: readonly ConfidentialVmSize[];
  /** Size of pods that ask for none. */
  readonly defaultInstanceSize: ConfidentialVmSize;
  /** Evidence types pod VMs produce. */
  readonly evidenceTypes: readonly AzureTee[];
  /** Resources a workload must be created after (the Helm release), empty when installed elsewhere. */
  readonly installedBy: readonly ITerraformDependable[];
  /** The pod VM image pods boot, when known (the KBS must trust its measurements). */
  readonly image?: IPodVmImage;
}

/** The mark of an `IPeerPodsRuntime`: implementing constructs set it, and props that take one check it. */
export const PEER_PODS_RUNTIME = new ConstructInterface<IPeerPodsRuntime>(
  'IPeerPodsRuntime',
  'a PeerPodsRuntime or PeerPodsRuntime.fromRuntimeAttributes(...)',
);

/** The attributes of a runtime installed elsewhere (`PeerPodsRuntime.fromRuntimeAttributes` takes them). */
export interface PeerPodsRuntimeAttributes {
  /** The RuntimeClass pods must name. @default 'kata-remote' */
  readonly runtimeClassName?: string;
  /** The runtime namespace. */
  readonly namespace: string;
  /** Sizes pods may ask for (the pool's). */
  readonly instanceSizes: readonly ConfidentialVmSize[];
  /** Size of pods that ask for none; one of `instanceSizes`. */
  readonly defaultInstanceSize: ConfidentialVmSize;
  /** Evidence types pod VMs produce. */
  readonly evidenceTypes: readonly AzureTee[];
  /** The pod VM image pods boot (the KBS must trust its measurements). @default - not checked */
  readonly image?: IPodVmImage;
}

/** cert-manager installation choices. */
export interface CertManagerOptions {
  /**
   * Install cert-manager (with its CRDs) as part of the runtime. Set false when the cluster has it already.
   * @default true
   */
  readonly install?: boolean;
  /**
   * Chart version.
   * @default VERSIONS.certManagerChart.version
   */
  readonly version?: string;
}

/** Props of PeerPodsRuntime. */
export interface PeerPodsRuntimeProps {
  /** The pool: its identity, provider configuration, sizes and runtime namespace. */
  readonly pool: IConfidentialVmPool;
  /** cert-manager (required by the peerpods webhook). @default - installed, pinned */
  readonly certManager?: CertManagerOptions;
  /**
   * Seconds Helm waits for the release; kata-deploy reconfigures containerd on every node first.
   * @default 900
   */
  readonly timeoutSeconds?: number;
  /**
   * The cloud-api-adaptor image; pinned to the chart's release.
   * @default VERSIONS.cloudApiAdaptorImage
   */
  readonly adaptorImage?: { readonly name: string; readonly tag: string };
}

/** The schema of PeerPodsRuntimeProps (internal: not in the main entry). */
export const schema = strictObject({
  pool: VM_POOL.schema(),
  certManager: v.optional(
    strictObject({
      install: v.optional(bool(), true),
      version: v.optional(
        v.pipe(str(), v.regex(/^v\d+\.\d+\.\d+$/, 'must pin an exact release such as "v1.19.1"')),
        VERSIONS.certManagerChart.version,
      ),
    }),
    { install: true, version: VERSIONS.certManagerChart.version },
  ),
  timeoutSeconds: v.optional(intAtLeast(300, 'must leave kata-deploy at least 300 s to reconfigure containerd (a whole number of seconds)'), 900),
  adaptorImage: v.optional(
    strictObject({
      name: v.pipe(str(), nonEmpty()),
      tag: v.pipe(
        str(),
        v.check((t) => t !== 'latest' && t.length > 0, 'must pin a release (a commit tag or digest), never "latest"'),
      ),
    }),
    { ...VERSIONS.cloudApiAdaptorImage },
  ),
});

// The chart writes providerConfigs into a ConfigMap as `KEY: "value"` without escaping.
const SAFE_CONFIG_VALUE = /^[^"\\\n\r]*$/;

/**
 * The peer-pods runtime: cert-manager, the runtime namespace, the `peer-pods-secret` with the pool identity's
 * client and tenant ids (no client secret: workload identity), and the pinned `peerpods` chart (kata-deploy,
 * cloud-api-adaptor DaemonSet, peerpod-ctrl, webhook) wired to the pool's identity and configuration.
 */
export class PeerPodsRuntime extends Construct implements IPeerPodsRuntime {
  /** Imports a runtime installed and managed elsewhere (e.g. by a platform team) by its attributes. */
  public static fromRuntimeAttributes(scope: Construct, id: string, attrs: PeerPodsRuntimeAttributes): IPeerPodsRuntime {
    return new InstalledPeerPodsRuntime(scope, id, attrs);
  }

  /** @deprecated use `fromRuntimeAttributes` (the same import; this name goes in the next release). */
  public static alreadyInstalled(scope: Construct, id: string, attrs: PeerPodsRuntimeAttributes): IPeerPodsRuntime {
    return PeerPodsRuntime.fromRuntimeAttributes(scope, id, attrs);
  }

  /** The peerpods Helm release (escape hatch). */
  public readonly resource: Release;
  /** The cert-manager release, when installed here. */
  public readonly certManagerRelease?: Release;
  /** The runtime namespace. */
  public readonly namespaceResource: NamespaceV1;
  /** @inheritdoc */
  public readonly runtimeClassName = PEER_PODS_RUNTIME_CLASS;
  /** @inheritdoc */
  public readonly namespace: string;
  /** @inheritdoc */
  public readonly instanceSizes: readonly ConfidentialVmSize[];
  /** @inheritdoc */
  public readonly defaultInstanceSize: ConfidentialVmSize;
  /** @inheritdoc */
  public readonly evidenceTypes: readonly AzureTee[];
  /** @inheritdoc */
  public readonly installedBy: readonly ITerraformDependable[];
  /** @inheritdoc */
  public readonly image: IPodVmImage;
  /** The chart values, as an object (before Terraform resolves the identity ids). */
  public readonly chartValues: Readonly<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: PeerPodsRuntimeProps) {
    super(scope, id);
    PEER_PODS_RUNTIME.implementedBy(this);
    const p = parseProps(this, 'PeerPodsRuntime', schema, props);
    const pool = p.pool;
    this.checkProviderConfig(pool);
    // One source of truth: the namespace is the one the pool's federated credentials trust.
    this.namespace = pool.runtimeNamespace;

    if (p.certManager.install) {
      this.certManagerRelease = new Release(this, 'CertManager', {
        name: 'cert-manager',
        repository: VERSIONS.certManagerChart.repository,
        chart: VERSIONS.certManagerChart.name,
        version: p.certManager.version,
        namespace: 'cert-manager',
        createNamespace: true,
        atomic: true,
        wait: true,
        set: [{ name: 'crds.enabled', value: 'true' }],
      });
    }

    this.namespaceResource = new NamespaceV1(this, 'Namespace', {
      metadata: {
        name: this.namespace,
        // The adaptor DaemonSet runs privileged on the host network to manage pod sandboxes.
        labels: { 'pod-security.kubernetes.io/enforce': 'privileged' },
      },
    });

    const secret = new SecretV1(this, 'PeerPodsSecret', {
      metadata: { name: PEER_PODS_SECRET_NAME, namespace: this.namespaceResource.metadata.name },
      type: 'Opaque',
      // Client and tenant ids only: with no AZURE_CLIENT_SECRET the adaptor uses workload identity.
      data: { AZURE_CLIENT_ID: pool.poolIdentityClientId, AZURE_TENANT_ID: pool.poolIdentityTenantId },
    });

    const values = peerpodsChartValues(p.adaptorImage, pool);
    this.chartValues = values;

    this.resource = new Release(this, 'Resource', {
      name: 'peerpods',
      repository: VERSIONS.peerpodsChart.repository,
      chart: VERSIONS.peerpodsChart.name,
      version: VERSIONS.peerpodsChart.version,
      namespace: this.namespaceResource.metadata.name,
      // Terraform encodes the values (and the identity ids it only knows at apply) as YAML.
      values: [Fn.yamlencode(values)],
      timeout: p.timeoutSeconds,
      wait: true,
      atomic: true,
      cleanupOnFail: true,
      dependsOn: [secret, ...(this.certManagerRelease ? [this.certManagerRelease] : [])],
    });

    this.instanceSizes = pool.instanceSizes;
    this.defaultInstanceSize = pool.defaultInstanceSize;
    this.evidenceTypes = pool.evidenceTypes;
    this.installedBy = [this.resource];
    this.image = pool.image;
  }

  /** The chart writes the provider configuration unescaped into peer-pods-cm: no value may hold a quote, backslash or newline. */
  private checkProviderConfig(pool: IConfidentialVmPool): void {
    for (const [key, value] of Object.entries(pool.providerConfig)) {
      if (!Token.isUnresolved(value) && !SAFE_CONFIG_VALUE.test(value)) {
        throw new ConstructValidationError(
          this.node.path,
          'PeerPodsRuntime',
          `pool.providerConfig.${key}`,
          `${JSON.stringify(value)} contains a quote, backslash or newline, which the chart writes unescaped into peer-pods-cm`,
        );
      }
    }
  }
}

/** The peerpods chart values: the pool's provider configuration, and workload identity for the adaptor and peerpod-ctrl. */
function peerpodsChartValues(adaptorImage: { name: string; tag: string }, pool: IConfidentialVmPool) {
  const identityLabels = { 'azure.workload.identity/use': 'true' };
  const identityAnnotations = { 'azure.workload.identity/client-id': pool.poolIdentityClientId };
  return {
    provider: 'azure',
    image: { name: adaptorImage.name, tag: adaptorImage.tag },
    providerConfigs: { azure: { ...pool.providerConfig } },
    secrets: { mode: 'reference', existingSecretName: PEER_PODS_SECRET_NAME },
    daemonset: { podLabels: identityLabels, serviceAccount: { annotations: identityAnnotations } },
    resourceCtrl: { enabled: true, podLabels: identityLabels, serviceAccount: { annotations: identityAnnotations } },
    webhook: { enabled: true },
    'kata-deploy': { enabled: true },
  };
}

const size = vmSizeSchema;
/** The schema of PeerPodsRuntimeAttributes (internal: not in the main entry). */
export const importSchema = v.pipe(
  attributesObject({
    runtimeClassName: v.optional(
      v.pipe(
        str(),
        v.check((s) => isK8sName(s), 'must be the RuntimeClass name (a Kubernetes name)'),
      ),
      PEER_PODS_RUNTIME_CLASS,
    ),
    namespace: v.pipe(
      str(),
      v.check((s) => isK8sName(s), 'must be the runtime namespace (a Kubernetes name)'),
    ),
    instanceSizes: v.pipe(list(size), v.minLength(1, 'must give the sizes the pool offers')),
    defaultInstanceSize: size,
    evidenceTypes: list(oneOf(AZURE_TEES)),
    image: v.optional(POD_VM_IMAGE.schema()),
  }),
  rawCheck((a, report) => {
    if (!a.instanceSizes.some((s) => s.name === a.defaultInstanceSize.name)) {
      report(['defaultInstanceSize'], `"${a.defaultInstanceSize.name}" is not one of instanceSizes; add it or pick one of them`);
    }
  }),
);

/** A runtime installed elsewhere (`PeerPodsRuntime.fromRuntimeAttributes`): nothing to wait for. */
class InstalledPeerPodsRuntime extends Construct implements IPeerPodsRuntime {
  public readonly runtimeClassName: string;
  public readonly namespace: string;
  public readonly instanceSizes: readonly ConfidentialVmSize[];
  public readonly defaultInstanceSize: ConfidentialVmSize;
  public readonly evidenceTypes: readonly AzureTee[];
  public readonly installedBy: readonly ITerraformDependable[] = [];
  public readonly image?: IPodVmImage;

  constructor(scope: Construct, id: string, attrs: PeerPodsRuntimeAttributes) {
    super(scope, id);
    const p = parseProps(this, 'PeerPodsRuntime', importSchema, attrs);
    this.runtimeClassName = p.runtimeClassName;
    this.namespace = p.namespace;
    this.instanceSizes = p.instanceSizes;
    this.defaultInstanceSize = p.defaultInstanceSize;
    this.evidenceTypes = p.evidenceTypes;
    this.image = p.image;
    PEER_PODS_RUNTIME.implementedBy(this);
  }
}
