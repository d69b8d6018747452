import { isK8sName } from '../attestation/k8s-names';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import * as v from 'valibot';
import { Annotations, Construct, IConstruct } from '../internal/cdktf';
import { ConstructInterface, list, literalString, nonEmpty, strictObject, parseProps } from '../internal/validation';
import { IConfidentialAksCluster, AKS_CLUSTER } from './confidential-aks-cluster';
import { WORKLOAD_IDENTITY_AUDIENCE } from './confidential-vm-pool';
import { azureLocation, keyVaultName, keyVaultSecretName, resourceGroupName } from './azure-names';

/** The in-cluster KBS's namespace (unless given) and service account: the identity's federated credential trusts them. */
export const KBS_WORKLOAD_IDENTITY = { defaultNamespace: 'trustee', serviceAccountName: 'kbs' } as const;

/** What Trustee needs to read resources from the model owner's Key Vault. */
export interface IKbsKeyVaultAccess extends IConstruct {
  /** Name of the vault. */
  readonly keyVaultName: string;
  /** Client id of the KBS workload identity. */
  readonly kbsIdentityClientId: string;
  /** Tenant of the vault and identity. */
  readonly kbsIdentityTenantId: string;
  /** Namespace of the KBS service account the identity trusts. */
  readonly namespace: string;
  /** Name of that service account. */
  readonly serviceAccountName: string;
}

/** The mark of an `IKbsKeyVaultAccess`: implementing constructs set it, and props that take one check it. */
export const KBS_KEY_VAULT_ACCESS = new ConstructInterface<IKbsKeyVaultAccess>('IKbsKeyVaultAccess', 'a KbsKeyVaultAccess');

/** Props of KbsKeyVaultAccess. */
export interface KbsKeyVaultAccessProps {
  /** The cluster whose OIDC issuer the identity trusts. */
  readonly cluster: IConfidentialAksCluster;
  /** ARM id of the model owner's Key Vault (RBAC authorization mode). */
  readonly keyVaultId: string;
  /** Name of that vault. */
  readonly keyVaultName: string;
  /** Azure region of the identity. */
  readonly location: string;
  /** Resource group of the identity. */
  readonly resourceGroupName: string;
  /**
   * Only these secrets may be read (one role assignment per secret); otherwise every secret of the vault.
   * @default - the whole vault
   */
  readonly secretNames?: string[];
  /**
   * Namespace of Trustee.
   * @default 'trustee'
   */
  readonly namespace?: string;
}

/** The schema of KbsKeyVaultAccessProps (internal: not in the main entry). */
export const schema = strictObject({
  cluster: AKS_CLUSTER.schema(),
  keyVaultId: literalString(
    (s) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i.test(s),
    'must be the ARM id of a Key Vault',
  ),
  keyVaultName: keyVaultName('the KBS reads its secrets from this vault'),
  location: azureLocation,
  resourceGroupName: resourceGroupName(),
  secretNames: v.optional(v.pipe(list(keyVaultSecretName), nonEmpty())),
  namespace: v.optional(literalString(isK8sName, 'must be a Kubernetes namespace name'), KBS_WORKLOAD_IDENTITY.defaultNamespace),
});

/**
 * Development only: lets the in-cluster Trustee read the model owner's Key Vault, through a user-assigned
 * identity federated with the KBS service account, holding "Key Vault Secrets User" on the vault (or on the
 * named secrets only). The cluster admin can mint that service account's token and read the vault with it, so
 * the owner's secrets are theirs; it warns at synth and baseline rule CAI-KBS-8 fails it unless suppressed with
 * a reason. For real keys, TrusteeVm reads its Key Vault with the managed identity of its own confidential VM.
 */
export class KbsKeyVaultAccess extends Construct implements IKbsKeyVaultAccess {
  /** The identity (escape hatch). */
  public readonly resource: UserAssignedIdentity;
  /** @inheritdoc */
  public readonly keyVaultName: string;
  /** @inheritdoc */
  public readonly kbsIdentityClientId: string;
  /** @inheritdoc */
  public readonly kbsIdentityTenantId: string;
  /** @inheritdoc */
  public readonly namespace: string;
  /** @inheritdoc */
  public readonly serviceAccountName = KBS_WORKLOAD_IDENTITY.serviceAccountName;

  constructor(scope: Construct, id: string, props: KbsKeyVaultAccessProps) {
    super(scope, id);
    KBS_KEY_VAULT_ACCESS.implementedBy(this);
    const p = parseProps(this, 'KbsKeyVaultAccess', schema, props);
    Annotations.of(this).addWarning(
      'KbsKeyVaultAccess is development only: the cluster admin can mint the token of the KBS service account it ' +
        "federates and read the model owner's Key Vault with it (baseline rule CAI-KBS-8). Keep real secrets in the " +
        'Key Vault of a TrusteeVm, which reads it with the identity of its own confidential VM',
    );
    this.resource = new UserAssignedIdentity(this, 'Resource', {
      name: `kbs-${p.keyVaultName}-reader`,
      location: p.location,
      resourceGroupName: p.resourceGroupName,
    });
    new FederatedIdentityCredential(this, 'Federated', {
      name: 'kbs',
      resourceGroupName: p.resourceGroupName,
      parentId: this.resource.id,
      issuer: p.cluster.clusterOidcIssuerUrl,
      audience: [WORKLOAD_IDENTITY_AUDIENCE],
      subject: `system:serviceaccount:${p.namespace}:${this.serviceAccountName}`,
    });
    const scopes = p.secretNames
      ? p.secretNames.map((name) => ({ id: `Secret-${name}`, scope: `${p.keyVaultId}/secrets/${name}` }))
      : [{ id: 'Vault', scope: p.keyVaultId }];
    for (const s of scopes) {
      new RoleAssignment(this, `SecretsUser-${s.id}`, {
        scope: s.scope,
        roleDefinitionName: 'Key Vault Secrets User',
        principalId: this.resource.principalId,
        principalType: 'ServicePrincipal',
        description: 'KBS: read the model owner secrets it serves to attested workloads',
      });
    }
    this.keyVaultName = p.keyVaultName;
    this.kbsIdentityClientId = this.resource.clientId;
    this.kbsIdentityTenantId = this.resource.tenantId;
    this.namespace = p.namespace;
  }
}
