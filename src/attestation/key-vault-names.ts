// Azure Key Vault naming rules, one home each: the vault name (the Trustee VM's vault, a vault given to
// KbsKeyVaultAccess) and the secret name (ResourceSource.azureKeyVault, KbsKeyVaultAccess secretNames).

/** A Key Vault name: 3-24 letters, digits and single "-", starting with a letter, not ending with "-". */
export function isKeyVaultName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(name) && !name.includes('--');
}

/** What a Key Vault name must be, for messages. */
export const KEY_VAULT_NAME_RULE = 'must be a Key Vault name: 3-24 letters, digits and single "-", starting with a letter, not ending with "-"';

/** The largest value of a Key Vault secret, in bytes. */
export const KEY_VAULT_SECRET_VALUE_LIMIT = 25 * 1024;

/**
 * The command that uploads `file` as a new version of Key Vault secret `secret`. `--output none`: the CLI otherwise
 * answers with the secret it stored, value included, into the terminal or the CI log that runs it.
 */
export function keyVaultUploadCommand(vault: string, secret: string, file: string, options: { readonly base64?: boolean } = {}): string {
  return `az keyvault secret set --vault-name ${vault} --name ${secret} --file ${file}${options.base64 ? ' --encoding base64' : ''} --output none`;
}

/** The longest Key Vault secret name. */
export const KEY_VAULT_SECRET_NAME_LIMIT = 127;

/** A Key Vault secret name: 1-127 letters, digits and "-". */
export function isKeyVaultSecretName(name: string): boolean {
  return name.length <= KEY_VAULT_SECRET_NAME_LIMIT && /^[0-9a-zA-Z-]+$/.test(name);
}

/** What a Key Vault secret name must be, for messages. */
export const KEY_VAULT_SECRET_NAME_RULE = 'must be a Key Vault secret name: 1-127 letters, digits and "-"';
