// Valibot helpers shared by the pure core and the constructs' props schemas: one message per kind of problem.
import * as v from 'valibot';
import { secretRefusal } from './pem';
import { secretKind, secretPlaceholder } from './secrets';

/** A schema that parses unknown input into a `T`. */
export type Schema<T> = v.GenericSchema<unknown, T>;

/** An integer from `min` to `max`; `message` replaces the default message of each check. */
export function int(min: number, max: number, message?: string) {
  return v.pipe(v.number(), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

/**
 * A strict object: a key the schema does not know is refused (a typo must not become a silently ignored
 * setting), with a message that says so and names the nearest known key.
 */
export function strictObject<const E extends v.ObjectEntries>(entries: E) {
  const known = Object.keys(entries);
  return v.strictObject(entries, (issue) => (issue.expected === 'never' ? unknownKeyMessage(String(issue.input), known) : 'must be an object'));
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
 * The first issue of a failed parse: its dotted path (empty for the root) and its message. A missing value
 * reads "is required" (with the schema's own message, if it has one); a union that failed without a message of
 * its own reports the first option that failed inside the value; valibot's default messages ("Invalid ...") show the value.
 */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): { path: string[]; message: string; showsValue: boolean } {
  let issue = issues[0];
  const path = (issue.path ?? []).map((p) => String(p.key));
  // A union's option issues carry paths relative to the union's value.
  for (;;) {
    const deepest = issue.type === 'union' && isDefault(issue.message) ? (issue.issues ?? []).find((i) => (i.path?.length ?? 0) > 0) : undefined;
    if (!deepest) break;
    path.push(...(deepest.path ?? []).map((p) => String(p.key)));
    issue = deepest;
  }
  if (issue.input === undefined && issue.kind === 'schema')
    return { path, message: isDefault(issue.message) ? 'is required' : `is required; it ${issue.message}`, showsValue: true };
  return { path, message: isDefault(issue.message) ? withoutSecret(issue) : issue.message, showsValue: isDefault(issue.message) };
}

/** A default message with the value it quotes ("but received ...") described instead when it holds a secret. */
function withoutSecret(issue: v.BaseIssue<unknown>): string {
  const secret = secretKind(issue.input);
  if (secret === undefined || issue.received === '') return issue.message;
  return issue.message.split(issue.received).join(secretPlaceholder(secret));
}

/** valibot's own messages ("Invalid type: Expected string but received 5") name the value already. */
function isDefault(message: string): boolean {
  return message.startsWith('Invalid ');
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
