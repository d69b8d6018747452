import { check, show } from './errors';
import { KEY_VAULT_SECRET_NAME_RULE, isKeyVaultSecretName } from './key-vault-names';

/** The kinds of resource sources. */
export type ResourceSourceKind = 'out-of-band' | 'kubernetes-secret' | 'azure-key-vault';

/** Where the bytes of a KBS resource come from. None of them puts the secret into Terraform state. */
export class ResourceSource {
  /**
   * The model owner writes the resource out of band with the command the KBS's `setResourceCommand(path)` prints:
   * through the admin API with the admin key (`Trustee`, `ExternalKbs`), or into the Key Vault secret named after the
   * path (`TrusteeVm`, whose admin API is off). The secret never touches Terraform or Kubernetes objects.
   */
  public static outOfBand(): ResourceSource {
    return new ResourceSource({ kind: 'out-of-band' });
  }

  /**
   * A key of an existing Kubernetes Secret in the Trustee namespace (created with kubectl or an external
   * secrets operator, not by Terraform). Copied into the KBS storage when the KBS pod starts.
   */
  public static kubernetesSecret(secretName: string, key: string): ResourceSource {
    return new ResourceSource({ kind: 'kubernetes-secret', secretName, key });
  }

  /**
   * A secret of the Azure Key Vault the model owner controls (the Trustee's `keyVault` access), read through
   * the AKS Key Vault secrets provider with the KBS's workload identity and copied into the KBS storage when
   * the KBS pod starts. The secret never enters Terraform state.
   */
  public static azureKeyVault(secretName: string, version?: string): ResourceSource {
    check(
      typeof secretName === 'string' && isKeyVaultSecretName(secretName),
      'azureKeyVault.secretName',
      `${KEY_VAULT_SECRET_NAME_RULE}, got ${show(secretName)}`,
    );
    check(
      version === undefined || (typeof version === 'string' && /^[0-9a-f]{32}$/.test(version)),
      'azureKeyVault.version',
      `must be the 32 lowercase hex characters of a secret version id (the last part of its URL), got ${show(version)}`,
    );
    return new ResourceSource({ kind: 'azure-key-vault', secretName, ...(version ? { version } : {}) });
  }

  private constructor(
    private readonly spec:
      | { readonly kind: 'out-of-band' }
      | { readonly kind: 'kubernetes-secret'; readonly secretName: string; readonly key: string }
      | { readonly kind: 'azure-key-vault'; readonly secretName: string; readonly version?: string },
  ) {}

  /** Where the bytes come from: `out-of-band`, `kubernetes-secret` or `azure-key-vault`. */
  public get kind(): ResourceSourceKind {
    return this.spec.kind;
  }

  /** The Kubernetes Secret and key, for a `kubernetesSecret` source. */
  public get kubernetesSecretRef(): { readonly secretName: string; readonly key: string } | undefined {
    return this.spec.kind === 'kubernetes-secret' ? { secretName: this.spec.secretName, key: this.spec.key } : undefined;
  }

  /** The Key Vault secret (and version, if pinned), for an `azureKeyVault` source. */
  public get keyVaultSecretRef(): { readonly secretName: string; readonly version?: string } | undefined {
    return this.spec.kind === 'azure-key-vault'
      ? { secretName: this.spec.secretName, ...(this.spec.version ? { version: this.spec.version } : {}) }
      : undefined;
  }

  /** True when both sources read the same bytes. */
  public equals(other: ResourceSource): boolean {
    return JSON.stringify(this.spec) === JSON.stringify(other.spec);
  }

  /** A description for messages and the trust report. */
  public describe(): string {
    const spec = this.spec;
    switch (spec.kind) {
      case 'out-of-band':
        return 'out of band';
      case 'kubernetes-secret':
        return `Kubernetes Secret ${spec.secretName}[${spec.key}]`;
      case 'azure-key-vault':
        return `Azure Key Vault secret ${spec.secretName}${spec.version ? `@${spec.version}` : ''}`;
    }
  }
}
