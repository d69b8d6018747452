// The checks of PEM public material (certificates, public keys) that props and files take: what they accept,
// and the one rule that refuses a secret in them before anything else looks at the value.
import { secretKind } from './secrets';

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/;

/** True when `text` is exactly one PEM certificate (surrounding whitespace aside). */
export function isPemCertificate(text: unknown): text is string {
  return typeof text === 'string' && PEM_CERTIFICATE.test(text.trim() + '\n');
}

/** True when `text` holds PEM text: a BEGIN and an END marker (the looser check of values that may hold several blocks). */
export function hasPemMarkers(text: string): boolean {
  return text.includes('-----BEGIN ') && text.includes('-----END ');
}

/**
 * Why `value`, given where public material (`expected`: "the certificate", "the public key") belongs, must be
 * refused, or undefined: it holds a private key or a bearer token. The message names the kind of secret and
 * where the key belongs (`keyHome`), never its text:
 * `holds a PEM private key (EC PRIVATE KEY); pass the certificate, never the key: private keys stay in Key Vault`.
 */
export function secretRefusal(value: unknown, expected: string, keyHome: string): string | undefined {
  const kind = secretKind(value);
  if (kind === undefined) return undefined;
  if (kind === 'a bearer token') return `holds ${kind}; pass ${expected} only: tokens never belong in the plan`;
  return `holds ${kind}; pass ${expected}, never the key: ${keyHome}`;
}
