import { App } from 'cdktf';
import { ClusterStack } from './cluster-stack';
import { InfraStack } from './infra-stack';
import { TrustStack } from './trust-stack';

/**
 * The reference deployment's three stacks: `infra` (the cluster's Azure resources), `trust` (the model owner's
 * KBS on a confidential VM, peered with the cluster VNet), then `cluster` (peer pods and the confidential
 * workloads). Deploy them in that order: `cdktf deploy infra trust cluster`.
 */
export function buildReferenceApp(app: App): { infra: InfraStack; trust: TrustStack; cluster: ClusterStack } {
  const infra = new InfraStack(app, 'infra');
  const trust = new TrustStack(app, 'trust', infra);
  const cluster = new ClusterStack(app, 'cluster', infra, trust);
  return { infra, trust, cluster };
}
