export * from './peer-pods-runtime';
export type { TrusteeProps } from './trustee-props';
export * from './trustee';
export * from './workload-namespace';
// The props types only: the zod schemas that parse them are internal.
export type {
  ConfidentialContainer,
  ConfidentialWorkloadProps,
  ImagePullSettings,
  KbsResourceSpec,
  ScratchVolume,
  WorkloadResource,
} from './confidential-workload-props';
export { WorkloadTls } from './workload-tls';
export type { ITlsUpstream, ServerTlsSettings, TlsClients, WorkloadTlsIdentity, WorkloadTlsProps, WorkloadTlsSettings } from './workload-tls';
export * from './confidential-workload';
export * from './key-manager';
export * from './confidential-inference';
export { Probe } from './probe';
export type { HttpProbeOptions, ProbeOptions, ServerProbes } from './probe';
