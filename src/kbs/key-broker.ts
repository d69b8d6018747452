import type { AgentPolicy } from '../attestation/agent-policy';
import { KbsEndpoint } from '../attestation/guest-config';
import { AzureTee } from '../attestation/reference-values';
import type { WorkloadExposure } from '../attestation/workload-exposure';
import { ResourcePath, ResourcePathLike } from '../attestation/resource-path';
import { ResourceSource } from '../attestation/resource-source';
import type { IPodVmImage } from '../azure/pod-vm-image';
import { IConstruct } from '../internal/cdktf';
import { ConstructInterface } from '../internal/validation';

/**
 * A workload a KBS can admit and release resources to. It carries its own identity: the PCR 8 of its initdata,
 * which the KBS makes a reference value and binds its resources to. `ConfidentialWorkload` implements it (and
 * so the workloads of `KeyManager` and `ConfidentialInference`).
 */
export interface IConfidentialWorkload extends IConstruct {
  /** `<namespace>/<name>` of its Deployment. */
  readonly workloadName: string;
  /** The PCR 8 its pod VMs report: the SHA-256 of its initdata. */
  readonly pcr8: string;
  /** The evidence types its pod VMs produce (from its instance size); empty for a non-confidential size. */
  readonly evidenceTypes: readonly AzureTee[];
  /** Its agent policy: what its pod VMs may run, for the trust report. @default - not reported */
  readonly agentPolicy?: AgentPolicy;
  /** The pod VM image its pods boot: the KBS must trust its measurements. @default - not checked */
  readonly podVmImage?: IPodVmImage;
  /** The ports its pod VMs accept connections on from outside them, for the trust report. @default - not reported */
  readonly exposure?: WorkloadExposure;
}

/** The mark of an `IConfidentialWorkload`: implementing constructs set it, and props that take one check it. */
export const CONFIDENTIAL_WORKLOAD = new ConstructInterface<IConfidentialWorkload>(
  'IConfidentialWorkload',
  'a ConfidentialWorkload (or the workload of a KeyManager or ConfidentialInference)',
);

/** Options of `IKeyBrokerService.declareResource`. */
export interface DeclareResourceOptions {
  /**
   * The only workload that may be granted the resource (e.g. the key manager's private key): granting it to
   * any other workload is a synth error.
   * @default - any workload may be granted it
   */
  readonly exclusiveTo?: IConfidentialWorkload;
}

/** What confidential workloads need of a Key Broker Service: `TrusteeVm`, `ExternalKbs` or the in-cluster `Trustee`. */
export interface IKeyBrokerService extends IConstruct {
  /** Where pod VMs reach the KBS, and the CA they pin (goes into initdata). */
  readonly kbsEndpoint: KbsEndpoint;
  /** Declares a resource and where its bytes come from (idempotent for the same source). */
  declareResource(resource: ResourcePathLike, source: ResourceSource, options?: DeclareResourceOptions): ResourcePath;
  /**
   * Admits `workload` (its PCR 8 becomes a reference value) and releases `resources` to it, and to no
   * workload they are not granted to. Call it again to grant more; each resource must be declared.
   */
  grantResources(workload: IConfidentialWorkload, ...resources: ReadonlyArray<ResourcePathLike>): void;
  /** The out-of-band command that writes a declared resource (admin API, or the Key Vault of a `TrusteeVm`). */
  setResourceCommand(resource: ResourcePathLike, resourceFile?: string): string;
}

/** The mark of an `IKeyBrokerService`: implementing constructs set it, and props that take one check it. */
export const KEY_BROKER = new ConstructInterface<IKeyBrokerService>('IKeyBrokerService', 'a TrusteeVm, an ExternalKbs or a Trustee');
