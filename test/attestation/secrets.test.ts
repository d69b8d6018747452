import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttestationInputError, ConstructValidationError, show } from '../../src/attestation/errors';
import { isPemCertificate, isPemCertificateChain, isPemPublicKey, secretRefusal } from '../../src/attestation/pem';
import { holdsPrivateKey, looksLikeBearerToken, privateKeyKind, redactSecrets, secretKind } from '../../src/attestation/secrets';
import { adminJwt, bodyLines, privateKeyVariants } from '../helpers/private-keys';

const CERTIFICATE = readFileSync(join(__dirname, '..', 'fixtures', 'kbs-ca.pem'), 'utf8');
const ADMIN_PUBLIC_KEY = readFileSync(join(__dirname, '..', 'fixtures', 'admin-public.pem'), 'utf8');
const KEYS = privateKeyVariants();
const JWT = adminJwt();

/** Public material and prose that mention keys without holding one. */
const NOT_A_KEY: ReadonlyArray<[string, string]> = [
  ['a certificate', CERTIFICATE],
  ['an Ed25519 public key', ADMIN_PUBLIC_KEY],
  ['an RSA PKCS#1 public key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'pkcs1', format: 'pem' }) as string],
  ['an EC public key', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string],
  ['an OpenSSH public key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE owner@example'],
  ['prose about a private key', 'The private key stays in Key Vault; never paste a PRIVATE KEY here.'],
  ['a sentence that begins with a private key', 'Begin by creating a private key, then pass its certificate.'],
  ['a message of this library', 'holds a PEM private key (EC PRIVATE KEY); pass the certificate, never the key'],
  ['a PuTTY word without the file header', 'convert the PuTTY key with puttygen'],
  ['an empty string', ''],
];

describe('privateKeyKind: whether a text holds a private key', () => {
  test.each(KEYS.map((k) => [k.name, k] as const))('GIVEN %s WHEN read THEN it holds a private key of its kind', (_name, key) => {
    expect(holdsPrivateKey(key.text)).toBe(true);
    expect(secretKind(key.text)).toBe(key.described);
    // Anywhere in the value: after a certificate, or inside an object or array.
    expect(secretKind(`${CERTIFICATE}${key.text}`)).toBe(key.described);
    expect(secretKind({ certs: [CERTIFICATE, key.text] })).toBe(key.described);
  });

  test('GIVEN the PEM types by name WHEN read THEN the kind is the type, upper case with single spaces', () => {
    expect(privateKeyKind('-----BEGIN RSA PRIVATE KEY-----')).toBe('RSA PRIVATE KEY');
    expect(privateKeyKind('-----begin encrypted private key-----')).toBe('ENCRYPTED PRIVATE KEY');
    expect(privateKeyKind('---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----')).toBe('SSH2 ENCRYPTED PRIVATE KEY');
    expect(privateKeyKind('-----BEGIN PGP PRIVATE KEY BLOCK-----')).toBe('PGP PRIVATE KEY BLOCK');
    expect(privateKeyKind('xyz\n-----END\tEC  PRIVATE KEY-----')).toBe('EC PRIVATE KEY');
    expect(privateKeyKind('  BEGIN ANY PRIVATE KEY  \nAAAA')).toBe('ANY PRIVATE KEY');
    expect(privateKeyKind('PuTTY-User-Key-File-2: ssh-rsa')).toBe('PuTTY-User-Key-File');
  });

  test.each(NOT_A_KEY)('GIVEN %s WHEN read THEN it holds no private key', (_name, text) => {
    expect(privateKeyKind(text)).toBeUndefined();
    expect(holdsPrivateKey(text)).toBe(false);
    expect(secretKind(text)).toBeUndefined();
  });

  test('GIVEN a value that is not a string WHEN read THEN only strings hold a key', () => {
    expect(holdsPrivateKey(undefined)).toBe(false);
    expect(holdsPrivateKey(42)).toBe(false);
    expect(secretKind(undefined)).toBeUndefined();
    expect(secretKind(10n)).toBeUndefined();
  });
});

describe('looksLikeBearerToken', () => {
  test.each([
    ['a signed JWT', JWT],
    ['an Authorization header value', `Bearer ${JWT}`],
    ['a JWT with surrounding whitespace', ` ${JWT}\n`],
    ['an unsigned JWT', `${JWT.split('.').slice(0, 2).join('.')}.`],
    ['an opaque bearer token', 'Bearer 0123456789abcdefghijABCDEFGHIJ'],
  ])('GIVEN %s THEN it is a bearer token', (_name, value) => {
    expect(looksLikeBearerToken(value)).toBe(true);
    expect(secretKind(value)).toBe('a bearer token');
  });

  test.each([
    ['three dotted words', 'a.b.c'],
    ['a DNS name', 'kbs.owner.example.com'],
    ['a version', '1.2.3'],
    ['a header alone', 'eyJhbGciOiJFZERTQSJ9'],
    ['two segments', 'eyJhbGciOiJFZERTQSJ9.eyJyb2xlIjoiYWRtaW4ifQ'],
    ['the word Bearer', 'Bearer token'],
    ['a certificate', CERTIFICATE],
    ['a number', 42],
  ])('GIVEN %s THEN it is not a bearer token', (_name, value) => {
    expect(looksLikeBearerToken(value)).toBe(false);
    expect(secretKind(value)).toBeUndefined();
  });

  test('GIVEN a value that holds a token among other text THEN the value holds a secret, though it is not a token itself', () => {
    expect(looksLikeBearerToken(`token=${JWT}`)).toBe(false);
    expect(secretKind(`token=${JWT}`)).toBe('a bearer token');
  });
});

describe('redactSecrets: the last guard of every error message', () => {
  test.each(KEYS.map((k) => [k.name, k] as const))(
    'GIVEN a message that quotes %s, raw or as JSON THEN no line of its body is left',
    (_name, key) => {
      for (const message of [`X a/b: f: bad ${key.text} fix it`, `X a/b: f: bad (got ${JSON.stringify(key.text)}) fix it`]) {
        const redacted = redactSecrets(message);
        expect(redacted).toContain(`<${key.described}, not shown>`);
        expect(redacted.startsWith('X a/b: f: bad ')).toBe(true);
        for (const line of bodyLines(key.text)) expect(redacted).not.toContain(line);
      }
    },
  );

  test('GIVEN the tail of a key without its BEGIN marker THEN the body before the END marker goes too', () => {
    const key = KEYS.find((k) => k.name === 'EC P-256 SEC1')!.text;
    const tail = key.slice(key.indexOf('\n') + 1);
    const redacted = redactSecrets(`f: got "${tail}"`);
    expect(redacted).toBe(`f: got "<a PEM private key (EC PRIVATE KEY), not shown>\n"`);
  });

  test('GIVEN tokens in a message THEN each is replaced; text around them and text without secrets stay', () => {
    expect(redactSecrets(`a ${JWT} b Bearer 0123456789abcdefghijABCDEFGHIJ c`)).toBe('a <a bearer token, not shown> b <a bearer token, not shown> c');
    for (const [, text] of NOT_A_KEY) expect(redactSecrets(text)).toBe(text);
  });
});

describe('the PEM checks of public material', () => {
  test('GIVEN one certificate THEN isPemCertificate; a certificate with a key appended, a public key or two certificates THEN not', () => {
    const key = KEYS[0].text;
    expect(isPemCertificate(CERTIFICATE)).toBe(true);
    expect(isPemCertificate(`\n${CERTIFICATE}\n`)).toBe(true);
    expect(isPemCertificate(`${CERTIFICATE}${key}`)).toBe(false);
    expect(isPemCertificate(ADMIN_PUBLIC_KEY)).toBe(false);
    expect(isPemCertificate(`${CERTIFICATE}${CERTIFICATE}`)).toBe(false);
  });

  test('GIVEN the markers around bytes that are no certificate THEN no check takes them: one strength, X.509 parsed', () => {
    const body = (pem: string) => pem.split('\n').slice(1, -2).join('\n');
    const markersOnly = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const truncated = CERTIFICATE.replace(body(CERTIFICATE), body(CERTIFICATE).slice(0, 200));
    for (const fake of [markersOnly, truncated, '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n']) {
      expect(isPemCertificate(fake)).toBe(false);
      expect(isPemCertificateChain(fake)).toBe(false);
    }
    expect(isPemCertificate(`${CERTIFICATE}trailing text`)).toBe(false);
    expect(isPemCertificate(CERTIFICATE.replace('END CERTIFICATE', 'END PUBLIC KEY'))).toBe(false);
  });

  test('GIVEN a chain THEN isPemCertificateChain takes every certificate, and nothing else among them', () => {
    expect(isPemCertificateChain(CERTIFICATE)).toBe(true);
    expect(isPemCertificateChain(`${CERTIFICATE}\n${CERTIFICATE}`)).toBe(true);
    expect(isPemCertificateChain(`${CERTIFICATE}${ADMIN_PUBLIC_KEY}`)).toBe(false);
    expect(isPemCertificateChain(`${CERTIFICATE}${KEYS[0].text}`)).toBe(false);
    expect(isPemCertificateChain('BEGIN CERTIFICATE')).toBe(false);
  });

  test('GIVEN a public key THEN isPemPublicKey; a certificate, two keys, a private key or markers only THEN not', () => {
    expect(isPemPublicKey(ADMIN_PUBLIC_KEY)).toBe(true);
    expect(isPemPublicKey(CERTIFICATE)).toBe(false);
    expect(isPemPublicKey(`${ADMIN_PUBLIC_KEY}${ADMIN_PUBLIC_KEY}`)).toBe(false);
    expect(isPemPublicKey('-----BEGIN PUBLIC KEY-----\nMCow\n-----END PUBLIC KEY-----\n')).toBe(false);
    for (const key of KEYS) expect(isPemPublicKey(key.text)).toBe(false);
    // Keys no JWT is signed with: key agreement (X25519) and the rarer signature schemes.
    for (const type of ['x25519', 'ed448'] as const) {
      expect(isPemPublicKey(generateKeyPairSync(type as 'x25519').publicKey.export({ type: 'spki', format: 'pem' }))).toBe(false);
    }
    for (const type of ['ed25519', 'ec', 'rsa'] as const) {
      const options = type === 'ec' ? { namedCurve: 'P-256' } : type === 'rsa' ? { modulusLength: 2048 } : {};
      const pair = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      expect(isPemPublicKey(pair.publicKey.export({ type: 'spki', format: 'pem' }))).toBe(true);
    }
  });

  test('GIVEN a secret WHEN refused THEN the message names its kind and where keys belong, never its text', () => {
    const key = KEYS.find((k) => k.name === 'EC P-256 SEC1')!;
    expect(secretRefusal(key.text, 'the certificate', 'private keys stay in Key Vault')).toBe(
      'holds a PEM private key (EC PRIVATE KEY); pass the certificate, never the key: private keys stay in Key Vault',
    );
    expect(secretRefusal(JWT, 'the certificate', 'x')).toBe('holds a bearer token; pass the certificate only: tokens never belong in the plan');
    expect(secretRefusal(CERTIFICATE, 'the certificate', 'x')).toBeUndefined();
  });
});

describe('errors show values without their secrets', () => {
  const key = KEYS.find((k) => k.name === 'RSA PKCS#1')!;

  test('GIVEN a key or a token, alone or nested in an object or array WHEN shown THEN it is described, not quoted', () => {
    expect(show(key.text)).toBe('<a PEM private key (RSA PRIVATE KEY), not shown>');
    expect(show({ tls: { certs: ['x', key.text] } })).toBe('<a PEM private key (RSA PRIVATE KEY), not shown>');
    expect(show([JWT])).toBe('<a bearer token, not shown>');
    expect(show('10.0.0.1')).toBe('"10.0.0.1"');
    expect(show(CERTIFICATE)).toBe(JSON.stringify(`${CERTIFICATE.slice(0, 77)}...`));
  });

  test('GIVEN a message that quotes a key some other way WHEN the error is made THEN the error itself leaves the key out', () => {
    const construct = new ConstructValidationError('s/x', 'TrusteeVm', 'tenantId', `${key.text.trim()} is not a tenant id`);
    const core = new AttestationInputError('kbs.url', `bad ${JSON.stringify(`${key.text}${JWT}`)}`);
    expect(construct.message).toBe('TrusteeVm s/x: tenantId: <a PEM private key (RSA PRIVATE KEY), not shown> is not a tenant id');
    expect(core.message).toMatch(/^kbs\.url: bad "<a PEM private key \(RSA PRIVATE KEY\), not shown>/);
    for (const line of [...bodyLines(key.text), ...JWT.split('.')]) {
      expect(construct.message).not.toContain(line);
      expect(core.message).not.toContain(line);
    }
  });
});
