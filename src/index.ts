export * from './attestation';
export * from './azure';
export * from './kubernetes';
export * from './kbs';
export * from './aspects';
export * from './app';
export { VERSIONS } from './versions';
