import { execFileSync } from 'node:child_process';

// Checks computed by the system's own tools (coreutils, gzip), not by the code under test.

/** sha256sum of `data`, lowercase hex. */
export function sha256sum(data: string | Buffer): string {
  return execFileSync('sha256sum', { input: data }).toString().split(' ')[0];
}

/** `base64 -d | gunzip` of an annotation, as bytes. */
export function gunzipBase64(annotation: string): Buffer {
  const gz = execFileSync('base64', ['-d'], { input: annotation });
  return execFileSync('gunzip', ['-c'], { input: gz });
}

/** The Azure PCR 8 of an initdata file, computed with shell tools: sha256(32 zero bytes || sha256(file)). */
export function pcr8OfBytes(data: string | Buffer): string {
  const digest = Buffer.from(sha256sum(data), 'hex');
  return sha256sum(Buffer.concat([Buffer.alloc(32), digest]));
}
