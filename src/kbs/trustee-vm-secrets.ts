import { KEY_VAULT_SECRET_NAME_LIMIT } from '../attestation/key-vault-names';
import { KbsState } from '../attestation/kbs-state';
import { ResourcePath } from '../attestation/resource-path';

/**
 * The Key Vault secrets the VM reads, by purpose. The model owner uploads the first four (bin/create-key-material.sh
 * prints the commands with these names; a test keeps the two equal); Terraform writes the state.
 */
export const TRUSTEE_VM_SECRETS = {
  httpsKey: 'kbs-https-key',
  httpsCert: 'kbs-https-cert',
  signerKey: 'kbs-token-signer-key',
  signerChain: 'kbs-token-signer-chain',
  state: 'kbs-state',
} as const;

/** The prefix of every resource secret name; the VM's own secrets (TRUSTEE_VM_SECRETS) start with `kbs-`. */
const RESOURCE_SECRET_PREFIX = 'res-';

/** The escape of each character a resource path may hold but a Key Vault name may not, or would fold. */
const ESCAPES: Readonly<Record<string, string>> = { '/': '--', '-': '-h', _: '-u', '.': '-p' };

/**
 * The Key Vault secret that holds a resource set out of band into a Trustee VM's vault: `res-` then the resource path
 * (`repository/type/tag`), lower-case letters and digits as they are, `/` written `--`, `-` `-h`, `_` `-u`, `.` `-p`,
 * and an upper-case letter `-c` followed by the letter in lower case (`default/key/Model_1` is `res-default--key--c-model-u1`).
 *
 * Injective, also as Key Vault compares names (case-insensitively): every escape is `-` and one character saying which
 * it is, so a name reads back one way only. Only `[0-9a-z-]` is written, and no name starts with `kbs-`, so none is a
 * secret the VM keeps for itself. A name longer than Key Vault's 127 characters is a validation error of the KBS.
 */
export function resourceSecretName(resource: ResourcePath): string {
  let name = RESOURCE_SECRET_PREFIX;
  for (const c of resource.path) {
    if (/[a-z0-9]/.test(c)) name += c;
    else if (/[A-Z]/.test(c)) name += `-c${c.toLowerCase()}`;
    else if (ESCAPES[c] !== undefined) name += ESCAPES[c];
    // ResourcePath admits nothing else; refuse rather than drop a character (two paths would share a name).
    else throw new Error(`${resource.uri}: ${JSON.stringify(c)} cannot be part of a Key Vault secret name`);
  }
  return name;
}

/** A resource the Trustee VM reads from its Key Vault: where LocalFs keeps it, and the secret (and version) it comes from. */
export interface TrusteeVmResourceSecret {
  /** The resource. */
  readonly resource: ResourcePath;
  /** Its Key Vault secret: the one `azureKeyVault` names, or `resourceSecretName` of an out-of-band resource. */
  readonly secretName: string;
  /** The pinned secret version. @default - the latest version, read every minute */
  readonly version?: string;
  /** True for an out-of-band resource (set with `setResourceCommand`), false for an `azureKeyVault` one. */
  readonly outOfBand: boolean;
}

/**
 * Every declared resource the Trustee VM serves, with the Key Vault secret it reads it from, sorted by path. With its
 * admin API off, an out-of-band resource is a secret of its own vault, named after its path; a Kubernetes Secret
 * source is not listed (the VM cannot read one: a validation error).
 */
export function trusteeVmResourceSecrets(state: KbsState): TrusteeVmResourceSecret[] {
  const out: TrusteeVmResourceSecret[] = [];
  for (const { path, source } of state.declaredResources) {
    const kv = source.keyVaultSecretRef;
    if (kv) out.push({ resource: path, ...kv, outOfBand: false });
    else if (source.kind === 'out-of-band') out.push({ resource: path, secretName: resourceSecretName(path), outOfBand: true });
  }
  return out;
}

/**
 * What is wrong with the resource secrets of `state`, one message each: a secret name the VM keeps for itself, one
 * longer than Key Vault allows, or an out-of-band resource whose secret another resource names as its
 * `azureKeyVault` source (Key Vault names compare case-insensitively).
 */
export function trusteeVmSecretProblems(state: KbsState): string[] {
  const secrets = trusteeVmResourceSecrets(state);
  const reserved = new Set<string>(Object.values(TRUSTEE_VM_SECRETS));
  const problems: string[] = [];
  for (const r of secrets) {
    const name = r.secretName.toLowerCase();
    if (reserved.has(name)) {
      problems.push(
        `${r.resource.uri} comes from Key Vault secret ${r.secretName}, a name ` +
          `the Trustee VM keeps for itself; store the resource under another name`,
      );
    }
    if (r.outOfBand && r.secretName.length > KEY_VAULT_SECRET_NAME_LIMIT) {
      problems.push(
        `${r.resource.uri} would be Key Vault secret ${r.secretName}, longer than the ${KEY_VAULT_SECRET_NAME_LIMIT} characters ` +
          `Key Vault allows; shorten the resource path, or store it as ResourceSource.azureKeyVault('<a name of your own>')`,
      );
    }
    const other = r.outOfBand ? secrets.find((o) => !o.outOfBand && o.secretName.toLowerCase() === name) : undefined;
    if (other) {
      problems.push(
        `${r.resource.uri} is set out of band into Key Vault secret ${r.secretName}, which ${other.resource.uri} also comes from ` +
          `(ResourceSource.azureKeyVault); store ${other.resource.uri} under another name`,
      );
    }
  }
  return problems;
}
