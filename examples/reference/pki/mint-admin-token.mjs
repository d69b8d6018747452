// Mints a short-lived admin JWT for the KBS admin API (role "admin"), signed with the Ed25519 admin key that
// create-key-material.sh wrote. Usage: node examples/reference/pki/mint-admin-token.mjs [key] [minutes] > admin-token.jwt
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const keyFile = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.secrets', 'admin.key');
const minutes = Number(process.argv[3] ?? 15);
const key = createPrivateKey(readFileSync(keyFile));
const now = Math.floor(Date.now() / 1000);
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unsigned = `${b64({ alg: 'EdDSA', typ: 'JWT' })}.${b64({ role: 'admin', iat: now, exp: now + minutes * 60 })}`;
const signature = sign(null, Buffer.from(unsigned), key).toString('base64url');
process.stdout.write(`${unsigned}.${signature}\n`);
