import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import * as v from 'valibot';
import { Annotations, Construct, IConstruct } from '../internal/cdktf';
import {
  bool,
  ConstructInterface,
  fieldCheck,
  int,
  isToken,
  list,
  literalString,
  nonEmpty,
  strictObject,
  parseProps,
  rawCheck,
  str,
  stringMap,
  attributesObject,
} from '../internal/validation';
import { isIpv4AddressOrCidr, overlaps, parseCidr, parseIpv4 } from './cidr';
import { IPeerPodNetwork, PEER_POD_NETWORK } from './peer-pod-network';
import { AksAuditLogs, aksAuditLogsSchema, exportControlPlaneLogs } from './aks-audit-logs';
import { aksClusterName, azureLocation, resourceGroupName } from './azure-names';

/** The node label the cloud-api-adaptor DaemonSet selects worker nodes by. */
export const WORKER_NODE_LABEL = { key: 'node.kubernetes.io/worker', value: '' } as const;

/** What other constructs need of an AKS cluster: a `ConfidentialAksCluster`, or `ConfidentialAksCluster.fromClusterAttributes`. */
export interface IConfidentialAksCluster extends IConstruct, ConfidentialAksClusterAttributes {}

/** The mark of an `IConfidentialAksCluster`: implementing constructs set it, and props that take one check it. */
export const AKS_CLUSTER = new ConstructInterface<IConfidentialAksCluster>(
  'IConfidentialAksCluster',
  'a ConfidentialAksCluster or ConfidentialAksCluster.fromClusterAttributes(...)',
);

/** The attributes of an AKS cluster (`ConfidentialAksCluster.fromClusterAttributes` takes them). */
export interface ConfidentialAksClusterAttributes {
  /** ARM id of the cluster. */
  readonly clusterId: string;
  /** Cluster name. */
  readonly clusterName: string;
  /** Resource group of the cluster. */
  readonly clusterResourceGroupName: string;
  /** OIDC issuer URL, the issuer of workload identity federated credentials. */
  readonly clusterOidcIssuerUrl: string;
}

/** Props of ConfidentialAksCluster. */
export interface ConfidentialAksClusterProps {
  /** Resource group of the cluster. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /** Cluster name. */
  readonly name: string;
  /** The network; nodes go into its node subnet. */
  readonly network: IPeerPodNetwork;
  /**
   * Entra ID groups whose members are cluster admins (Azure RBAC for Kubernetes). Local accounts are
   * disabled, so without a group nobody but Azure RBAC role holders can reach the API server.
   */
  readonly adminGroupObjectIds: string[];
  /**
   * Kubernetes version.
   * @default - the AKS default version at creation
   */
  readonly kubernetesVersion?: string;
  /**
   * VM size of the worker nodes (ordinary VMs: pods that need a TEE get a pod VM of their own).
   * @default 'Standard_D4s_v5'
   */
  readonly nodeVmSize?: string;
  /**
   * Number of worker nodes.
   * @default 2
   */
  readonly nodeCount?: number;
  /**
   * Public CIDRs allowed to reach the API server. Empty means unrestricted: set it, or use a private cluster.
   * @default []
   */
  readonly apiServerAuthorizedIpRanges?: string[];
  /**
   * Make the API server private (reachable from the VNet only).
   * @default false
   */
  readonly privateCluster?: boolean;
  /**
   * Pod CIDR of Azure CNI overlay (must not overlap the VNet).
   * @default '192.168.0.0/16'
   */
  readonly podCidr?: string;
  /**
   * Service CIDR (must not overlap the VNet).
   * @default '10.0.0.0/16'
   */
  readonly serviceCidr?: string;
  /**
   * DNS service IP inside the service CIDR.
   * @default '10.0.0.10'
   */
  readonly dnsServiceIp?: string;
  /**
   * Run the Azure Policy add-on (admission policies for the non-confidential parts of the cluster).
   * @default true
   */
  readonly azurePolicy?: boolean;
  /**
   * Enable the Key Vault secrets provider add-on (Secrets Store CSI driver), which Trustee uses to read
   * resources from Azure Key Vault.
   * @default false
   */
  readonly keyVaultSecretsProvider?: boolean;
  /**
   * Control-plane audit logs, exported to Log Analytics: the record of what the cluster admin (the adversary
   * this library defends against) did to the cluster.
   * @default - kube-audit-admin and guard to a new workspace with 90 days of retention
   */
  readonly auditLogs?: AksAuditLogs;
  /**
   * Export no control-plane logs (development only): nothing records what anyone did to the cluster.
   * @default false
   */
  readonly disableAuditLogsInsecure?: boolean;
  /** Tags. @default - none */
  readonly tags?: Record<string, string>;
}

const aksCidr = literalString((s) => parseCidr(s) !== undefined, 'must be an IPv4 CIDR with zero host bits, e.g. "10.0.0.0/16"');

/** The schema of ConfidentialAksClusterProps (internal: not in the main entry). */
export const schema = v.pipe(
  strictObject({
    resourceGroupName: resourceGroupName(),
    location: azureLocation,
    name: aksClusterName,
    network: PEER_POD_NETWORK.schema(),
    adminGroupObjectIds: v.pipe(
      list(v.pipe(str(), nonEmpty())),
      v.minLength(1, 'must name at least one Entra ID admin group: local accounts are disabled'),
    ),
    kubernetesVersion: v.optional(str()),
    nodeVmSize: v.optional(str(), 'Standard_D4s_v5'),
    nodeCount: v.optional(int(1, 1000), 2),
    apiServerAuthorizedIpRanges: v.optional(
      list(
        v.pipe(
          literalString(isIpv4AddressOrCidr, 'must be an IPv4 address or CIDR with zero host bits, e.g. "203.0.113.0/24"'),
          v.check(
            (s) => isToken(s) || !(parseCidr(s)?.start === 0 && s.endsWith('/0')),
            'must not be 0.0.0.0/0, which opens the API server to the internet: name ' +
              'your ranges, or leave the list empty and suppress CAI-AKS-6 with a reason',
          ),
        ),
      ),
      [],
    ),
    privateCluster: v.optional(bool(), false),
    podCidr: v.optional(aksCidr, '192.168.0.0/16'),
    serviceCidr: v.optional(aksCidr, '10.0.0.0/16'),
    dnsServiceIp: v.optional(
      literalString((s) => parseIpv4(s) !== undefined, 'must be an IPv4 address'),
      '10.0.0.10',
    ),
    keyVaultSecretsProvider: v.optional(bool(), false),
    azurePolicy: v.optional(bool(), true),
    auditLogs: v.optional(aksAuditLogsSchema),
    disableAuditLogsInsecure: v.optional(bool(), false),
    tags: v.optional(stringMap(), {}),
  }),
  fieldCheck(
    'auditLogs',
    (p) => !(p.disableAuditLogsInsecure && p.auditLogs !== undefined),
    'configures the audit logs that disableAuditLogsInsecure turns off: drop one of them',
  ),
  fieldCheck(
    'apiServerAuthorizedIpRanges',
    (p) => !(p.privateCluster && p.apiServerAuthorizedIpRanges.length > 0),
    'a private cluster has no public API server: drop apiServerAuthorizedIpRanges or privateCluster',
  ),
  rawCheck((p, report) => {
    // Azure refuses pod and service ranges that overlap the VNet, and a DNS service IP outside the service range.
    const block = (s: string | undefined) => (s === undefined || isToken(s) ? undefined : parseCidr(s));
    const pods = block(p.podCidr);
    const services = block(p.serviceCidr);
    const known = [
      ['the VNet address space', block(p.network.addressSpace)],
      ['the node subnet', block(p.network.nodeSubnetCidr)],
    ] as const;
    for (const [field, own] of [
      ['podCidr', pods],
      ['serviceCidr', services],
    ] as const) {
      for (const [what, other] of known) {
        if (own && other && overlaps(own, other)) report([field], `"${own.cidr}" overlaps ${what} "${other.cidr}"; choose a range outside the VNet`);
      }
    }
    if (pods && services && overlaps(pods, services)) report(['serviceCidr'], `"${services.cidr}" overlaps podCidr "${pods.cidr}"`);
    const dns = isToken(p.dnsServiceIp) ? undefined : parseIpv4(p.dnsServiceIp);
    if (services && dns !== undefined && !(dns > services.start && dns < services.end)) {
      report(['dnsServiceIp'], `"${p.dnsServiceIp}" is not a usable address of serviceCidr "${services.cidr}"`);
    }
  }),
);

/**
 * An AKS cluster ready for peer pods: OIDC issuer and workload identity (the adaptor's identity), Ubuntu
 * workers labelled `node.kubernetes.io/worker=""` in the node subnet, Azure CNI overlay with Cilium network
 * policy, local accounts disabled with Entra ID and Azure RBAC, automatic patch upgrades.
 */
export class ConfidentialAksCluster extends Construct implements IConfidentialAksCluster {
  /** Imports an existing cluster by its attributes (managed elsewhere). */
  public static fromClusterAttributes(scope: Construct, id: string, attrs: ConfidentialAksClusterAttributes): IConfidentialAksCluster {
    return new ImportedConfidentialAksCluster(scope, id, attrs);
  }

  /** @deprecated use `fromClusterAttributes` (the same import; this name goes in the next release). */
  public static fromExisting(scope: Construct, id: string, attrs: ConfidentialAksClusterAttributes): IConfidentialAksCluster {
    return ConfidentialAksCluster.fromClusterAttributes(scope, id, attrs);
  }

  /** The cluster (escape hatch). */
  public readonly resource: KubernetesCluster;
  /** @inheritdoc */
  public readonly clusterId: string;
  /** @inheritdoc */
  public readonly clusterName: string;
  /** @inheritdoc */
  public readonly clusterResourceGroupName: string;
  /** @inheritdoc */
  public readonly clusterOidcIssuerUrl: string;
  /** Object id of the kubelet identity (pulls images; grant it AcrPull on your registry). */
  public readonly clusterKubeletIdentityObjectId: string;
  /** Principal id of the cluster's control-plane identity. */
  public readonly clusterIdentityPrincipalId: string;
  /** The resource group AKS manages for the nodes. */
  public readonly clusterNodeResourceGroup: string;
  /** The Log Analytics workspace this construct created for the audit logs, if it created one. */
  public readonly auditWorkspace?: LogAnalyticsWorkspace;
  /** The diagnostic setting that exports the control-plane logs, unless disabled. */
  public readonly auditDiagnosticSetting?: MonitorDiagnosticSetting;

  constructor(scope: Construct, id: string, props: ConfidentialAksClusterProps) {
    super(scope, id);
    AKS_CLUSTER.implementedBy(this);
    const p = parseProps(this, 'ConfidentialAksCluster', schema, props);
    this.resource = new KubernetesCluster(this, 'Resource', {
      name: p.name,
      location: p.location,
      resourceGroupName: p.resourceGroupName,
      dnsPrefix: p.name,
      kubernetesVersion: p.kubernetesVersion,
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      localAccountDisabled: true,
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, adminGroupObjectIds: p.adminGroupObjectIds },
      automaticUpgradeChannel: 'patch',
      azurePolicyEnabled: p.azurePolicy,
      nodeOsUpgradeChannel: 'NodeImage',
      privateClusterEnabled: p.privateCluster,
      apiServerAccessProfile: p.apiServerAuthorizedIpRanges.length > 0 ? { authorizedIpRanges: p.apiServerAuthorizedIpRanges } : undefined,
      identity: { type: 'SystemAssigned' },
      keyVaultSecretsProvider: p.keyVaultSecretsProvider ? { secretRotationEnabled: true, secretRotationInterval: '2m' } : undefined,
      defaultNodePool: {
        name: 'workers',
        vmSize: p.nodeVmSize,
        nodeCount: p.nodeCount,
        osSku: 'Ubuntu',
        vnetSubnetId: p.network.nodeSubnetId,
        nodePublicIpEnabled: false,
        nodeLabels: { [WORKER_NODE_LABEL.key]: WORKER_NODE_LABEL.value },
        upgradeSettings: { maxSurge: '10%' },
      },
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
        podCidr: p.podCidr,
        serviceCidr: p.serviceCidr,
        dnsServiceIp: p.dnsServiceIp,
        loadBalancerSku: 'standard',
      },
      tags: p.tags,
    });
    // With a bring-your-own subnet the control plane joins nodes and load balancers to it; Terraform does
    // not grant that implicitly the way the Azure CLI does.
    new RoleAssignment(this, 'NodeSubnetNetworkContributor', {
      scope: p.network.nodeSubnetId,
      roleDefinitionName: 'Network Contributor',
      principalId: this.resource.identity.principalId,
      principalType: 'ServicePrincipal',
      description: 'AKS control plane: join nodes and internal load balancers to the node subnet',
    });
    if (p.disableAuditLogsInsecure) {
      Annotations.of(this).addWarning(
        'disableAuditLogsInsecure: the AKS control plane exports no audit log; nothing records what the cluster admin does; development only',
      );
    } else {
      const exported = exportControlPlaneLogs(
        this,
        { clusterId: this.resource.id, clusterName: p.name, location: p.location, resourceGroupName: p.resourceGroupName, tags: p.tags },
        p.auditLogs,
      );
      this.auditWorkspace = exported.workspace;
      this.auditDiagnosticSetting = exported.setting;
    }
    this.clusterId = this.resource.id;
    this.clusterName = this.resource.name;
    this.clusterResourceGroupName = this.resource.resourceGroupName;
    this.clusterOidcIssuerUrl = this.resource.oidcIssuerUrl;
    this.clusterKubeletIdentityObjectId = this.resource.kubeletIdentity.objectId;
    this.clusterIdentityPrincipalId = this.resource.identity.principalId;
    this.clusterNodeResourceGroup = this.resource.nodeResourceGroup;
  }
}

/** The schema of ConfidentialAksClusterAttributes (internal: not in the main entry). */
export const importSchema = attributesObject({
  clusterId: v.pipe(str(), v.minLength(1, 'must be the ARM id of the cluster (az aks show --query id)')),
  clusterName: v.pipe(str(), v.minLength(1, 'must be the cluster name')),
  clusterResourceGroupName: v.pipe(str(), v.minLength(1, 'must be the resource group of the cluster')),
  clusterOidcIssuerUrl: literalString(
    (s) => s.startsWith('https://'),
    'must be the https OIDC issuer URL of the cluster (az aks show --query oidcIssuerProfile.issuerUrl)',
  ),
});

/** An existing cluster (`ConfidentialAksCluster.fromClusterAttributes`). */
class ImportedConfidentialAksCluster extends Construct implements IConfidentialAksCluster {
  public readonly clusterId: string;
  public readonly clusterName: string;
  public readonly clusterResourceGroupName: string;
  public readonly clusterOidcIssuerUrl: string;

  constructor(scope: Construct, id: string, attrs: ConfidentialAksClusterAttributes) {
    super(scope, id);
    const p = parseProps(this, 'ConfidentialAksCluster', importSchema, attrs);
    this.clusterId = p.clusterId;
    this.clusterName = p.clusterName;
    this.clusterResourceGroupName = p.clusterResourceGroupName;
    this.clusterOidcIssuerUrl = p.clusterOidcIssuerUrl;
    AKS_CLUSTER.implementedBy(this);
  }
}
