// Constructs over the kubernetes and helm providers. The main entry exports what the README's API section lists.
export { PeerPodsRuntime } from './peer-pods-runtime';
export type { CertManagerOptions, IPeerPodsRuntime, PeerPodsRuntimeAttributes, PeerPodsRuntimeProps } from './peer-pods-runtime';
export { WorkloadNamespace } from './workload-namespace';
export type { WorkloadNamespaceProps } from './workload-namespace';
// The props types only: the schemas that parse them are internal.
export type {
  CommandLine,
  ConfidentialContainer,
  ConfidentialContainerOptions,
  ConfidentialWorkloadOptions,
  ConfidentialWorkloadProps,
  FromImageFacts,
  ImagePullSettings,
  KbsResourceSpec,
  PlainHttpInsecure,
  ScratchVolume,
  WithCommand,
  WithoutService,
  WithTls,
  WorkloadResource,
  WorkloadTransport,
} from './confidential-workload-props';
export { WorkloadTls } from './workload-tls';
export type { ITlsUpstream, ServerTlsSettings, TlsClients, WorkloadTlsIdentity, WorkloadTlsProps, WorkloadTlsSettings } from './workload-tls';
export { ConfidentialWorkload } from './confidential-workload';
export { KeyManager } from './key-manager';
export type { KeyManagerOptions, KeyManagerProps } from './key-manager';
export type { ServerTransport, ServerWorkloadCommonOptions, ServerWorkloadOptions } from './server-workload';
export { ConfidentialInference, ModelSource } from './confidential-inference';
export type {
  ConfidentialInferenceOptions,
  ConfidentialInferenceProps,
  DecryptFromImageFacts,
  DecryptWithCommand,
  EncryptedBlobOptions,
  EncryptedBlobProps,
  ModelSourceConfig,
} from './confidential-inference';
export { Probe } from './probe';
export type { HttpProbeOptions, ProbeOptions, ProbeTarget, RenderedProbe, ServerProbes } from './probe';
