// The construct interfaces props accept, one rule each (see ConstructInterface). Type-only imports: this
// module loads before the constructs that mark themselves with it.
import type { IConfidentialAksCluster } from '../azure/confidential-aks-cluster';
import type { IConfidentialVmPool } from '../azure/confidential-vm-pool';
import type { IKbsKeyVaultAccess } from '../azure/kbs-key-vault-access';
import type { IPeerPodNetwork } from '../azure/peer-pod-network';
import type { IPodVmImage } from '../azure/pod-vm-image';
import type { IConfidentialWorkload, IKeyBrokerService } from '../kbs/key-broker';
import type { IPeerPodsRuntime } from '../kubernetes/peer-pods-runtime';
import { ConstructInterface } from './validation';

export const PEER_POD_NETWORK = new ConstructInterface<IPeerPodNetwork>('IPeerPodNetwork', 'a PeerPodNetwork or PeerPodNetwork.fromExisting(...)');
export const AKS_CLUSTER = new ConstructInterface<IConfidentialAksCluster>(
  'IConfidentialAksCluster',
  'a ConfidentialAksCluster or ConfidentialAksCluster.fromExisting(...)',
);
export const POD_VM_IMAGE = new ConstructInterface<IPodVmImage>('IPodVmImage', 'a PodVmImage or PodVmImage.fromImageId(...)');
export const VM_POOL = new ConstructInterface<IConfidentialVmPool>('IConfidentialVmPool', 'a ConfidentialVmPool');
export const PEER_PODS_RUNTIME = new ConstructInterface<IPeerPodsRuntime>(
  'IPeerPodsRuntime',
  'a PeerPodsRuntime or PeerPodsRuntime.alreadyInstalled(...)',
);
export const KEY_BROKER = new ConstructInterface<IKeyBrokerService>('IKeyBrokerService', 'a TrusteeVm, an ExternalKbs or a Trustee');
export const KBS_KEY_VAULT_ACCESS = new ConstructInterface<IKbsKeyVaultAccess>('IKbsKeyVaultAccess', 'a KbsKeyVaultAccess');
export const CONFIDENTIAL_WORKLOAD = new ConstructInterface<IConfidentialWorkload>(
  'IConfidentialWorkload',
  'a ConfidentialWorkload (or the workload of a KeyManager or ConfidentialInference)',
);
