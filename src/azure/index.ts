export * from './vm-sizes';
export * from './peer-pod-network';
export { AKS_AUDIT_CATEGORIES, AKS_LOG_CATEGORIES, DEFAULT_AKS_LOG_CATEGORIES } from './aks-audit-logs';
export type { AksAuditLogs, AksLogCategory } from './aks-audit-logs';
export * from './confidential-aks-cluster';
export * from './pod-vm-image';
export * from './confidential-vm-pool';
export * from './kbs-key-vault-access';
