// The checks of PEM public material (certificates, public keys) that props and files take: what they accept,
// and the one rule that refuses a secret in them before anything else looks at the value.
import { X509Certificate, createPublicKey } from 'node:crypto';
import { secretKind } from './secrets';

// One PEM block: a label, base64 lines, the same label closing it (RFC 7468).
const BLOCK = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----$/;
const BLOCKS = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;

/** The PEM blocks of `text` (label and text of each), or undefined when it holds anything else but whitespace between them. */
function pemBlocks(text: unknown): Array<{ label: string; pem: string }> | undefined {
  if (typeof text !== 'string') return undefined;
  const found = text.match(BLOCKS) ?? [];
  if (found.length === 0 || text.replace(BLOCKS, '').trim() !== '') return undefined;
  const blocks = found.map((pem) => ({ pem, label: BLOCK.exec(pem)?.[1] }));
  return blocks.every((b) => b.label !== undefined) ? blocks.map((b) => ({ label: b.label!, pem: `${b.pem}\n` })) : undefined;
}

/** True when `pem` is a certificate Node's X.509 parser reads (DER inside, not just the markers). */
function parsesAsCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * The certificate rules, at one strength for every prop and file that takes one: each block is a CERTIFICATE that
 * parses as X.509 (not merely the markers), and nothing but whitespace lies around the blocks. `isPemCertificate`
 * takes exactly one; `isPemCertificateChain` one or more (a chain file).
 */
export function isPemCertificate(text: unknown): text is string {
  const blocks = pemBlocks(text);
  return blocks?.length === 1 && blocks[0].label === 'CERTIFICATE' && parsesAsCertificate(blocks[0].pem);
}

/** True when `text` is one or more PEM certificates, each parsing as X.509 (a CA chain file). */
export function isPemCertificateChain(text: unknown): text is string {
  const blocks = pemBlocks(text);
  return blocks !== undefined && blocks.every((b) => b.label === 'CERTIFICATE' && parsesAsCertificate(b.pem));
}

/** The key types a JWT signature can be checked with: RSA (RS and PS algorithms), EC (ES) and Ed25519 (EdDSA). */
const SIGNING_KEY_TYPES: ReadonlyArray<string | undefined> = ['rsa', 'rsa-pss', 'ec', 'ed25519'];

/**
 * True when `text` is exactly one PEM public key (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`) that parses as an
 * RSA, EC or Ed25519 key (one a JWT can be signed with; X25519, DSA and Ed448 are refused).
 */
export function isPemPublicKey(text: unknown): text is string {
  const blocks = pemBlocks(text);
  if (blocks?.length !== 1 || !['PUBLIC KEY', 'RSA PUBLIC KEY'].includes(blocks[0].label)) return false;
  try {
    const key = createPublicKey(blocks[0].pem);
    return key.type === 'public' && SIGNING_KEY_TYPES.includes(key.asymmetricKeyType);
  } catch {
    return false;
  }
}

/** What a certificate prop or file must be, in every message that refuses one. */
export const ONE_PEM_CERTIFICATE =
  'must be one PEM certificate ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----") with no text around it';

/**
 * Why `value` is not one certificate, or undefined: a secret in its place (named by kind, with where such keys
 * belong, `keyHome`), else anything but exactly one PEM certificate (`what` says which one is meant).
 */
export function certificateProblem(value: unknown, keyHome: string, what?: string): string | undefined {
  const secret = secretRefusal(value, 'the certificate', keyHome);
  if (secret !== undefined) return secret;
  if (isPemCertificate(value)) return undefined;
  return what === undefined ? ONE_PEM_CERTIFICATE : `${ONE_PEM_CERTIFICATE}: ${what}`;
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
