import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AttestationInputError } from '../attestation/errors';
import { secretRefusal } from '../attestation/pem';

/** The public halves of the KBS key material: what the Trustee construct puts into the plan. */
export interface KbsPublicMaterial {
  /** CA of the KBS HTTPS certificate (`kbs-ca.pem`); pod VMs pin it through their initdata. */
  readonly kbsCaPem: string;
  /** CA of the attestation token signer (`token-signer-ca.pem`). */
  readonly tokenSignerCaPem: string;
  /** The KBS administrator's Ed25519 public key (`admin-public.pem`). */
  readonly adminPublicKeyPem: string;
}

/**
 * Reads the public material that `cai-create-key-material <dir>` wrote into `dir` (never the private keys,
 * which stay out of Terraform). Fails naming the missing file and the command that creates it, or naming a file
 * that holds a private key (never quoting it).
 */
export function readKbsPublicMaterial(dir: string): KbsPublicMaterial {
  const read = (name: string, expected: string): string => {
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      throw new Error(
        `readKbsPublicMaterial: ${join(dir, name)} (${resolve(dir, name)}) cannot ` +
          `be read; create the key material first: npx cai-create-key-material ${dir}`,
      );
    }
    // Whatever is read here goes into the plan: a key copied over a public file must stop here.
    const secret = secretRefusal(text, expected, 'cai-create-key-material writes private keys to *.key files, which stay out of the plan');
    if (secret !== undefined) throw new AttestationInputError('readKbsPublicMaterial', `${join(dir, name)} ${secret}`);
    return text;
  };
  return {
    kbsCaPem: read('kbs-ca.pem', 'the certificate'),
    tokenSignerCaPem: read('token-signer-ca.pem', 'the certificate'),
    adminPublicKeyPem: read('admin-public.pem', 'the public key'),
  };
}
