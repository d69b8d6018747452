// The floor: load cdktf and exactly the provider resource modules the reference app uses (deep imports),
// then synthesize an empty stack. Anything the reference app costs above this is the library's overhead.
import { App, TerraformStack } from 'cdktf';

for (const module of (process.env.BENCH_MODULES ?? '').split(',').filter(Boolean)) {
  require(module);
}
const app = new App();
new TerraformStack(app, 'empty');
app.synth();
