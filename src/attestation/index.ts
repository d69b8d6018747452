// The attestation core: pure functions over bytes, no cdktf. Constructs call these and place the results.
// The main entry exports what the README's API section lists; everything else is imported by path.
export { AttestationInputError, ConstructValidationError } from './errors';
export type { Field, InputOwner } from './errors';
export { ResourcePath } from './resource-path';
export type { ResourcePathLike } from './resource-path';
export { ResourceSource } from './resource-source';
export type { ResourceSourceKind } from './resource-source';
export { renderAaToml, renderCdhToml } from './guest-config';
export type { CdhTomlProps, ImageSecuritySettings, KbsEndpoint } from './guest-config';
export { ImageFacts } from './image-facts';
export type { ImageFactsFiles } from './image-facts';
export type { PodContainer, PodSpec } from './pod-spec';
export { AgentPolicy } from './agent-policy';
export type { AgentPolicyData, AgentRequest, PodPolicyOptions } from './agent-policy';
export { Initdata } from './initdata';
export type { InitdataProps } from './initdata';
export { ReferenceValues } from './reference-values';
export type {
  AzureTee,
  MeasurementSet,
  NormalizedMeasurementSet,
  ReferenceValuesProps,
  RvpsRecord,
  SnpTcbComponent,
  SnpTcbFloor,
} from './reference-values';
export { renderAttestationPolicy } from './attestation-policy';
export type { AttestationPolicyOptions } from './attestation-policy';
export { renderResourcePolicy } from './resource-policy';
export type { ResourceBinding } from './resource-policy';
export { parseKbsConfig, renderKbsConfig } from './kbs-config';
export type { KbsConfig, KbsConfigProblem } from './kbs-config';
export { secureKbsConfig } from './kbs-defaults';
export type { CheckedKbsConfig, KbsConfigFinding, SecureKbsConfigProps } from './kbs-defaults';
export { kbsLocalFsLayout } from './storage-layout';
export type { LocalFsEntry } from './storage-layout';
export { KbsState } from './kbs-state';
export type { KbsStateOptions, RegisteredWorkload, WorkloadIdentity } from './kbs-state';
export type { KbsBundleFiles } from './kbs-bundle';
