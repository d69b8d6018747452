import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Annotations, LocalBackend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import {
  ConfidentialAksCluster,
  ConfidentialVmPool,
  ConfidentialVmSize,
  ExternalKbs,
  WorkloadTls,
  ImageFacts,
  KeyManager,
  PeerPodNetwork,
  PodVmImage,
  PeerPodsRuntime,
  configureAksProviders,
} from '../../src';

/** What the company already has: replace these with your own ids. */
export const existing = {
  subscriptionId: '00000000-0000-0000-0000-000000000000',
  location: 'westeurope',
  resourceGroupName: 'platform-prod',
  vnetId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-prod/providers/Microsoft.Network/virtualNetworks/corp-vnet',
  nodeSubnetId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-prod' +
    '/providers/Microsoft.Network/virtualNetworks/corp-vnet/subnets/aks-nodes',
  nodeSubnetCidr: '10.40.0.0/20',
  podVmSubnetId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-prod' +
    '/providers/Microsoft.Network/virtualNetworks/corp-vnet/subnets/pod-vms',
  podVmNsgId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-prod/providers/Microsoft.Network/networkSecurityGroups/pod-vms-nsg',
  clusterName: 'platform-aks',
  clusterId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/platform-prod' +
    '/providers/Microsoft.ContainerService/managedClusters/platform-aks',
  oidcIssuerUrl: 'https://westeurope.oic.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/22222222-2222-2222-2222-222222222222/',
  podVmImageId:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/images' +
    '/providers/Microsoft.Compute/galleries/podvms/images/podvm/versions/0.22.0',
  // The model owner's KBS, reachable from the pod-VM subnet (e.g. through VNet peering), with its CA.
  kbsUrl: 'https://10.60.0.4:8443',
  // The TLS proxy in front of the key manager (ghostunnel's Alpine image, mirrored; the reference app's example digest).
  tlsProxyImage: 'platformacr.azurecr.io/ghostunnel/ghostunnel:v1.8.4-alpine@sha256:5ea8955589b291872f0e0ae2414e5a46b06ca694197904729c2b6c908be23ceb',
  // The pod's ingress filter (Kubernetes' distroless-iptables, mirrored; the reference app's example digest).
  ingressFilterImage:
    'platformacr.azurecr.io/build-image/distroless-iptables:v0.9.6@sha256:f4b5346ffbbbdd9d63108f6094c9629fad17b330b70eb87a97f47adf371064d5',
  // The reference app's example key manager, mirrored into the platform registry (same digest).
  keyManagerImage: 'platformacr.azurecr.io/enkrypt/key-manager@sha256:f7c56dbc74eadb755393d60f1062762e50939c2124a462f98ccc749b40afdd48',
};

const material = (name: string): string => readFileSync(join(__dirname, '..', 'reference', 'pki', 'example', name), 'utf8');
const measurements = join(__dirname, '..', 'reference', 'podvm', 'measurements-snp.example.json');
const keyManagerFacts = join(__dirname, '..', 'reference', 'images', 'key-manager');

/**
 * The constructs on top of infrastructure a company already runs: its VNet (with a pod-VM subnet whose NSG
 * admits 15150/tcp and 4789/udp from the nodes), its AKS cluster (OIDC issuer, workload identity, worker
 * label) and its pod VM image, and the model owner's KBS, which runs elsewhere (ExternalKbs).
 * What this adds: the pool identity and roles, the peer-pods runtime and the key manager; the KBS is told
 * what to trust through a reviewable bundle (`kbs.writeBundle`, run by main.ts), never by this stack.
 */
export class ByoClusterStack extends TerraformStack {
  /** The model owner's KBS, which this stack only tells what to trust. */
  public readonly kbs: ExternalKbs;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Relative, so the plan is the same wherever the repository is checked out (use your own remote state).
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
    new AzurermProvider(this, 'azurerm', { features: [{}], subscriptionId: existing.subscriptionId });
    configureAksProviders(this, { name: existing.clusterName, resourceGroupName: existing.resourceGroupName });

    const network = PeerPodNetwork.fromPeerPodNetworkAttributes(this, 'Network', {
      vnetId: existing.vnetId,
      nodeSubnetId: existing.nodeSubnetId,
      nodeSubnetCidr: existing.nodeSubnetCidr,
      podVmSubnetId: existing.podVmSubnetId,
      podVmNsgId: existing.podVmNsgId,
    });
    const cluster = ConfidentialAksCluster.fromClusterAttributes(this, 'Cluster', {
      clusterId: existing.clusterId,
      clusterName: existing.clusterName,
      clusterResourceGroupName: existing.resourceGroupName,
      clusterOidcIssuerUrl: existing.oidcIssuerUrl,
    });
    const image = PodVmImage.fromImageAttributes(this, 'Image', {
      imageId: existing.podVmImageId,
      measurements: [PodVmImage.measurementsFromFile(measurements, 'az-snp-vtpm')],
    });

    const pool = new ConfidentialVmPool(this, 'Pool', {
      location: existing.location,
      podVmResourceGroupName: 'platform-podvms',
      cluster,
      network,
      image,
      instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5, ConfidentialVmSize.STANDARD_DC4AS_V5],
    });
    // cert-manager is already part of the platform.
    const runtime = new PeerPodsRuntime(this, 'PeerPods', { pool, certManager: { install: false } });

    // The model owner's KBS runs outside this cluster and outside the platform team's reach (on its own
    // confidential VM or cluster): the library renders what it must be told as a bundle (main.ts writes it).
    this.kbs = new ExternalKbs(this, 'Kbs', {
      url: existing.kbsUrl,
      caCertPem: material('kbs-ca.pem'),
      referenceValuesExpire: '2027-12-31T00:00:00Z',
      // The oldest SEV-SNP firmware and microcode accepted (example values: set them for your hosts).
      snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
    });
    this.kbs.trustImage(image);
    const workloadTls = WorkloadTls.fromDirectory(join(__dirname, '..', 'reference', 'tls', 'example'), {
      proxyImage: existing.tlsProxyImage,
      proxyImageFacts: ImageFacts.fromDirectory(existing.tlsProxyImage, join(__dirname, '..', 'reference', 'images', 'tls-proxy')),
      // Closes every inbound port of the pod VM but the TLS listeners before the key manager starts.
      ingressFilterImage: existing.ingressFilterImage,
      ingressFilterImageFacts: ImageFacts.fromDirectory(existing.ingressFilterImage, join(__dirname, '..', 'reference', 'images', 'ingress-filter')),
    });
    // Like the reference app, this example borrows committed example material: say so at every synth.
    Annotations.of(this).addWarning(
      'example material: the subscription, network, cluster and image ids and the KBS URL in examples/byo-cluster/byo-cluster-stack.ts, ' +
        'and the KBS CA, pod VM measurements, image documents and workload certificates it reads from examples/reference, are examples; ' +
        'put your own there before deploying',
    );
    new KeyManager(this, 'KeyManager', {
      runtime,
      kbs: this.kbs,
      image: existing.keyManagerImage,
      // The image's registry documents, verified against the digest: the agent policy pins its command line.
      imageFacts: ImageFacts.fromDirectory(existing.keyManagerImage, keyManagerFacts),
      // Both pushed by the model owner with the KBS admin key (`setResourceCommand`), never through the platform.
      registryCredentials: 'kbs:///platform/registry/credentials',
      // TLS ends in the key manager's pod VM: its certificate from the owner's workload CA, its key a KBS resource.
      // Only the platform's inference workload calls its decryption API; model users connect with the users CA.
      tls: { identity: workloadTls.identity('key-manager'), clients: ['inference'], users: {} },
    });
  }
}
