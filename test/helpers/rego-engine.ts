import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The Rego engine that enforces the policies this library renders: regorus, as Trustee v0.21.0 and the kata
 * agent run it, behind the `rego-eval` command line. Found through `REGO_EVAL`, else `../shared/tools/rego-eval`
 * beside the repository. Without one, engine-backed suites skip and say why; with `REQUIRE_REGO_EVAL=1`
 * (CI) a missing engine fails them instead.
 */
export const REGO_EVAL: string | undefined = (() => {
  const configured = process.env.REGO_EVAL;
  if (configured) return existsSync(configured) ? resolve(configured) : undefined;
  const beside = resolve(__dirname, '../../../shared/tools/rego-eval');
  return existsSync(beside) ? beside : undefined;
})();

const MISSING =
  'no Rego engine: set REGO_EVAL to a rego-eval (regorus) binary, or place one at ../shared/tools/rego-eval; ' +
  'the policies are tested only by evaluating them';

if (!REGO_EVAL && process.env.REQUIRE_REGO_EVAL === '1') {
  throw new Error(`${MISSING} (REQUIRE_REGO_EVAL=1)`);
}

/**
 * `describe` when the engine exists. Without one the body is not run at all (jest runs a skipped describe's body
 * to collect its tests, and a body may evaluate policies while collecting): the suite becomes one skipped test
 * whose name says why, and one line on standard error says the same.
 */
export function describeWithEngine(name: string, body: () => void): void {
  if (REGO_EVAL) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    test.skip(`[skipped: ${MISSING}]`, () => undefined);
  });
  process.stderr.write(`skipped "${name}": no Rego engine (see docs/testing.md)\n`);
}

let workdir: string | undefined;

/** Writes `text` once per content into a temporary folder and returns its path (the engine reads files only). */
function fileFor(text: string, suffix: string): string {
  workdir ??= mkdtempSync(join(tmpdir(), 'rego-eval-'));
  const path = join(workdir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}${suffix}`);
  if (!existsSync(path)) {
    mkdirSync(workdir, { recursive: true });
    writeFileSync(path, text);
  }
  return path;
}

/** Options of one evaluation. */
export interface EvalOptions {
  /** The `data` document; omitted: none. */
  readonly data?: unknown;
  /** Reference values served by `query_reference_value(id)`, as the attestation service does. */
  readonly referenceValues?: Record<string, unknown>;
  /** Builtin errors make an expression undefined instead of failing (the kata agent's mode). */
  readonly nonStrict?: boolean;
  /** Evaluate a query with `eval_query` and return regorus' QueryResults. */
  readonly query?: boolean;
}

/** Runs the engine once; returns its parsed JSON output, or throws with its stderr when it exits non-zero. */
export function regoEval(policy: string, input: unknown, queries: readonly string[], options: EvalOptions = {}): unknown {
  if (!REGO_EVAL) throw new Error(MISSING);
  const args: string[] = [];
  if (options.referenceValues) args.push('--rv', fileFor(JSON.stringify(options.referenceValues), '.rv.json'));
  if (options.query) args.push('--query');
  if (options.nonStrict) args.push('--non-strict');
  args.push(
    fileFor(policy, '.rego'),
    fileFor(JSON.stringify(input), '.input.json'),
    options.data === undefined ? '-' : fileFor(JSON.stringify(options.data), '.data.json'),
    ...queries,
  );
  const run = spawnSync(REGO_EVAL, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`rego-eval exited ${run.status}: ${run.stderr.trim()}`);
  return JSON.parse(run.stdout);
}

interface QueryResults {
  readonly result?: ReadonlyArray<{ readonly expressions?: ReadonlyArray<{ readonly value?: unknown }> }>;
}

/** The kata agent's policy state (`data.pstate`), which a policy changes through the `ops` of an allowed request. */
export type PolicyState = Readonly<Record<string, unknown>>;

/**
 * Decides one request the way the kata agent 4.0.0 does (src/agent/policy/src/policy.rs `allow_request`):
 * query `data.agent_policy.<Request>` with non-strict builtin errors and `data = {"pstate": <state>}`; allowed
 * only when there is exactly one result with one expression whose value is `true`, or an object whose `allowed`
 * is `true`. No result (an undefined rule, or a request the policy does not name) is a denial. The `ops` of an
 * allowed object (RFC 6902 on the data document) give the next state; a patch that does not apply is the
 * agent's internal error, thrown here.
 */
export function agentDecide(policy: string, request: string, input: unknown, pstate: PolicyState = {}): { allowed: boolean; pstate: PolicyState } {
  const out = regoEval(policy, input, [`data.agent_policy.${request}`], { query: true, nonStrict: true, data: { pstate } }) as QueryResults;
  const results = out.result ?? [];
  if (results.length !== 1 || results[0].expressions?.length !== 1) return { allowed: false, pstate };
  const value = results[0].expressions[0].value;
  if (value === true) return { allowed: true, pstate };
  if (typeof value !== 'object' || value === null || (value as { allowed?: unknown }).allowed !== true) return { allowed: false, pstate };
  return { allowed: true, pstate: applyOps(pstate, (value as { ops?: unknown }).ops ?? []) };
}

/** True when the agent would allow `request` in state `pstate` (see agentDecide). */
export function agentAllows(policy: string, request: string, input: unknown, pstate: PolicyState = {}): boolean {
  return agentDecide(policy, request, input, pstate).allowed;
}

/** Applies RFC 6902 `add` and `remove` ops on `/pstate/<key>` (the forms kata's policies use) to the state. */
function applyOps(pstate: PolicyState, ops: unknown): PolicyState {
  if (!Array.isArray(ops)) throw new Error(`ops must be a JSON Patch array, got ${JSON.stringify(ops)}`);
  const next: Record<string, unknown> = { ...pstate };
  for (const op of ops as Array<{ op?: unknown; path?: unknown; value?: unknown }>) {
    const key = typeof op.path === 'string' ? /^\/pstate\/([^/]+)$/.exec(op.path)?.[1] : undefined;
    if (key === undefined) throw new Error(`unsupported patch path ${JSON.stringify(op.path)}`);
    if (op.op === 'add') next[key] = op.value;
    else if (op.op === 'remove' && key in next) delete next[key];
    else throw new Error(`patch op ${JSON.stringify(op)} does not apply to ${JSON.stringify(pstate)}`);
  }
  return next;
}
