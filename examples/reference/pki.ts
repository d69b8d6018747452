import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The public key material the cluster stack puts into the plan (certificates and a public key only). */
export interface PublicMaterial {
  /** CA of the KBS HTTPS certificate. */
  readonly kbsCaPem: string;
  /** CA of the attestation token signer chain. */
  readonly tokenSignerCaPem: string;
  /** The KBS administrator's public key. */
  readonly adminPublicKeyPem: string;
  /** True when the committed example material was used because pki/create-key-material.sh has not run. */
  readonly isExample: boolean;
}

const OWN = join(__dirname, '.secrets');
const EXAMPLE = join(__dirname, 'pki', 'example');

/** Reads the material create-key-material.sh wrote, or the committed example material when there is none. */
export function loadPublicMaterial(): PublicMaterial {
  const isExample = !existsSync(join(OWN, 'kbs-ca.pem'));
  const dir = isExample ? EXAMPLE : OWN;
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  return {
    kbsCaPem: read('kbs-ca.pem'),
    tokenSignerCaPem: read('token-signer-ca.pem'),
    adminPublicKeyPem: read('admin-public.pem'),
    isExample,
  };
}
