// The attestation core: pure functions over bytes, no cdktf. Constructs call these and place the results.
export * from './errors';
export * from './tokens';
export * from './encoding';
export * from './resource-path';
export * from './guest-config';
export * from './image-reference';
export * from './image-facts';
export * from './pod-spec';
export * from './agent-policy';
export * from './initdata';
export * from './reference-values';
export * from './attestation-policy';
export * from './resource-policy';
export * from './kbs-config';
export * from './kbs-defaults';
export * from './storage-layout';
