export * from './attestation';
export * from './azure';
export { ConstructValidationError } from './internal/validation';
export { VERSIONS } from './versions';
