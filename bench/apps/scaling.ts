// The reference app with BENCH_WORKLOADS generated confidential workloads added to its cluster stack.
import { createHash } from 'node:crypto';
import { App } from 'cdktf';
import { buildReferenceApp } from '../../examples/reference/app';
import { ConfidentialWorkload, ResourceSource, SecurityBaseline } from '../../src';

const count = Number(process.env.BENCH_WORKLOADS ?? 1);
const app = new App();
const { cluster, trust } = buildReferenceApp(app);
for (let i = 0; i < count; i++) {
  const digest = createHash('sha256').update(`workload-${i}`).digest('hex');
  const resource = trust.kbs.declareResource(`kbs:///bench/workload-${i}/key`, ResourceSource.outOfBand());
  new ConfidentialWorkload(cluster, `Bench${i}`, {
    runtime: cluster.runtime,
    kbs: trust.kbs,
    name: `bench-${i}`,
    namespace: 'bench',
    containers: [{ name: 'app', image: `confidentialai.azurecr.io/bench/app-${i}@sha256:${digest}`, command: ['/app/server'], runAsUser: 1000 }],
    resources: [resource],
  });
}
SecurityBaseline.applyTo(app);
app.synth();
