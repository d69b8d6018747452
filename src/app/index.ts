// What an app's main.ts needs around the constructs: providers, key material, and the synth report.
export * from './annotations';
export * from './aks-providers';
export * from './kbs-public-material';
