import { join } from 'node:path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Annotations, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import { BASELINE_RULES, ConfidentialAksCluster, ConfidentialVmPool, PeerPodNetwork, PodVmImage, SecurityBaseline } from '../../src';
import { configureBackend } from './backend';
import { referenceConfig as cfg } from './config';

/** The measurements committed with the example: replace them with your own image build's output. */
export const EXAMPLE_MEASUREMENTS = {
  snp: join(__dirname, 'podvm', 'measurements-snp.example.json'),
  tdx: join(__dirname, 'podvm', 'measurements-tdx.example.json'),
};

/** The Azure infrastructure: network, AKS, pod VM image and the confidential VM pool. */
export class InfraStack extends TerraformStack {
  /** The cluster. */
  public readonly cluster: ConfidentialAksCluster;
  /** The network. */
  public readonly network: PeerPodNetwork;
  /** The pod VM image. */
  public readonly image: PodVmImage;
  /** The pool the adaptor creates pod VMs from. */
  public readonly pool: ConfidentialVmPool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    configureBackend(this, id);

    const subscriptionId = new TerraformVariable(this, 'subscription_id', {
      type: 'string',
      description: 'Azure subscription to deploy into',
    });
    const adminGroup = new TerraformVariable(this, 'admin_group_object_id', {
      type: 'string',
      description: 'Object id of the Entra ID group whose members administer the cluster',
    });
    const vhdUri = new TerraformVariable(this, 'pod_vm_image_vhd_uri', {
      type: 'string',
      description: 'https URI of the pod VM image VHD (fixed-size page blob) built with mkosi and uploaded',
    });
    const storageAccountId = new TerraformVariable(this, 'pod_vm_image_storage_account_id', {
      type: 'string',
      description: 'ARM id of the storage account holding that VHD',
    });

    new AzurermProvider(this, 'azurerm', { features: [{}], subscriptionId: subscriptionId.stringValue });

    const rg = new ResourceGroup(this, 'ResourceGroup', { name: cfg.resourceGroupName, location: cfg.location, tags: cfg.tags });
    this.network = new PeerPodNetwork(this, 'Network', {
      resourceGroupName: rg.name,
      location: cfg.location,
      namePrefix: 'confidential-ai',
      tags: cfg.tags,
    });
    this.cluster = new ConfidentialAksCluster(this, 'Cluster', {
      resourceGroupName: rg.name,
      location: cfg.location,
      name: cfg.clusterName,
      network: this.network,
      adminGroupObjectIds: [adminGroup.stringValue],
      apiServerAuthorizedIpRanges: [...cfg.apiServerAuthorizedIpRanges],
      tags: cfg.tags,
    });
    if (cfg.apiServerAuthorizedIpRanges.length === 0) {
      SecurityBaseline.suppress(
        this.cluster,
        BASELINE_RULES.AKS_API_SERVER_ACCESS.id,
        'reference deployment: set apiServerAuthorizedIpRanges in examples/reference/config.ts (or use a private cluster) before production',
      );
    }
    this.image = new PodVmImage(this, 'PodVmImage', {
      resourceGroupName: rg.name,
      location: cfg.location,
      galleryName: cfg.galleryName,
      version: cfg.podVmImageVersion,
      vhdBlobUri: vhdUri.stringValue,
      storageAccountId: storageAccountId.stringValue,
      measurements: [
        PodVmImage.measurementsFromFile(EXAMPLE_MEASUREMENTS.snp, 'az-snp-vtpm'),
        PodVmImage.measurementsFromFile(EXAMPLE_MEASUREMENTS.tdx, 'az-tdx-vtpm'),
      ],
      tags: cfg.tags,
    });
    Annotations.of(this.image).addWarning(
      'example material: the pod VM measurements are the example files under examples/reference/podvm; replace ' +
        'them with the measurements.json of your own image build before deploying (pods fail attestation until you do)',
    );
    this.pool = new ConfidentialVmPool(this, 'Pool', {
      location: cfg.location,
      podVmResourceGroupName: cfg.podVmResourceGroupName,
      cluster: this.cluster,
      network: this.network,
      image: this.image,
      instanceSizes: [...cfg.instanceSizes],
      podVmTags: cfg.tags,
      tags: cfg.tags,
    });

    new TerraformOutput(this, 'cluster_name', { value: this.cluster.clusterName });
    new TerraformOutput(this, 'cluster_resource_group', { value: this.cluster.clusterResourceGroupName });
    new TerraformOutput(this, 'oidc_issuer_url', { value: this.cluster.clusterOidcIssuerUrl });
    new TerraformOutput(this, 'pod_vm_identity_client_id', { value: this.pool.poolIdentityClientId });
    new TerraformOutput(this, 'pod_vm_image_id', { value: this.image.imageId });
  }
}
