/**
 * The error every function of the attestation core throws for bad input.
 *
 * `field` names the input that was wrong (a dotted path such as `aaToml.kbs.url`), so that a construct
 * wrapping the core can prefix its own path and the user sees where to look.
 */
export class AttestationInputError extends Error {
  /** The input field that was wrong, as a dotted path. */
  public readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'AttestationInputError';
    this.field = field;
  }
}

/** Fails with an AttestationInputError unless `condition` holds. */
export function check(condition: boolean, field: string, message: string): asserts condition {
  if (!condition) throw new AttestationInputError(field, message);
}

/** Shows a user value inside an error message, shortened and quoted, never as raw multi-line text. */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const short = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return JSON.stringify(short);
}
