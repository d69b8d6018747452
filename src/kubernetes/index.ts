export * from './peer-pods-runtime';
export type { TrusteeProps } from './trustee-props';
export * from './trustee';
export * from './workload-namespace';
// The props types only: the zod schemas that parse them are internal.
export type { ConfidentialContainer, ConfidentialWorkloadProps, ITlsUpstream, ImagePullSettings, KbsResourceSpec, ScratchVolume, ServerTlsSettings, TlsClients, WorkloadResource, WorkloadTlsSettings } from './confidential-workload-props';
export * from './workload-tls';
export * from './confidential-workload';
export * from './key-manager';
export * from './confidential-inference';
export { Probe } from './probe';
export type { HttpProbeOptions, ProbeOptions, ServerProbes } from './probe';
