// Valibot helpers shared by the pure core and the constructs' props schemas: one message per kind of problem.
import * as v from 'valibot';
import { secretRefusal } from './pem';
import { secretKind, secretPlaceholder } from './secrets';
import { showValue } from './errors';

/** A schema that parses unknown input into a `T`. */
export type Schema<T> = v.GenericSchema<unknown, T>;

/** An integer from `min` to `max`; `message` replaces the message every check of it gives. */
export function int(min: number, max: number, message = `must be a whole number from ${min} to ${max}`) {
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/** A whole number of at least `min`. */
export function intAtLeast(min: number, message = `must be a whole number of at least ${min}`) {
  return v.pipe(v.number(message), v.integer(message), v.minValue(min, message));
}

/** A string. */
export function str(message = 'must be a string') {
  return v.string(message);
}

/** true or false. */
export function bool(message = 'must be true or false') {
  return v.boolean(message);
}

/** A string or array that is not empty. */
export function nonEmpty<T extends string | unknown[]>(message = 'must not be empty') {
  return v.minLength<T, 1, string>(1, message);
}

/** An array of `item`. */
export function list<const T extends v.GenericSchema>(item: T, message = 'must be an array') {
  return v.array(item, message);
}

/**
 * The attributes an import takes (`fromXxxAttributes`): an object whose other keys are left alone, since the value may
 * be another construct that carries more than the attributes; `parseProps` still refuses an unknown key of a plain
 * object.
 */
export function attributesObject<const E extends v.ObjectEntries>(entries: E, message = 'must be an object') {
  return v.object(entries, message);
}

/** An object of string values, such as tags. */
export function stringMap(message = 'must be an object of string values, e.g. { team: "ml" }') {
  return v.record(str('must be a string key'), str('must be a string'), message);
}

/** One of `options`, which the message lists. */
export function oneOf<const T extends readonly string[]>(options: T, message = `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`) {
  return v.picklist(options, message);
}

/**
 * A strict object: a key the schema does not know is refused (a typo must not become a silently ignored
 * setting), with a message that says so and names the nearest known key.
 */
export function strictObject<const E extends v.ObjectEntries>(entries: E, message = 'must be an object') {
  const known = Object.keys(entries);
  return v.strictObject(entries, (issue) => (issue.expected === 'never' ? unknownKeyMessage(String(issue.input), known) : message));
}

/** `is not a known key; did you mean "replicas"?`, or the known keys when none is near. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const near = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)) || k.toLowerCase().startsWith(key.toLowerCase()))
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1))[0];
  if (near) return `is not a known key; did you mean "${near.k}"?`;
  return `is not a known key; check its spelling (known keys: ${[...known].sort().join(', ')})`;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The first issue of a failed parse: its path keys (empty for the root; `formatPath` writes them), its message, and whether the message
 * stands without the value (only "is required": there is none to show). A missing value reads "is required", with the
 * requirement when the schema states one ("must ..."); a union none of whose options took the value reports the
 * first option that got into the value (its problem is more precise than the union's list of choices).
 */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): { path: Array<string | number>; message: string; showsValue: boolean } {
  let issue = issues[0];
  const path = (issue.path ?? []).map(pathKey);
  // A union's option issues carry paths relative to the union's value.
  for (;;) {
    const deepest = issue.type === 'union' ? (issue.issues ?? []).find((i) => (i.path?.length ?? 0) > 0) : undefined;
    if (!deepest) break;
    path.push(...(deepest.path ?? []).map(pathKey));
    issue = deepest;
  }
  if (issue.input === undefined && issue.kind === 'schema')
    return { path, message: issue.message.startsWith('must ') ? `is required; it ${issue.message}` : 'is required', showsValue: true };
  // The library's messages state the requirement and the fix, never the value: the caller adds it, through show().
  // A check over a whole value (rawCheck) words its own report, naming what it found (an env var's bad name).
  return { path, message: withoutSecret(issue), showsValue: issue.type === 'raw_check' };
}

/**
 * The first issue of a failed parse of `input`: its path and its message, ending with the scalar value found there
 * (` (got 70000)`, through `showValue`) unless the message names it already or there is none.
 */
export function issueReport(issues: readonly v.BaseIssue<unknown>[], input: unknown): { path: Array<string | number>; message: string } {
  const { path, message, showsValue } = firstIssue(issues);
  let value: unknown = input;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = showsValue || value === undefined || typeof value === 'object' ? '' : ` (got ${showValue(value)})`;
  return { path, message: `${message}${shown}` };
}

/** A key of an issue's path: an array index stays a number (`formatPath` writes it `[i]`). */
function pathKey(item: v.IssuePathItem): string | number {
  return typeof item.key === 'number' ? item.key : String(item.key);
}

/** A message that quotes the value it received (valibot's own), with the value described instead when it holds a secret. */
function withoutSecret(issue: v.BaseIssue<unknown>): string {
  const secret = secretKind(issue.input);
  if (secret === undefined || issue.received === '') return issue.message;
  return issue.message.split(issue.received).join(secretPlaceholder(secret));
}

/** A check of a whole object that reports on one of its fields (the error names that field, not the object). */
export function fieldCheck<T extends Record<string, unknown>>(field: keyof T & string, requirement: (value: T) => boolean, message: string) {
  return rawCheck<T>((value, report) => {
    if (!requirement(value)) report([field], message);
  });
}

/**
 * A check of a whole value that may report several problems, each at a path inside it
 * (`report(['containers', 0, 'name'], '...')`); runs only once the value itself parsed.
 */
export function rawCheck<T>(check: (value: T, report: (path: ReadonlyArray<string | number>, message: string) => void) => void) {
  return v.rawCheck<T>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    check(dataset.value, (keys, message) => addIssue({ message, path: issuePath(dataset.value, keys) }));
  });
}

function issuePath(root: unknown, keys: ReadonlyArray<string | number>): [v.IssuePathItem, ...v.IssuePathItem[]] | undefined {
  let input = root;
  const items = keys.map((key): v.IssuePathItem => {
    const value = typeof input === 'object' && input !== null ? (input as Record<string | number, unknown>)[key] : undefined;
    const item = { type: 'unknown' as const, origin: 'value' as const, input, key, value };
    input = value;
    return item;
  });
  return items.length > 0 ? (items as [v.IssuePathItem, ...v.IssuePathItem[]]) : undefined;
}

/** An instance of `type`, also of a class with a private constructor (which valibot's `instance` does not take). */
export function instanceOf<T>(type: { prototype: T }, message: string) {
  const cls = type as unknown as abstract new (...args: never[]) => T;
  return v.custom<T>((x) => x instanceof cls, message);
}

/**
 * Refuses a string that holds a private key or a bearer token, with a message that says which kind and where
 * the key belongs, never its text. Put it first in a prop's pipe, so it is the issue reported.
 */
export function noSecret(expected: string, keyHome: string) {
  return v.check<string, (issue: v.CheckIssue<string>) => string>(
    (s) => secretRefusal(s, expected, keyHome) === undefined,
    (issue) => secretRefusal(issue.input, expected, keyHome) ?? 'holds a secret',
  );
}
