import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readKbsPublicMaterial } from '../../src';

/** The public key material the cluster stack puts into the plan (certificates and a public key only). */
export interface PublicMaterial {
  /** CA of the KBS HTTPS certificate. */
  readonly kbsCaPem: string;
  /** CA of the attestation token signer chain. */
  readonly tokenSignerCaPem: string;
  /** The KBS administrator's public key. */
  readonly adminPublicKeyPem: string;
  /** True when the committed example material was used because bin/create-key-material.sh has not run. */
  readonly isExample: boolean;
}

const OWN = join(__dirname, '.secrets');
const EXAMPLE = join(__dirname, 'pki', 'example');

/** Reads the material `bin/create-key-material.sh examples/reference/.secrets` wrote, or the committed example material when there is none. */
export function loadPublicMaterial(): PublicMaterial {
  const isExample = !existsSync(join(OWN, 'kbs-ca.pem'));
  return { ...readKbsPublicMaterial(isExample ? EXAMPLE : OWN), isExample };
}
