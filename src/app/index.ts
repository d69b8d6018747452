// What an app's main.ts needs around the constructs: providers, key material, and the synth report.
export { collectAnnotations, synthAndReport } from './annotations';
export type { SynthAndReportOptions, SynthAnnotation } from './annotations';
export { configureAksProviders } from './aks-providers';
export type { AksProvidersOptions, KubeloginMode } from './aks-providers';
export { readKbsPublicMaterial } from './kbs-public-material';
export type { KbsPublicMaterial } from './kbs-public-material';
