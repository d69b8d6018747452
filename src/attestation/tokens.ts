import { Field, inputError } from './errors';

// cdktf encodes unresolved values as marker strings ("${TfToken[TOKEN.12]}"), list markers ("#{TfToken[...]}")
// and, for numbers, doubles near -1.8e289. The pure core must not import cdktf, so it recognises the markers
// by their shape: enough to refuse a value that Terraform would only know at apply time.
const TOKEN_MARKER = /[$#]\{TfToken\[/;

/** True when a string carries a cdktf token marker (an unresolved Terraform value). */
export function containsTokenMarker(value: string): boolean {
  return TOKEN_MARKER.test(value);
}

/**
 * Fails when `value` is, or contains, an unresolved Terraform token. Initdata and the policies are
 * content-addressed at synth time: a value only Terraform knows cannot be hashed now.
 */
export function requireSynthTimeString(value: string, field: Field): string {
  if (containsTokenMarker(value)) {
    throw inputError(
      field,
      'is an unresolved Terraform token, but initdata and attestation policies are hashed during synth, so it must be known at synth time; ' +
        'pass a literal value (for the KBS endpoint: a static private IP or DNS name, and the CA certificate read from a file)',
    );
  }
  return value;
}
