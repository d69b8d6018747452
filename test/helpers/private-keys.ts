import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A private key as a user could paste it where public material belongs, and how errors must describe it. */
export interface PrivateKeyVariant {
  readonly name: string;
  readonly text: string;
  /** The words an error uses for it: `a PEM private key (EC PRIVATE KEY)`. */
  readonly described: string;
}

const pem = (kind: string) => `a PEM private key (${kind})`;

/** A PEM block of `label` around `bytes` of random base64, 64 characters a line. */
function block(label: string, bytes: number, headers = ''): string {
  const body = randomBytes(bytes).toString('base64').replace(/.{64}/g, '$&\n').trimEnd();
  return `-----BEGIN ${label}-----\n${headers}${body}\n-----END ${label}-----\n`;
}

/** An OpenSSH private key from the ssh-keygen binary; a hand-built block with the format's magic where it is missing. */
function opensshKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssh-key-'));
  try {
    const run = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', join(dir, 'id')], { stdio: 'ignore' });
    if (run.status === 0) return readFileSync(join(dir, 'id'), 'utf8');
  } catch {
    // no ssh-keygen: the hand-built block below
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), randomBytes(220)]).toString('base64');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.replace(/.{70}/g, '$&\n').trimEnd()}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

/** A PuTTY key file (`.ppk`, version 3) with random key bytes. */
function puttyKey(): string {
  const b64 = (n: number) => randomBytes(n).toString('base64');
  return [
    'PuTTY-User-Key-File-3: ssh-ed25519',
    'Encryption: none',
    'Comment: admin@example',
    'Public-Lines: 2',
    b64(48),
    b64(3),
    'Private-Lines: 1',
    b64(36),
    `Private-MAC: ${randomBytes(32).toString('hex')}`,
    '',
  ].join('\n');
}

/**
 * Real private keys (node:crypto: Ed25519, EC P-256, RSA; PKCS#8, SEC1, PKCS#1, encrypted PKCS#8 and the
 * encrypted legacy form; OpenSSH from ssh-keygen), hand-built blocks of the other PEM types, a PuTTY key file,
 * and marker spellings a hand edit or a copy from a document produces (lower case, spaces and tabs, no dashes,
 * CRLF). New keys each run: a test that passes with them passes with any key.
 */
export function privateKeyVariants(): PrivateKeyVariant[] {
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const pkcs8 = (key: typeof ec) => key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const sec1 = ec.export({ type: 'sec1', format: 'pem' }) as string;
  const passphrase = 'correct horse battery staple';
  return [
    { name: 'Ed25519 PKCS#8', text: pkcs8(ed25519), described: pem('PRIVATE KEY') },
    { name: 'EC P-256 PKCS#8', text: pkcs8(ec), described: pem('PRIVATE KEY') },
    { name: 'EC P-256 SEC1', text: sec1, described: pem('EC PRIVATE KEY') },
    { name: 'RSA PKCS#1', text: rsa.export({ type: 'pkcs1', format: 'pem' }) as string, described: pem('RSA PRIVATE KEY') },
    { name: 'RSA PKCS#8', text: pkcs8(rsa), described: pem('PRIVATE KEY') },
    {
      name: 'encrypted PKCS#8',
      text: ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string,
      described: pem('ENCRYPTED PRIVATE KEY'),
    },
    {
      name: 'encrypted legacy PEM (Proc-Type header)',
      text: ec.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string,
      described: pem('EC PRIVATE KEY'),
    },
    { name: 'OpenSSH', text: opensshKey(), described: pem('OPENSSH PRIVATE KEY') },
    { name: 'DSA', text: block('DSA PRIVATE KEY', 440), described: pem('DSA PRIVATE KEY') },
    { name: 'ANY PRIVATE KEY', text: block('ANY PRIVATE KEY', 120), described: pem('ANY PRIVATE KEY') },
    {
      name: 'PGP',
      text: block('PGP PRIVATE KEY BLOCK', 400, 'Version: GnuPG v2\n\n').replace(/\n-----END/, '\n=AbCd\n-----END'),
      described: pem('PGP PRIVATE KEY BLOCK'),
    },
    { name: 'PuTTY', text: puttyKey(), described: 'a PuTTY private key file' },
    {
      name: 'lower-case markers',
      text: sec1.replace(/-----(BEGIN|END) EC PRIVATE KEY-----/g, (m) => m.toLowerCase()),
      described: pem('EC PRIVATE KEY'),
    },
    {
      name: 'spaces and tabs in the markers',
      text: pkcs8(ec).replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '----- $1  PRIVATE\tKEY -----'),
      described: pem('PRIVATE KEY'),
    },
    { name: 'markers without dashes', text: pkcs8(ed25519).replace(/-----/g, ''), described: pem('PRIVATE KEY') },
    { name: 'one-sided dashes', text: sec1.replace(/-----BEGIN/, 'BEGIN').replace(/KEY-----\n$/, 'KEY\n'), described: pem('EC PRIVATE KEY') },
    { name: 'CRLF line ends', text: pkcs8(rsa).replace(/\n/g, '\r\n'), described: pem('PRIVATE KEY') },
  ];
}

/** The lines of a key's body (base64 and PuTTY data lines of 16 characters or more): none may appear in a message. */
export function bodyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !/PRIVATE|PuTTY-User-Key-File|^[A-Za-z-]+: /i.test(line));
}

/** A real EdDSA JWT (what cai-mint-admin-token prints), signed with a fresh key. */
export function adminJwt(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'EdDSA', typ: 'JWT' })}.${part({ role: 'admin', iat: 1767225600, exp: 1767225900 })}`;
  return `${unsigned}.${sign(null, Buffer.from(unsigned), privateKey).toString('base64url')}`;
}
