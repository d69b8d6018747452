import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';

/** The synthesized Terraform JSON of a stack. */
export interface Synthesized {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
}

/** Builds a stack in a fresh test app, synthesizes it with validations, and parses the JSON. */
export function synth(build: (stack: TerraformStack) => void): Synthesized {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  // The app, not the library, configures providers: the tests play the app.
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  new KubernetesProvider(stack, 'kubernetes', {});
  new HelmProvider(stack, 'helm', {});
  build(stack);
  return JSON.parse(Testing.synth(stack, true)) as Synthesized;
}

/**
 * Synthesizes a whole app the way `cdktf synth` does (cross-stack references become remote state and
 * outputs, which `Testing.synth` of one stack does not do) and returns each stack's cdk.tf.json text.
 */
export function synthApp(build: (app: App) => void): Record<string, string> {
  const app = Testing.app();
  build(app);
  app.synth();
  const out: Record<string, string> = {};
  for (const stack of readdirSync(join(app.outdir, 'stacks')).sort()) {
    out[stack] = readFileSync(join(app.outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
  }
  return out;
}

/** All resources of one Terraform type, by logical id. */
export function resourcesOf(json: Synthesized, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The only resource of a type whose logical id contains `idPart` (or matches it, for a RegExp). */
export function resourceOf(json: Synthesized, type: string, idPart: string | RegExp = ''): Record<string, unknown> {
  const matches = Object.entries(resourcesOf(json, type)).filter(([id]) => (typeof idPart === 'string' ? id.includes(idPart) : idPart.test(id)));
  if (matches.length !== 1) throw new Error(`expected one ${type} matching "${idPart}", found ${matches.map(([id]) => id).join(', ') || 'none'}`);
  return matches[0][1];
}

/** A fresh stack, for tests that expect a constructor to throw. */
export function emptyStack(): Construct {
  return new TerraformStack(Testing.app(), 'test');
}
