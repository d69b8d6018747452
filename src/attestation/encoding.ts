import { createHash } from 'node:crypto';
import { Field, check, show } from './errors';

/** Hash algorithms that initdata and Trustee accept. */
export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** Byte length of each algorithm's digest. */
export const DIGEST_BYTES: Readonly<Record<HashAlgorithm, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** Lowercase hex of the digest of `data` (a string is hashed as its UTF-8 bytes). */
export function hexDigest(algorithm: HashAlgorithm, data: string | Uint8Array): string {
  return createHash(algorithm).update(data).digest('hex');
}

const HEX = /^[0-9a-f]*$/;

/**
 * Validates a lowercase hex string of `bytes` bytes and returns it. Upper case is refused rather than folded:
 * Trustee compares PCRs as lowercase strings, so a folded value would hide a copy-paste from another tool.
 */
export function requireHex(value: unknown, bytes: number, field: Field): string {
  check(typeof value === 'string', field, `must be a hex string, got ${show(value)}`);
  const text = value as string;
  check(HEX.test(text), field, `must be lowercase hex (0-9, a-f), got ${show(text)}; Trustee compares measurements as lowercase strings`);
  check(text.length === bytes * 2, field, `must be ${bytes} bytes (${bytes * 2} hex characters), got ${text.length} characters: ${show(text)}`);
  return text;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Accepts `bytes` bytes given as lowercase hex or standard base64, and returns standard base64, the form the
 * Azure SNP verifier reports (`measurement`).
 */
export function toStandardBase64(value: unknown, bytes: number, field: Field): string {
  check(typeof value === 'string', field, `must be a hex or base64 string, got ${show(value)}`);
  const text = value as string;
  if (text.length === bytes * 2 && HEX.test(text)) {
    return Buffer.from(text, 'hex').toString('base64');
  }
  check(
    BASE64.test(text) && text.length % 4 === 0,
    field,
    `must be ${bytes} bytes as lowercase hex (${bytes * 2} characters) or standard base64, got ${show(text)}`,
  );
  const decoded = Buffer.from(text, 'base64');
  check(decoded.length === bytes, field, `must be ${bytes} bytes, but the base64 ${show(text)} decodes to ${decoded.length} bytes`);
  return decoded.toString('base64');
}
