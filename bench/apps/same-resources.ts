// The second floor: plain cdktf building the same resources as the reference app, with no library code. It
// loads the same provider modules, then replays the synthesized stacks (BENCH_STACKS: a JSON file of
// stack name -> cdk.tf.json) and synthesizes them. What the reference app costs above this is the library's
// own work (validation, rendering, policies).
//
// BENCH_REPLAY=typed (the default) builds each resource, data source and provider with its provider class,
// as a hand-written cdktf app does (test/bench/same-resources.test.ts checks that the replay synthesizes the
// same stacks). BENCH_REPLAY=generic builds them as generic TerraformResource overrides instead: cheaper
// than any real app, since it skips the provider classes' tokens and attribute mappers.
import { readFileSync } from 'node:fs';
import {
  App,
  LocalBackend,
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import { Construct } from 'constructs';

type Body = Record<string, unknown>;
type Blocks = Record<string, Record<string, Body>>;
interface StackJson {
  resource?: Blocks;
  data?: Blocks;
  output?: Record<string, Body>;
  variable?: Record<string, Body>;
  terraform?: { backend?: { local?: { path?: string } }; required_providers?: Body };
  provider?: Record<string, Body[]>;
}
type ElementClass = new (scope: Construct, id: string, config: Body) => TerraformElement;

const PACKAGES: Record<string, string> = {
  azurerm: '@cdktf/provider-azurerm',
  kubernetes: '@cdktf/provider-kubernetes',
  helm: '@cdktf/provider-helm',
};
// Meta-arguments are not part of a provider class's config; they are replayed as overrides.
const META = new Set(['depends_on', 'lifecycle', 'provider', 'count', 'for_each']);

const pascal = (words: string): string =>
  words
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The config object a provider class takes for a synthesized body: attribute and block names in camelCase. */
function config(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(config);
  if (typeof value !== 'object' || value === null) return value;
  // Map keys (tags, labels, annotations) keep their spelling: only Terraform identifiers are renamed.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [/^[a-z0-9_]+$/.test(k) ? camel(k) : k, config(v)]));
}

/** `azurerm_key_vault` -> KeyVault of `@cdktf/provider-azurerm/lib/key-vault`; data sources as DataAzurerm... */
function providerClass(type: string, data: boolean): ElementClass {
  const [provider, ...rest] = type.split('_');
  const name = data ? `data_${type}` : rest.join('_');
  const module = require(`${PACKAGES[provider]}/lib/${name.replace(/_/g, '-')}`) as Record<string, ElementClass>;
  return module[pascal(name)];
}

function replayTyped(stack: TerraformStack, json: StackJson): void {
  for (const [provider, configs] of Object.entries(json.provider ?? {})) {
    const className = provider === 'azurerm' ? 'AzurermProvider' : `${pascal(provider)}Provider`;
    const Provider = (require(`${PACKAGES[provider]}/lib/provider`) as Record<string, ElementClass>)[className];
    configs.forEach((c, i) => new Provider(stack, `${provider}${i}`, config(c) as Body));
  }
  for (const [kind, blocks] of [
    ['resource', json.resource],
    ['data', json.data],
  ] as const) {
    for (const [type, byId] of Object.entries(blocks ?? {})) {
      // terraform_remote_state is cdktf's own; it has no provider class.
      const Element = type === 'terraform_remote_state' ? undefined : providerClass(type, kind === 'data');
      for (const [id, body] of Object.entries(byId)) {
        const attributes = Object.fromEntries(Object.entries(body).filter(([k]) => !META.has(k) && k !== '//'));
        const element = Element
          ? new Element(stack, id, config(attributes) as Body)
          : new TerraformDataSource(stack, id, { terraformResourceType: type });
        const overrides = Element ? Object.entries(body).filter(([k]) => META.has(k)) : Object.entries(body).filter(([k]) => k !== '//');
        for (const [key, value] of overrides) element.addOverride(key, value);
      }
    }
  }
}

function replayGeneric(stack: TerraformStack, json: StackJson): void {
  if (json.provider) stack.addOverride('provider', json.provider);
  if (json.terraform?.required_providers) stack.addOverride('terraform.required_providers', json.terraform.required_providers);
  const replay = (element: TerraformResource | TerraformDataSource, body: Body): void => {
    for (const [key, value] of Object.entries(body)) if (key !== '//') element.addOverride(key, value);
  };
  for (const [type, byId] of Object.entries(json.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) replay(new TerraformResource(stack, id, { terraformResourceType: type }), body);
  }
  for (const [type, byId] of Object.entries(json.data ?? {})) {
    for (const [id, body] of Object.entries(byId)) replay(new TerraformDataSource(stack, id, { terraformResourceType: type }), body);
  }
}

/** Builds the replay of `stacks` in `app`. */
export function replay(app: App, stacks: Record<string, StackJson>, mode: 'typed' | 'generic'): void {
  for (const [name, json] of Object.entries(stacks)) {
    const stack = new TerraformStack(app, name);
    if (json.terraform?.backend?.local) new LocalBackend(stack, json.terraform.backend.local);
    for (const [id, body] of Object.entries(json.variable ?? {})) new TerraformVariable(stack, id, body);
    (mode === 'typed' ? replayTyped : replayGeneric)(stack, json);
    for (const [id, body] of Object.entries(json.output ?? {})) new TerraformOutput(stack, id, body as { value: unknown });
  }
}

if (require.main === module) {
  for (const module of (process.env.BENCH_MODULES ?? '').split(',').filter(Boolean)) {
    require(module);
  }
  const stacks = JSON.parse(readFileSync(process.env.BENCH_STACKS!, 'utf8')) as Record<string, StackJson>;
  const app = new App();
  replay(app, stacks, process.env.BENCH_REPLAY === 'generic' ? 'generic' : 'typed');
  app.synth();
}
