export * from './attestation';
export * from './azure';
export * from './kubernetes';
export * from './kbs';
export * from './aspects';
export * from './app';
export { ConstructValidationError } from './internal/validation';
export { VERSIONS } from './versions';
