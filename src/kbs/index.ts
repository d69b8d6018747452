// Where the KBS runs: every placement shares one KbsState (src/attestation/kbs-state.ts).
export type { DeclareResourceOptions, IConfidentialWorkload, IKeyBrokerService } from './key-broker';
export { KeyBrokerBase } from './key-broker-base';
export type { KbsAttestationProps } from './key-broker-base';
export { ExternalKbs } from './external-kbs';
export type { ExternalKbsProps } from './external-kbs';
export { TrusteeVm } from './trustee-vm';
export type { TrusteeVmProps } from './trustee-vm-props';
export { Trustee } from './trustee';
export type { TrusteeProps } from './trustee-props';
