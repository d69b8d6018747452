// The attestation core: pure functions over bytes, no cdktf. Constructs call these and place the results.
// Internal helpers (errors' check/show, tokens, encoding, ...) are imported by path, not exported here.
export { AttestationInputError, ConstructValidationError } from './errors';
export type { Field, InputOwner } from './errors';
export * from './resource-path';
export * from './guest-config';
export { imageDigest, isPinnedImage, requirePinnedImage } from './image-reference';
export { ImageFacts, POD_VM_PLATFORM } from './image-facts';
export type { ImageFactsFiles } from './image-facts';
export { MAX_DEPLOYMENT_NAME } from './pod-spec';
export type { PodContainer, PodSpec } from './pod-spec';
export * from './agent-policy';
export * from './initdata';
export * from './reference-values';
export * from './attestation-policy';
export { renderResourcePolicy } from './resource-policy';
export type { ResourceBinding } from './resource-policy';
export * from './kbs-config';
export * from './kbs-defaults';
export * from './storage-layout';
export * from './resource-source';
export * from './kbs-state';
export * from './trust-report';
export * from './kbs-bundle';
