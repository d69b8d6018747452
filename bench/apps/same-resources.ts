// The second floor: plain cdktf building the same resources as the reference app, with no library code. It
// loads the same provider modules, then replays the synthesized stacks (BENCH_STACKS: a JSON file of
// stack name -> cdk.tf.json) as generic resources, data sources and outputs, and synthesizes them. What the
// reference app costs above this is the library's own work (validation, rendering, policies).
import { readFileSync } from 'node:fs';
import { App, TerraformDataSource, TerraformOutput, TerraformResource, TerraformStack } from 'cdktf';

type Body = Record<string, unknown>;
type Blocks = Record<string, Record<string, Body>>;

for (const module of (process.env.BENCH_MODULES ?? '').split(',').filter(Boolean)) {
  require(module);
}
const stacks = JSON.parse(readFileSync(process.env.BENCH_STACKS!, 'utf8')) as Record<
  string,
  { resource?: Blocks; data?: Blocks; output?: Record<string, Body>; provider?: unknown }
>;
const app = new App();
for (const [name, json] of Object.entries(stacks)) {
  const stack = new TerraformStack(app, name);
  if (json.provider) stack.addOverride('provider', json.provider);
  const replay = (element: TerraformResource | TerraformDataSource, body: Body): void => {
    for (const [key, value] of Object.entries(body)) if (key !== '//') element.addOverride(key, value);
  };
  for (const [type, byId] of Object.entries(json.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) replay(new TerraformResource(stack, id, { terraformResourceType: type }), body);
  }
  for (const [type, byId] of Object.entries(json.data ?? {})) {
    for (const [id, body] of Object.entries(byId)) replay(new TerraformDataSource(stack, id, { terraformResourceType: type }), body);
  }
  for (const [id, body] of Object.entries(json.output ?? {})) new TerraformOutput(stack, id, { value: body.value });
}
app.synth();
