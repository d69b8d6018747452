import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { SecurityBaseline, synthAndReport } from '../../src';
import { buildReferenceApp } from './app';

// The reference deployment (examples/reference/app.ts): deploy with `cdktf deploy infra trust cluster`.
const app = new App();
const { trust } = buildReferenceApp(app);
// Every violation of the security baseline fails synth (see docs/security.md).
SecurityBaseline.applyTo(app);
// Synthesizes and prints every warning and note the constructs attached (plain app.synth() prints none).
synthAndReport(app);
// Next to the stacks: who may receive which key, in words rather than rego.
writeFileSync(join(app.outdir, 'trust-report.md'), trust.kbs.trustReport());
process.stdout.write(`wrote ${join(app.outdir, 'stacks', '{infra,trust,cluster}', 'cdk.tf.json')} and ${join(app.outdir, 'trust-report.md')}\n`);
