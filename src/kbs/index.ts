// Where the KBS runs: every placement shares one KbsState (src/attestation/kbs-state.ts).
export * from './key-broker';
export { KeyBrokerBase } from './key-broker-base';
export type { KbsAttestationProps } from './key-broker-base';
export * from './external-kbs';
export * from './trustee-vm';
export { KBS_SYNC_SCRIPT, TRUSTEE_VM_PATHS, TRUSTEE_VM_SECRETS, trusteeVmStateDocument, encodeTrusteeVmState, renderTrusteeVmCloudConfig } from './trustee-vm-boot';
export type { TrusteeVmStateDocument, TrusteeVmBootInput } from './trustee-vm-boot';
