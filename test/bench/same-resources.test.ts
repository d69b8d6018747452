import { App, TerraformElement, TerraformStack, Testing, Token } from 'cdktf';
import { buildReferenceApp } from '../../examples/reference/app';
import { replay } from '../../bench/apps/same-resources';
import { synthApp } from '../helpers/synth';

/** A stack's JSON text without cdktf's metadata (`//`): what Terraform reads, keys in cdktf's (sorted) order. */
function terraformView(text: string): string {
  return JSON.stringify(
    JSON.parse(text, (key, value: unknown) => (key === '//' ? undefined : value)),
    null,
    2,
  );
}

/** Every string in a value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  return typeof value === 'object' && value !== null ? Object.values(value).flatMap(strings) : [];
}

/** Every Terraform element of an app: resources, data sources, providers, variables, outputs, backends. */
function elements(app: App): TerraformElement[] {
  return app.node.findAll().filter((c): c is TerraformElement => c instanceof TerraformElement);
}

/** `<stack>/<Terraform name>` of each cross-stack output and remote-state data source in an app. */
function crossStackPlumbing(app: App): string[] {
  return elements(app)
    .map((element) => `${TerraformStack.of(element).node.id}/${element.friendlyUniqueId}`)
    .filter((name) => /\/cross-stack-(output|reference-input)-/.test(name))
    .sort();
}

describe("the bench's same-resources floor", () => {
  const reference = synthApp((app) => void buildReferenceApp(app));
  const stacks = Object.fromEntries(Object.entries(reference).map(([name, text]) => [name, JSON.parse(text)]));

  test.each(['typed', 'generic'] as const)('GIVEN the synthesized reference app WHEN replayed %s THEN it synthesizes the same stacks', (mode) => {
    const replayed = synthApp((app) => replay(app, stacks, mode));
    expect(Object.keys(replayed)).toEqual(Object.keys(reference));
    for (const name of Object.keys(reference)) {
      expect(terraformView(replayed[name])).toBe(terraformView(reference[name]));
    }
  });

  test('GIVEN the typed replay THEN its references are tokens, and cdktf generates the cross-stack outputs and remote state from them', () => {
    const app = Testing.app();
    replay(app, stacks, 'typed');
    // Before synth: a string that is exactly one interpolation is a token, unless it is not a reference
    // (none such in the reference app); only text around interpolations stays literal.
    const configs = elements(app).flatMap((element) => strings(element.toTerraform()));
    expect(configs.filter((s) => Token.isUnresolved(s)).length).toBeGreaterThan(0);
    expect(configs.filter((s) => !Token.isUnresolved(s) && /^\$\{.*\}$/s.test(s))).toEqual([]);
    expect(crossStackPlumbing(app)).toEqual([]);

    app.synth();
    // The reference stacks hold the same plumbing, which the first test compares byte for byte.
    const plumbing = Object.entries(stacks).flatMap(([name, json]) =>
      [...Object.keys(json.output ?? {}), ...Object.keys(json.data?.terraform_remote_state ?? {})]
        .filter((id) => id.startsWith('cross-stack-'))
        .map((id) => `${name}/${id}`),
    );
    expect(plumbing.length).toBeGreaterThan(0);
    expect(crossStackPlumbing(app)).toEqual(plumbing.sort());
  });
});
