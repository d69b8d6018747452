import * as v from 'valibot';
import { KEY_VAULT_NAME_RULE, KEY_VAULT_SECRET_NAME_RULE, isKeyVaultName, isKeyVaultSecretName } from '../attestation/key-vault-names';
import { isToken, literalString, str } from '../internal/validation';
import { REGIONS, normalizeRegion } from './regions';

/**
 * An Azure region prop: a region name as the API spells it (`westeurope`). Display names and dashed forms are
 * refused with the right spelling; names this library does not know are refused too (a typo would otherwise
 * fail only at apply).
 */
export const azureLocation = v.pipe(
  str(),
  v.check(
    (s) => REGIONS.includes(s) || isToken(s),
    (issue) => {
      const suggestion = REGIONS.find((r) => r === normalizeRegion(issue.input));
      return suggestion
        ? `must be the region's API name: write "${suggestion}"`
        : 'must be an Azure region name such as "westeurope" (see `az account list-locations --query "[].name"`)';
    },
  ),
);

/** A resource group name: 1-90 letters, digits, "_", "-", ".", "(" and ")", not ending with ".". */
export const resourceGroupName = (message = 'must be 1-90 letters, digits, "_", "-", ".", "(" or ")", not ending with "."') =>
  literalString((s) => /^[-\w.()]{0,89}[-\w()]$/u.test(s), message);

/** A Key Vault name known at synth time (`why`: what needs it then). */
export const keyVaultName = (why: string) =>
  v.pipe(
    str(),
    v.check((s) => !isToken(s), `must be known at synth time: ${why}`),
    v.check((s) => isKeyVaultName(s), KEY_VAULT_NAME_RULE),
  );

/** A Key Vault secret name. */
export const keyVaultSecretName = v.pipe(
  str(),
  v.check((s) => isKeyVaultSecretName(s), KEY_VAULT_SECRET_NAME_RULE),
);

/** An AKS cluster name: 2-63 letters, digits, "-" or "_", starting and ending with a letter or digit. */
export const aksClusterName = literalString(
  (s) => /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,61}[a-zA-Z0-9]$/.test(s),
  'must be an AKS cluster name: 2-63 letters, digits, "-" or "_", starting and ending with a letter or digit',
);
