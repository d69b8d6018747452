// Where the KBS runs: every placement shares one KbsState (src/attestation/kbs-state.ts).
export * from './key-broker';
export { KeyBrokerBase } from './key-broker-base';
export type { KbsAttestationProps } from './key-broker-base';
export * from './external-kbs';
