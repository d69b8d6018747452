import { redactSecrets, secretKind, secretPlaceholder } from './secrets';

/**
 * The error every function of the attestation core throws for bad input, when called on its own.
 *
 * `field` names the input that was wrong (a dotted path such as `aaToml.kbs.url`).
 */
export class AttestationInputError extends Error {
  /** The input field that was wrong, as a dotted path. */
  public readonly field: string;

  constructor(field: string, message: string) {
    // The values in messages are shown redacted already (show); this catches one quoted any other way.
    super(redactSecrets(`${field}: ${message}`));
    this.name = 'AttestationInputError';
    this.field = field;
  }
}

/**
 * The error for invalid props of a construct, whether its own schema or the attestation core found the
 * problem: names the construct path, the field, the value and the fix.
 */
export class ConstructValidationError extends Error {
  constructor(
    /** The construct path (e.g. `infra/network`). */
    public readonly constructPath: string,
    /** The construct class name. */
    public readonly constructType: string,
    /** The prop that was wrong, dotted. */
    public readonly field: string,
    detail: string,
  ) {
    // The values in messages are shown redacted already (show); this catches one quoted any other way.
    super(redactSecrets(`${constructType} ${constructPath}: ${field}: ${detail}`));
    this.name = 'ConstructValidationError';
  }
}

/** The construct an input belongs to: its path and class name. */
export interface InputOwner {
  /** The construct path. */
  readonly path: string;
  /** The construct class name. */
  readonly type: string;
}

/**
 * Where an input is: a dotted field name, or a field of a construct. Constructs pass the second form into
 * the core, so the core's own error names the construct and the prop; nothing catches and rewrites it.
 */
export type Field = string | { readonly owner: InputOwner; readonly field: string };

/**
 * A path inside props, written the one way every message writes fields: JavaScript property access, as the user
 * wrote the props (`containers[0].env.PORT`, `tls.upstreams[1].workload`, `env["1X"]`). Array indices are numbers.
 */
export function formatPath(keys: ReadonlyArray<string | number>): string {
  return pathSuffix(keys).replace(/^\./, '');
}

/** The same path as a suffix to append to a field (`subField`): `.env.PORT`, `[0].name`. */
export function pathSuffix(keys: ReadonlyArray<string | number>): string {
  return keys.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
}

/** The field `rest` inside `field`: `.url`, `[0]`, ` key` (appended as is) or a bare name (joined with a dot). */
export function subField(field: Field, rest: string): Field {
  if (rest === '') return field;
  const base = typeof field === 'string' ? field : field.field;
  const joined = base === '' ? rest.replace(/^\./, '') : /^[.[ ]/.test(rest) ? `${base}${rest}` : `${base}.${rest}`;
  return typeof field === 'string' ? joined : { owner: field.owner, field: joined };
}

/** The error for bad input at `field`: a ConstructValidationError when it belongs to a construct. */
export function inputError(field: Field, message: string): AttestationInputError | ConstructValidationError {
  if (typeof field === 'string') return new AttestationInputError(field, message);
  return new ConstructValidationError(field.owner.path, field.owner.type, field.field || 'props', message);
}

/** Fails with inputError unless `condition` holds. */
export function check(condition: boolean, field: Field, message: string): asserts condition {
  if (!condition) throw inputError(field, message);
}

/**
 * A value of any kind inside a message: a string as `show` writes it, anything else as JSON (shortened), a value
 * holding a secret described, not shown.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return show(value);
  const secret = secretKind(value);
  if (secret !== undefined) return secretPlaceholder(secret);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Shows a user value inside an error message, shortened and quoted, never as raw multi-line text; a value that
 * holds a secret (a private key, a bearer token, also nested in an object or array) is described, not shown.
 */
export function show(value: unknown): string {
  const secret = secretKind(value);
  if (secret !== undefined) return secretPlaceholder(secret);
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(short);
}
