// Constructs over azurerm. The main entry exports what the README's API section lists.
export { ConfidentialVmSize } from './vm-sizes';
export type { ConfidentialTee } from './vm-sizes';
export { PeerPodNetwork } from './peer-pod-network';
export type { IPeerPodNetwork, IPeerPodNetworkWithSubnetCidr, PeerPodNetworkAttributes, PeerPodNetworkProps } from './peer-pod-network';
export { AKS_LOG_CATEGORIES, DEFAULT_AKS_LOG_CATEGORIES } from './aks-audit-logs';
export type { AksAuditLogs, AksLogCategory } from './aks-audit-logs';
export { ConfidentialAksCluster } from './confidential-aks-cluster';
export type { ConfidentialAksClusterAttributes, ConfidentialAksClusterProps, IConfidentialAksCluster } from './confidential-aks-cluster';
export { PodVmImage } from './pod-vm-image';
export type { IPodVmImage, PodVmImageAttributes, PodVmImageProps } from './pod-vm-image';
export { ConfidentialVmPool } from './confidential-vm-pool';
export type { ConfidentialVmPoolProps, IConfidentialVmPool } from './confidential-vm-pool';
export { KbsKeyVaultAccess } from './kbs-key-vault-access';
export type { IKbsKeyVaultAccess, KbsKeyVaultAccessProps } from './kbs-key-vault-access';
