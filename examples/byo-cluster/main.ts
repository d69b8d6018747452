import { join } from 'node:path';
import { App } from 'cdktf';
import { SecurityBaseline, synthAndReport } from '../../src';
import { ByoClusterStack } from './byo-cluster-stack';

// `npm run synth:byo` writes cdktf.out.byo/stacks/byo/cdk.tf.json and the KBS bundle cdktf.out.byo/kbs-bundle/.
const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out.byo' });
const stack = new ByoClusterStack(app, 'byo');
SecurityBaseline.applyTo(app);
synthAndReport(app);
// What the model owner's KBS must be told (policies, reference values, apply.sh): review, then apply with its admin key.
stack.kbs.writeBundle(join(app.outdir, 'kbs-bundle'));
process.stdout.write(`wrote ${join(app.outdir, 'stacks', 'byo', 'cdk.tf.json')} and ${join(app.outdir, 'kbs-bundle')}/ (apply it to the KBS)\n`);
