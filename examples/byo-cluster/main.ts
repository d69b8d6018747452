import { App } from 'cdktf';
import { SecurityBaseline, synthAndReport } from '../../src';
import { ByoClusterStack } from './byo-cluster-stack';

// `npm run synth:byo` writes cdktf.out.byo/stacks/byo/cdk.tf.json.
const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? 'cdktf.out.byo' });
new ByoClusterStack(app, 'byo');
SecurityBaseline.applyTo(app);
synthAndReport(app);
