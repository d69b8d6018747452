import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { SecurityBaseline, synthAndReport } from '../../src';
import { ClusterStack } from './cluster-stack';
import { InfraStack } from './infra-stack';

// The reference deployment: `infra` (Azure), then `cluster` (peer pods and Trustee on that cluster).
// Deploy both in order with `cdktf deploy infra cluster`.
const app = new App();
const infra = new InfraStack(app, 'infra');
const cluster = new ClusterStack(app, 'cluster', infra);
// Every violation of the security baseline fails synth (see docs/security.md).
SecurityBaseline.applyTo(app);
// Synthesizes and prints every warning and note the constructs attached (plain app.synth() prints none).
synthAndReport(app);
// Next to the stacks: who may receive which key, in words rather than rego.
writeFileSync(join(app.outdir, 'trust-report.md'), cluster.trustee.trustReport());
