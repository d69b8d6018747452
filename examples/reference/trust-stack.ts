import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { VirtualNetworkPeering } from '@cdktf/provider-azurerm/lib/virtual-network-peering';
import { Annotations, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { TrusteeVm } from '../../src';
import { configureBackend } from './backend';
import { referenceConfig as cfg } from './config';
import { InfraStack } from './infra-stack';
import { loadPublicMaterial } from './pki';

/**
 * The model owner's stack: a resource group and VNet of its own, peered with the cluster's, and the KBS on
 * two confidential VMs in two zones behind an internal load balancer there (TrusteeVm). Deployed after `infra`
 * (it peers with its VNet) and before `cluster`.
 * Whoever runs the cluster has no role here: the KBS, its keys and its policies are out of their reach, in a
 * subscription of the owner's own (`trust_subscription_id`).
 */
export class TrustStack extends TerraformStack {
  /** The KBS every workload attests to. */
  public readonly kbs: TrusteeVm;
  /** The model owner's VNet, which the cluster stack peers its VNet with. */
  public readonly vnetId: string;

  constructor(scope: Construct, id: string, infra: InfraStack) {
    super(scope, id);
    configureBackend(this, id);
    const t = cfg.trust;

    // The model owner's own subscription, never the cluster's: whoever can write there could grant themselves
    // this Key Vault or replace the KBS VM (baseline rule CAI-KBS-9).
    const subscriptionId = new TerraformVariable(this, 'trust_subscription_id', {
      type: 'string',
      description: "Azure subscription of the model owner, not the cluster's (its admins must not be able to write to it)",
    });
    const sshKey = new TerraformVariable(this, 'kbs_admin_ssh_public_key', {
      type: 'string',
      description: 'OpenSSH public key of the KBS VM admin user (no inbound SSH is opened)',
    });
    const ownerRanges = new TerraformVariable(this, 'model_owner_ip_ranges', {
      type: 'list(string)',
      description: 'Public IPs the model owner runs Terraform and uploads the KBS key material from (the Key Vault firewall admits them)',
    });
    // The audit storage account takes no shared keys: the provider must use Entra ID for its data plane.
    new AzurermProvider(this, 'azurerm', { features: [{}], subscriptionId: subscriptionId.stringValue, storageUseAzuread: true });
    const client = new DataAzurermClientConfig(this, 'Client', {});

    const rg = new ResourceGroup(this, 'ResourceGroup', { name: t.resourceGroupName, location: cfg.location, tags: cfg.tags });
    const common = { resourceGroupName: rg.name, location: cfg.location, tags: cfg.tags };
    const vnet = new VirtualNetwork(this, 'Vnet', { ...common, name: 'confidential-ai-trust-vnet', addressSpace: [t.addressSpace] });
    const subnet = new Subnet(this, 'KbsSubnet', {
      name: 'kbs',
      resourceGroupName: rg.name,
      virtualNetworkName: vnet.name,
      addressPrefixes: [t.subnetCidr],
      // The Key Vault and the audit storage account firewalls admit the KBS VMs through these service endpoints.
      serviceEndpoints: ['Microsoft.KeyVault', 'Microsoft.Storage'],
      defaultOutboundAccessEnabled: false,
    });
    // Outbound only: the KBS image, packages, and the AMD and Intel certificate services.
    const natIp = new PublicIp(this, 'NatIp', { ...common, name: 'confidential-ai-trust-nat-ip', allocationMethod: 'Static', sku: 'Standard' });
    const nat = new NatGateway(this, 'Nat', { ...common, name: 'confidential-ai-trust-nat', skuName: 'Standard' });
    new NatGatewayPublicIpAssociation(this, 'NatIpAssociation', { natGatewayId: nat.id, publicIpAddressId: natIp.id });
    new SubnetNatGatewayAssociation(this, 'NatAssociation', { subnetId: subnet.id, natGatewayId: nat.id });
    // Pod VMs reach the KBS across the peering; nothing else of the cluster VNet is admitted (the VM's NSG).
    // This is the owner's half; the cluster stack creates the other in the cluster's VNet and subscription.
    new VirtualNetworkPeering(this, 'TrustToCluster', {
      name: 'trust-to-cluster',
      resourceGroupName: rg.name,
      virtualNetworkName: vnet.name,
      remoteVirtualNetworkId: infra.network.vnetId,
    });
    this.vnetId = vnet.id;

    const material = loadPublicMaterial();
    this.kbs = new TrusteeVm(this, 'Kbs', {
      resourceGroupName: rg.name,
      location: cfg.location,
      subnetId: subnet.id,
      subnetCidr: t.subnetCidr,
      staticIp: t.kbsStaticIp,
      replicas: t.kbsReplicas,
      zones: [...t.kbsZones],
      podVmNetwork: infra.network,
      keyVaultName: t.keyVaultName,
      tenantId: client.tenantId,
      keyVaultAllowedIpRanges: ownerRanges.listValue,
      image: cfg.kbsImage,
      osImageVersion: t.osImageVersion,
      adminSshPublicKey: sshKey.stringValue,
      httpsCaCertPem: material.kbsCaPem,
      tokenSignerCaCertPem: material.tokenSignerCaPem,
      referenceValuesExpire: cfg.referenceValuesExpire,
      snpTcbFloor: cfg.snpTcbFloor,
      tags: cfg.tags,
    });
    this.kbs.trustImage(infra.image);
    if (material.isExample) {
      Annotations.of(this.kbs).addWarning(
        'example material: the KBS CA and token signer CA are the ' +
          'committed examples under examples/reference/pki/example, and the KBS image digest, OS image version and ' +
          `Key Vault and audit storage account names in examples/reference/config.ts are examples; create your own ` +
          `key material with KBS_IP=${t.kbsStaticIp} VAULT_NAME=<your keyVaultName> bin/create-key-material.sh examples/reference/.secrets, ` +
          'and set those values and snpTcbFloor for your hosts before deploying',
      );
    }

    new TerraformOutput(this, 'kbs_url', { value: this.kbs.kbsEndpoint.url });
    new TerraformOutput(this, 'upload_kbs_key_material', { value: this.kbs.uploadKeyMaterialCommands('examples/reference/.secrets').join(' && ') });
  }
}
