import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { IKbsKeyVaultAccess } from '../azure/kbs-key-vault-access';
import { Construct, Lazy } from '../internal/cdktf';
import { KbsState } from '../attestation/kbs-state';

/** Where the Key Vault secrets are mounted in the KBS init container. */
export const KEY_VAULT_DIR = '/kbs-keyvault';

/** The file name (SecretProviderClass objectAlias) of the i-th Key Vault resource. */
export function keyVaultAlias(index: number): string {
  return `resource-${index}`;
}

/**
 * Creates the SecretProviderClass that mounts every Key Vault resource of `registry` (one file per resource,
 * named by `keyVaultAlias`) with the KBS workload identity, and returns its name.
 */
export function keyVaultSecretProviderClass(scope: Construct, namespace: string, keyVault: IKbsKeyVaultAccess, registry: KbsState): string {
  const name = 'kbs-keyvault';
  new Manifest(scope, 'KeyVaultSecrets', {
    manifest: {
      apiVersion: 'secrets-store.csi.x-k8s.io/v1',
      kind: 'SecretProviderClass',
      metadata: { name, namespace },
      spec: {
        provider: 'azure',
        parameters: {
          usePodIdentity: 'false',
          clientID: keyVault.kbsIdentityClientId,
          keyvaultName: keyVault.keyVaultName,
          tenantId: keyVault.kbsIdentityTenantId,
          // The provider reads `objects` as YAML; JSON is YAML, and JSON.stringify escapes every value.
          objects: Lazy.stringValue({
            produce: () =>
              JSON.stringify({
                array: registry.keyVaultResources().map((r, i) =>
                  JSON.stringify({
                    objectName: r.secretName,
                    objectType: 'secret',
                    objectAlias: keyVaultAlias(i),
                    ...(r.version ? { objectVersion: r.version } : {}),
                  }),
                ),
              }),
          }),
        },
      },
    },
  });
  return name;
}
