import { Construct } from 'constructs';
import { ConfidentialAksCluster, PeerPodNetwork, PodVmImage } from '../../src';
import { hex32 } from '../attestation/fixtures/values';

/** Measurements of a test image on both TEEs. */
export const BOTH_TEES = [
  { tee: 'az-snp-vtpm' as const, pcrs: { 3: hex32('s3'), 9: hex32('s9'), 11: hex32('s11') } },
  { tee: 'az-tdx-vtpm' as const, pcrs: { 3: hex32('t3'), 9: hex32('t9'), 11: hex32('t11') } },
];

/** A network, cluster and image as most tests need them. */
export function baseInfra(
  scope: Construct,
  measurements = BOTH_TEES,
): { network: PeerPodNetwork; cluster: ConfidentialAksCluster; image: PodVmImage } {
  const network = new PeerPodNetwork(scope, 'network', { resourceGroupName: 'rg', location: 'westeurope' });
  const cluster = new ConfidentialAksCluster(scope, 'cluster', {
    resourceGroupName: 'rg',
    location: 'westeurope',
    name: 'coco',
    network,
    adminGroupObjectIds: ['00000000-0000-0000-0000-000000000001'],
  });
  const image = new PodVmImage(scope, 'image', {
    resourceGroupName: 'rg',
    location: 'westeurope',
    galleryName: 'podvms',
    version: '0.22.0',
    vhdBlobUri: 'https://podvmimages.blob.core.windows.net/vhds/podvm-0.22.0.vhd',
    storageAccountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/podvmimages',
    measurements,
  });
  return { network, cluster, image };
}
