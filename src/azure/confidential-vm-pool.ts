import { isK8sName } from '../attestation/k8s-names';
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import * as v from 'valibot';
import { AzureTee } from '../attestation/reference-values';
import { Annotations, Construct, IConstruct } from '../internal/cdktf';
import {
  bool,
  ConstructInterface,
  ConstructValidationError,
  int,
  list,
  literalString,
  strictObject,
  parseProps,
  stringMap,
} from '../internal/validation';
import { IConfidentialAksCluster, AKS_CLUSTER } from './confidential-aks-cluster';
import { IPeerPodNetwork, PEER_POD_NETWORK } from './peer-pod-network';
import { IPodVmImage, POD_VM_IMAGE } from './pod-vm-image';
import { ConfidentialVmSize, vmSizeSchema } from './vm-sizes';
import { azureLocation, resourceGroupName } from './azure-names';
import { warnOfRegionOffers } from './region-offer-warnings';
import { grantPoolRoles } from './vm-pool-roles';

/** The namespace the peer-pods Helm release is installed in upstream. */
export const DEFAULT_RUNTIME_NAMESPACE = 'confidential-containers-system';

/** The Kubernetes service accounts of the peer-pods chart that act on Azure with the pool identity. */
export const PEER_PODS_SERVICE_ACCOUNTS = ['cloud-api-adaptor', 'peerpodctrl-controller-manager'] as const;

/** The audience Azure AD expects in federated workload identity tokens. */
export const WORKLOAD_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';

/** What the in-cluster runtime and the workloads need of a pool. */
export interface IConfidentialVmPool extends IConstruct {
  /** The adaptor's provider configuration (`providerConfigs.azure` of the peerpods chart), every value a string. */
  readonly providerConfig: Readonly<Record<string, string>>;
  /** Client id of the identity the adaptor and peerpod-ctrl use. */
  readonly poolIdentityClientId: string;
  /** Tenant id of that identity. */
  readonly poolIdentityTenantId: string;
  /** The namespace the identity's federated credentials trust. */
  readonly runtimeNamespace: string;
  /** Sizes pods may ask for. */
  readonly instanceSizes: readonly ConfidentialVmSize[];
  /** Size of pods that ask for none. */
  readonly defaultInstanceSize: ConfidentialVmSize;
  /** Evidence types pod VMs produce. */
  readonly evidenceTypes: readonly AzureTee[];
  /** The image pod VMs boot. */
  readonly image: IPodVmImage;
}

/** The mark of an `IConfidentialVmPool`: implementing constructs set it, and props that take one check it. */
export const VM_POOL = new ConstructInterface<IConfidentialVmPool>('IConfidentialVmPool', 'a ConfidentialVmPool');

/** Props of ConfidentialVmPool. */
export interface ConfidentialVmPoolProps {
  /** Azure region of the pod VMs. */
  readonly location: string;
  /** Name of the resource group pod VMs, their disks and NICs are created in (the adaptor's AZURE_RESOURCE_GROUP). */
  readonly podVmResourceGroupName: string;
  /**
   * Create that resource group (recommended: the adaptor's VM Contributor role is then scoped to pod VMs only).
   * When false, it must exist and its id is derived from the subscription.
   * @default true
   */
  readonly createPodVmResourceGroup?: boolean;
  /** The cluster whose OIDC issuer the identity trusts. */
  readonly cluster: IConfidentialAksCluster;
  /** The network pod VMs are placed in. */
  readonly network: IPeerPodNetwork;
  /** The pod VM image, with its measurements. */
  readonly image: IPodVmImage;
  /**
   * Instance sizes pods may ask for (annotation `io.katacontainers.config.hypervisor.machine_type`).
   * @default [ConfidentialVmSize.STANDARD_DC2AS_V5]
   */
  readonly instanceSizes?: ConfidentialVmSize[];
  /**
   * Size of pods that ask for none; must be one of `instanceSizes`.
   * @default - the first of `instanceSizes`
   */
  readonly defaultInstanceSize?: ConfidentialVmSize;
  /**
   * Namespace of the peer-pods runtime; the federated credentials trust its service accounts.
   * @default 'confidential-containers-system'
   */
  readonly runtimeNamespace?: string;
  /**
   * Maximum pod VMs per worker node.
   * @default 10
   */
  readonly limitPerNode?: number;
  /**
   * Root disk size of pod VMs in GiB.
   * @default - the image's disk size
   */
  readonly rootVolumeSizeGiB?: number;
  /** Tags the adaptor puts on every pod VM. @default - none */
  readonly podVmTags?: Record<string, string>;
  /** Tags of the pool's own resources. @default - none */
  readonly tags?: Record<string, string>;
}

const tagText = literalString(
  (s) => !/[,=]/.test(s) && s.length > 0,
  'must not be empty or contain "," or "=" (the adaptor reads TAGS as k=v,k2=v2)',
);

const vmSize = vmSizeSchema;

/** The schema of ConfidentialVmPoolProps (internal: not in the main entry). */
export const schema = strictObject({
  location: azureLocation,
  podVmResourceGroupName: resourceGroupName(),
  createPodVmResourceGroup: v.optional(bool(), true),
  cluster: AKS_CLUSTER.schema(),
  network: PEER_POD_NETWORK.schema(),
  image: POD_VM_IMAGE.schema(),
  instanceSizes: v.optional(v.pipe(list(vmSize), v.minLength(1, 'must allow at least one size')), [ConfidentialVmSize.STANDARD_DC2AS_V5]),
  defaultInstanceSize: v.optional(vmSize),
  runtimeNamespace: v.optional(literalString(isK8sName, 'must be a Kubernetes namespace name (RFC 1123 label)'), DEFAULT_RUNTIME_NAMESPACE),
  limitPerNode: v.optional(int(1, 250), 10),
  rootVolumeSizeGiB: v.optional(int(1, 4095)),
  podVmTags: v.optional(v.record(tagText, tagText, 'must be an object of tag names to values'), {}),
  tags: v.optional(stringMap(), {}),
});

/**
 * What the peer-pods adaptor needs to create confidential pod VMs: a resource group for them, the allowed
 * instance sizes (validated against the confidential catalogue and the image's measurements), a
 * user-assigned identity federated with the adaptor's two service accounts, and least-privilege roles:
 * Virtual Machine Contributor on the pod-VM resource group only; join/read on the pod-VM subnet, its NSG and
 * the image; and a custom role with only `Microsoft.Compute/locations/vmSizes/read` at subscription scope.
 */
export class ConfidentialVmPool extends Construct implements IConfidentialVmPool {
  /** The identity (escape hatch). */
  public readonly resource: UserAssignedIdentity;
  /** Client id of the identity (the `peer-pods-secret` AZURE_CLIENT_ID and the service account annotation). */
  public readonly poolIdentityClientId: string;
  /** Tenant id of the identity (`peer-pods-secret` AZURE_TENANT_ID). */
  public readonly poolIdentityTenantId: string;
  /** Principal id of the identity. */
  public readonly poolIdentityPrincipalId: string;
  /** The runtime namespace the federated credentials trust: the peer-pods runtime must use exactly this one. */
  public readonly runtimeNamespace: string;
  /** Sizes pods may ask for. */
  public readonly instanceSizes: readonly ConfidentialVmSize[];
  /** Size of pods that ask for none. */
  public readonly defaultInstanceSize: ConfidentialVmSize;
  /** The evidence types pod VMs of this pool produce (empty for a non-confidential development pool). */
  public readonly evidenceTypes: readonly AzureTee[];
  /** The image pod VMs boot. */
  public readonly image: IPodVmImage;
  /** The federated credentials, one per service account. */
  public readonly federatedCredentials: readonly FederatedIdentityCredential[];
  /**
   * The adaptor's provider configuration: the `providerConfigs.azure` values of the peerpods chart
   * (ConfigMap `peer-pods-cm`), every value a string.
   */
  public readonly providerConfig: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: ConfidentialVmPoolProps) {
    super(scope, id);
    VM_POOL.implementedBy(this);
    const p = parseProps(this, 'ConfidentialVmPool', schema, props);
    const { defaultSize, disableCvm, evidenceTypes } = this.checkSizes(p);

    const client = new DataAzurermClientConfig(this, 'Client', {});
    const subscriptionScope = `/subscriptions/${client.subscriptionId}`;

    const rg = p.createPodVmResourceGroup
      ? new ResourceGroup(this, 'PodVmResourceGroup', { name: p.podVmResourceGroupName, location: p.location, tags: p.tags })
      : undefined;
    // Referencing the created group (not its name string) orders everything after it.
    const rgName = rg ? rg.name : p.podVmResourceGroupName;
    const podVmResourceGroupId = rg ? rg.id : `${subscriptionScope}/resourceGroups/${p.podVmResourceGroupName}`;

    this.resource = new UserAssignedIdentity(this, 'Resource', {
      name: `${p.podVmResourceGroupName}-adaptor`,
      resourceGroupName: rgName,
      location: p.location,
      tags: p.tags,
    });
    this.federatedCredentials = this.federate(p, rgName);
    grantPoolRoles(this, {
      principalId: this.resource.principalId,
      subscriptionScope,
      podVmResourceGroupName: p.podVmResourceGroupName,
      podVmResourceGroupId,
      network: p.network,
      imageId: p.image.imageId,
    });

    this.providerConfig = providerConfigOf(p, client.subscriptionId, defaultSize, disableCvm);
    this.poolIdentityClientId = this.resource.clientId;
    this.poolIdentityTenantId = this.resource.tenantId;
    this.poolIdentityPrincipalId = this.resource.principalId;
    this.runtimeNamespace = p.runtimeNamespace;
    this.instanceSizes = p.instanceSizes;
    this.defaultInstanceSize = defaultSize;
    this.evidenceTypes = evidenceTypes;
    this.image = p.image;
  }

  /**
   * The default size, whether the pool is confidential and the evidence its pod VMs produce: the sizes are all
   * confidential or none (a development pool, with a warning), and the image is measured for each confidential one.
   * A size in a region the table of region offers does not list for its family is a warning.
   */
  private checkSizes(p: ParsedPoolProps) {
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'ConfidentialVmPool', field, message);
    };
    const defaultSize = p.defaultInstanceSize ?? p.instanceSizes[0];
    if (!p.instanceSizes.some((s) => s.name === defaultSize.name)) {
      fail(
        'defaultInstanceSize',
        `"${defaultSize.name}" is not among instanceSizes [${p.instanceSizes.join(', ')}]; add it there or pick one of them`,
      );
    }
    const confidential = p.instanceSizes.filter((s) => s.isConfidential);
    if (confidential.length > 0 && confidential.length < p.instanceSizes.length) {
      fail(
        'instanceSizes',
        'mixes confidential and non-confidential sizes, but the adaptor disables confidential VMs for all pods or none (DISABLECVM); use one kind',
      );
    }
    const disableCvm = confidential.length === 0;
    const evidenceTypes = [...new Set(confidential.map((s) => s.evidenceType as AzureTee))].sort();
    const measured = new Set(p.image.measurements.map((m) => m.tee));
    for (const size of confidential) {
      if (!measured.has(size.evidenceType as AzureTee)) {
        fail(
          'instanceSizes',
          `"${size.name}" is a ${size.tee} size, but the image has no ${size.evidenceType} measurements, so its pod VMs could never attest; ` +
            `add the ${size.evidenceType} measurements to the image or drop the size`,
        );
      }
    }
    // The default size is one of instanceSizes (checked above), so this covers it too.
    warnOfRegionOffers(
      this,
      'ConfidentialVmPool',
      p.instanceSizes.map((size, i) => [`instanceSizes[${i}]`, size] as const),
      p.location,
    );
    if (disableCvm) {
      Annotations.of(this).addWarning(
        'ConfidentialVmPool uses non-confidential instance sizes (DISABLECVM=true): pod VMs have no TEE and cannot attest. For development only.',
      );
    }
    return { defaultSize, disableCvm, evidenceTypes };
  }

  /** The identity's federated credentials, one per adaptor service account in the runtime namespace. */
  private federate(p: ParsedPoolProps, rgName: string): FederatedIdentityCredential[] {
    // Azure refuses concurrent writes of federated credentials on one identity: chain them.
    const credentials: FederatedIdentityCredential[] = [];
    for (const account of PEER_PODS_SERVICE_ACCOUNTS) {
      const credential = new FederatedIdentityCredential(this, `Federated-${account}`, {
        name: account,
        resourceGroupName: rgName,
        parentId: this.resource.id,
        issuer: p.cluster.clusterOidcIssuerUrl,
        audience: [WORKLOAD_IDENTITY_AUDIENCE],
        subject: `system:serviceaccount:${p.runtimeNamespace}:${account}`,
        dependsOn: credentials.length > 0 ? [credentials[credentials.length - 1]] : undefined,
      });
      credentials.push(credential);
    }
    return credentials;
  }
}

type ParsedPoolProps = v.InferOutput<typeof schema>;

/** The adaptor's provider configuration (`providerConfigs.azure` of the peerpods chart), every value a string. */
function providerConfigOf(p: ParsedPoolProps, subscriptionId: string, defaultSize: ConfidentialVmSize, disableCvm: boolean): Record<string, string> {
  const config: Record<string, string> = {
    AZURE_SUBSCRIPTION_ID: subscriptionId,
    AZURE_REGION: p.location,
    AZURE_RESOURCE_GROUP: p.podVmResourceGroupName,
    AZURE_SUBNET_ID: p.network.podVmSubnetId,
    AZURE_IMAGE_ID: p.image.imageId,
    AZURE_INSTANCE_SIZE: defaultSize.name,
    AZURE_INSTANCE_SIZES: p.instanceSizes.map((s) => s.name).join(','),
    DISABLECVM: String(disableCvm),
    // Measured boot, not secure boot: the measurements are what the attestation policy checks.
    ENABLE_SECURE_BOOT: 'false',
    USE_PUBLIC_IP: 'false',
    PEERPODS_LIMIT_PER_NODE: String(p.limitPerNode),
  };
  if (p.network.podVmNsgId) config.AZURE_NSG_ID = p.network.podVmNsgId;
  if (p.rootVolumeSizeGiB !== undefined) config.ROOT_VOLUME_SIZE = String(p.rootVolumeSizeGiB);
  const tags = Object.entries(p.podVmTags).sort(([a], [b]) => (a < b ? -1 : 1));
  if (tags.length > 0) config.TAGS = tags.map(([k, v]) => `${k}=${v}`).join(',');
  return config;
}
