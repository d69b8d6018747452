import { KbsEndpoint } from '../attestation/guest-config';
import { ResourcePath } from '../attestation/resource-path';
import { ResourceSource } from '../attestation/resource-source';
import { DeclareResourceOptions, RegisteredWorkload } from '../attestation/kbs-state';

/** What confidential workloads need of a Key Broker Service. */
export interface IKeyBrokerService {
  /** Where pod VMs reach the KBS, and the CA they pin (goes into initdata). */
  readonly kbsEndpoint: KbsEndpoint;
  /** Registers a workload's PCR 8, evidence types and needed resources. */
  registerWorkload(workload: RegisteredWorkload): void;
  /** Declares a resource and its source (idempotent for the same source); optionally reserved for one workload. */
  declareResource(resource: string | ResourcePath, source: ResourceSource, options?: DeclareResourceOptions): ResourcePath;
  /** The out-of-band command that writes a declared resource. */
  setResourceCommand(resource: string | ResourcePath, resourceFile?: string): string;
}
