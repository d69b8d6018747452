// Where the KBS runs: every placement shares one KbsState (src/attestation/kbs-state.ts).
export * from './key-broker';
export { KeyBrokerBase } from './key-broker-base';
export type { KbsAttestationProps } from './key-broker-base';
export * from './external-kbs';
export * from './trustee-vm';
export { TRUSTEE_VM_PATHS, TRUSTEE_VM_SECRETS } from './trustee-vm-boot';
