export * from './vm-sizes';
export * from './peer-pod-network';
export * from './confidential-aks-cluster';
export * from './pod-vm-image';
export * from './confidential-vm-pool';
export * from './kbs-key-vault-access';
