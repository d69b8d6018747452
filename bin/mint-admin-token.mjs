#!/usr/bin/env node
// Mints a short-lived admin JWT for the KBS admin API (role "admin"), signed with the Ed25519 admin key that
// cai-create-key-material wrote. Usage: cai-mint-admin-token <admin.key> [minutes, default 15] > admin-token.jwt
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [keyFile, minutesArg = '15'] = process.argv.slice(2);
const minutes = Number(minutesArg);
if (!keyFile || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
  process.stderr.write('usage: cai-mint-admin-token <admin.key> [minutes, 1-1440, default 15] > admin-token.jwt\n');
  process.exit(2);
}
let key;
try {
  key = createPrivateKey(readFileSync(keyFile));
} catch (e) {
  process.stderr.write(`cai-mint-admin-token: cannot read the admin private key ${keyFile}: ${e.message}\n`);
  process.exit(1);
}
if (key.asymmetricKeyType !== 'ed25519') {
  process.stderr.write(`cai-mint-admin-token: ${keyFile} is a ${key.asymmetricKeyType} key; the KBS admin key is Ed25519 (admin.key of cai-create-key-material)\n`);
  process.exit(1);
}
const now = Math.floor(Date.now() / 1000);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ role: 'admin', iat: now, exp: now + minutes * 60 })}`;
const signature = sign(null, Buffer.from(unsigned), key).toString('base64url');
process.stdout.write(`${unsigned}.${signature}\n`);
