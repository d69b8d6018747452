// The second floor: plain cdktf building the same resources as the reference app, with no library code. It
// loads the same provider modules, then replays the synthesized stacks (BENCH_STACKS: a JSON file of
// stack name -> cdk.tf.json) and synthesizes them. What the reference app costs above this is the library's
// own work (validation, rendering, policies).
//
// BENCH_REPLAY=typed (the default) builds each resource, data source and provider with its provider class,
// as a hand-written cdktf app does (test/bench/same-resources.test.ts checks that the replay synthesizes the
// same stacks). References are tokens, as such an app writes them: `${azurerm_subnet.X.id}` becomes the
// subnet's `id` attribute, `${var.x}` the variable's value, `${base64decode(<reference>)}` and
// `${yamlencode({...})}` `Fn` calls on tokens, and a reference through another stack's remote state the
// producing element's attribute, so that cdktf generates and resolves the cross-stack outputs and
// remote-state data sources itself, as it does for any multi-stack app. Strings with text around an
// interpolation (`/subscriptions/${...}`), and expressions that are not references, stay literal.
// BENCH_REPLAY=generic builds them as generic TerraformResource overrides instead, every string literal,
// cdktf's cross-stack plumbing included: cheaper than any real app, since it skips the provider classes'
// tokens and attribute mappers and cdktf's reference resolution.
import { readFileSync } from 'node:fs';
import {
  App,
  Fn,
  LocalBackend,
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import { Construct } from 'constructs';
import { Hole, container, parseArgument } from './hcl-argument';

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
// cdktf's names for the plumbing it generates for a cross-stack token (TerraformStack.registerIncoming/
// OutgoingCrossStackReference): the typed replay leaves both to cdktf.
const REMOTE_STATE_INPUT = 'cross-stack-reference-input-';
const CROSS_STACK_OUTPUT = 'cross-stack-output-';

const pascal = (words: string): string =>
  words
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
const camel = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The config object a provider class takes for a synthesized body: attribute and block names in camelCase
 * (`rename`). Each string that starts an interpolation is recorded in `holes`, for the typed replay to put
 * its token there afterwards, in a flat loop: cdktf captures a full stack trace for every token it creates,
 * so creating them deep inside this recursion would make them dearer than in a hand-written app.
 */
function config(body: unknown, holes?: Hole[], rename = true): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const copy = container(Array.isArray(body));
  for (const [k, v] of Object.entries(body)) {
    // Map keys (tags, labels, annotations) keep their spelling: only Terraform identifiers are renamed.
    const key = Array.isArray(body) ? Number(k) : rename && /^[a-z0-9_]+$/.test(k) ? camel(k) : k;
    copy[key] = config(v, holes, rename);
    if (holes && typeof v === 'string' && v.startsWith('${')) holes.push([copy, key, v]);
  }
  return copy;
}

/** `azurerm_key_vault` -> KeyVault of `@cdktf/provider-azurerm/lib/key-vault`; data sources as DataAzurerm... */
function providerClass(type: string, data: boolean): ElementClass {
  const [provider, ...rest] = type.split('_');
  const name = data ? `data_${type}` : rest.join('_');
  const module = require(`${PACKAGES[provider]}/lib/${name.replace(/_/g, '-')}`) as Record<string, ElementClass>;
  return module[pascal(name)];
}

/** A stack replayed with tokens: what its Terraform expressions resolve to, for itself and for the stacks reading its outputs. */
interface TypedStack {
  readonly json: StackJson;
  /** The token for a Terraform expression (without `${}`), or undefined when it is not a reference replayed as one. */
  readonly reference: (expression: string) => unknown;
}

// `azurerm_subnet.Net_ABC.id`, `data.azurerm_kubernetes_cluster.Aks.kube_config[0].host`: an element's address, then its attribute path.
const ELEMENT_REFERENCE = /^((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+(?:\[\d+\]|\.[a-z0-9_]+)*)$/;
const VARIABLE_REFERENCE = /^var\.([A-Za-z0-9_-]+)$/;
const REMOTE_STATE_REFERENCE = new RegExp(`^data\\.terraform_remote_state\\.${REMOTE_STATE_INPUT}(.+)\\.outputs\\.([A-Za-z0-9_-]+)$`);
const FUNCTION_CALL = /^([a-z0-9_]+)\((.*)\)$/s;

/** The value a hand-written app passes for a variable of this Terraform type. */
function variableValue(variable: TerraformVariable, type: unknown): unknown {
  if (typeof type !== 'string' || type === 'string') return variable.stringValue;
  if (/^(list|set|tuple)\(/.test(type)) return variable.listValue;
  if (type === 'number') return variable.numberValue;
  if (type === 'bool') return variable.booleanValue;
  return variable.value;
}

/** Element addresses, each after the elements its body references: a token needs its element to exist. */
function dependencyOrder(bodies: Map<string, Body>): string[] {
  const ordered = new Set<string>();
  const visiting = new Set<string>();
  const visit = (address: string): void => {
    if (ordered.has(address)) return;
    if (visiting.has(address)) throw new Error(`reference cycle through ${address}`);
    visiting.add(address);
    // Anything shaped like an address is a candidate; only the stack's own elements count.
    for (const [, used] of JSON.stringify(bodies.get(address)).matchAll(/(?<![\w.-])((?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)\./g)) {
      if (used !== address && bodies.has(used)) visit(used);
    }
    ordered.add(address);
  };
  for (const address of bodies.keys()) visit(address);
  return [...ordered];
}

function replayTyped(
  stack: TerraformStack,
  json: StackJson,
  variables: Map<string, TerraformVariable>,
  replayed: Map<string, TypedStack>,
): TypedStack {
  const specs = new Map<string, { type: string; id: string; data: boolean }>();
  const bodies = new Map<string, Body>();
  for (const [kind, blocks] of [
    ['resource', json.resource],
    ['data', json.data],
  ] as const) {
    for (const [type, byId] of Object.entries(blocks ?? {})) {
      for (const [id, body] of Object.entries(byId)) {
        // cdktf generates the remote state of a stack whose tokens this one reads.
        if (type === 'terraform_remote_state' && id.startsWith(REMOTE_STATE_INPUT)) continue;
        const address = `${kind === 'data' ? 'data.' : ''}${type}.${id}`;
        specs.set(address, { type, id, data: kind === 'data' });
        bodies.set(address, body);
      }
    }
  }
  const elements = new Map<string, TerraformElement>();

  const reference = (expression: string): unknown => {
    const variable = VARIABLE_REFERENCE.exec(expression);
    if (variable) {
      const replayedVariable = variables.get(variable[1]);
      return replayedVariable && variableValue(replayedVariable, json.variable?.[variable[1]]?.type);
    }
    // The producing stack's output names the element: the consumer gets that element's token, and cdktf
    // turns it back into an output and a remote-state read.
    const remote = REMOTE_STATE_REFERENCE.exec(expression);
    if (remote) {
      const producer = replayed.get(remote[1]);
      const target = /^\$\{(.*)\}$/s.exec(String(producer?.json.output?.[remote[2]]?.value ?? ''));
      return target ? producer?.reference(target[1]) : undefined;
    }
    const attribute = ELEMENT_REFERENCE.exec(expression);
    const target = attribute ? elements.get(attribute[1]) : undefined;
    // getStringAttribute is Token.asString(interpolationForAttribute(path)), what the classes' getters return.
    return attribute && (target instanceof TerraformResource || target instanceof TerraformDataSource)
      ? target.getStringAttribute(attribute[2])
      : undefined;
  };

  // A string that is exactly one interpolation of a reference, or of a function call on references, becomes
  // a token; anything else (text around an interpolation, `${terraform.workspace}`) stays literal.
  const value = (text: string): unknown => {
    const interpolation = /^\$\{(.*)\}$/s.exec(text);
    if (!interpolation || interpolation[1].includes('${')) return text;
    const token = reference(interpolation[1]);
    if (token !== undefined) return token;
    // A function call whose argument parses becomes the `Fn` call a hand-written app makes: on a single
    // reference (`base64decode(data.azurerm_kubernetes_cluster.Aks.kube_config[0].cluster_ca_certificate)`),
    // and also on an object literal (the chart values' `yamlencode({...})`): that one holds cross-stack
    // references, and cdktf only generates their outputs and remote-state read from tokens, so as a literal
    // it could not synthesize the same stacks.
    const call = FUNCTION_CALL.exec(interpolation[1]);
    const fn = call ? (Fn as unknown as Record<string, ((arg: unknown) => string) | undefined>)[call[1]] : undefined;
    if (!call || typeof fn !== 'function') return text;
    const holes: Hole[] = [];
    const parsed = parseArgument(call[2], holes);
    const tokens = parsed ? holes.map(([, , word]) => reference(word)) : [undefined];
    if (!parsed || tokens.includes(undefined)) return text;
    holes.forEach(([into, key], i) => (into[key] = tokens[i]));
    return fn.call(Fn, parsed.argument);
  };

  /** A config with its interpolations replaced by tokens (see `config` for why in a loop of their own). */
  const build = (body: unknown, rename = true): Body => {
    const holes: Hole[] = [];
    const built = config(body, holes, rename) as Body;
    for (const [into, key, text] of holes) into[key] = value(text);
    return built;
  };

  // Each element is created after the elements it references, as a hand-written app orders them (the
  // provider classes take their config in the constructor); the synthesized JSON does not depend on the
  // order (cdktf writes it with sorted keys).
  for (const address of dependencyOrder(bodies)) {
    const { type, id, data } = specs.get(address)!;
    const body = bodies.get(address)!;
    // terraform_remote_state is cdktf's own; it has no provider class. Its body is replayed literally.
    const Element = type === 'terraform_remote_state' ? undefined : providerClass(type, data);
    const attributes = Object.fromEntries(Object.entries(body).filter(([k]) => !META.has(k) && k !== '//'));
    const element = Element ? new Element(stack, id, build(attributes)) : new TerraformDataSource(stack, id, { terraformResourceType: type });
    const overrides = Element ? Object.entries(body).filter(([k]) => META.has(k)) : Object.entries(body).filter(([k]) => k !== '//');
    for (const [key, override] of overrides) element.addOverride(key, override);
    elements.set(address, element);
  }
  for (const [provider, configs] of Object.entries(json.provider ?? {})) {
    const className = provider === 'azurerm' ? 'AzurermProvider' : `${pascal(provider)}Provider`;
    const Provider = (require(`${PACKAGES[provider]}/lib/provider`) as Record<string, ElementClass>)[className];
    configs.forEach((c, i) => new Provider(stack, `${provider}${i}`, build(c)));
  }
  for (const [id, body] of Object.entries(json.output ?? {})) {
    // cdktf generates an output for each element attribute another stack's tokens read.
    if (!id.startsWith(CROSS_STACK_OUTPUT)) new TerraformOutput(stack, id, build(body, false) as { value: unknown });
  }
  return { json, reference };
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
  for (const [id, body] of Object.entries(json.output ?? {})) new TerraformOutput(stack, id, body as { value: unknown });
}

/** Stack names, each after the stacks whose remote state it reads: a token needs its element to exist. */
function producersFirst(stacks: Record<string, StackJson>): string[] {
  const ordered: string[] = [];
  const visit = (name: string): void => {
    if (ordered.includes(name)) return;
    for (const input of Object.keys(stacks[name].data?.terraform_remote_state ?? {})) {
      const producer = input.startsWith(REMOTE_STATE_INPUT) ? input.slice(REMOTE_STATE_INPUT.length) : undefined;
      if (producer && producer !== name && stacks[producer]) visit(producer);
    }
    ordered.push(name);
  };
  Object.keys(stacks).forEach(visit);
  return ordered;
}

/** Builds the replay of `stacks` in `app`. */
export function replay(app: App, stacks: Record<string, StackJson>, mode: 'typed' | 'generic'): void {
  const replayed = new Map<string, TypedStack>();
  for (const name of mode === 'typed' ? producersFirst(stacks) : Object.keys(stacks)) {
    const json = stacks[name];
    const stack = new TerraformStack(app, name);
    if (json.terraform?.backend?.local) new LocalBackend(stack, json.terraform.backend.local);
    const variables = new Map(Object.entries(json.variable ?? {}).map(([id, body]) => [id, new TerraformVariable(stack, id, body)]));
    if (mode === 'typed') replayed.set(name, replayTyped(stack, json, variables, replayed));
    else replayGeneric(stack, json);
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
