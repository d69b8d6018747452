import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import { StorageContainerImmutabilityPolicy } from '@cdktf/provider-azurerm/lib/storage-container-immutability-policy';
import { Construct } from '../internal/cdktf';
import type { TrusteeVmCommon } from './trustee-vm-props';

/** The container the KBS journal goes into. */
export const KBS_AUDIT_CONTAINER = 'kbs-audit';

/** The default audit account name: the Key Vault's name in lower case without "-", then "audit", at most 24 characters. */
export function defaultAuditAccountName(keyVaultName: string): string {
  return `${keyVaultName.toLowerCase().replace(/-/g, '')}audit`.slice(0, 24);
}

/** What the audit store of a TrusteeVm is built from. */
export interface TrusteeVmAuditInput extends TrusteeVmCommon {
  readonly accountName: string;
  readonly subnetId: string;
  readonly ownerIpRanges: string[];
  readonly retentionDays: number;
  /** The VMs' identity (appends), and the deployer (reads). */
  readonly vmPrincipalId: string;
  readonly deployerObjectId: string;
}

/** The audit store of a TrusteeVm. */
export interface TrusteeVmAudit {
  readonly account: StorageAccount;
  readonly container: StorageContainer;
}

/**
 * The model owner's write-once store of the KBS's journal: a storage account with no shared keys (Entra ID only),
 * reachable from the KBS subnet and the owner's addresses only, and a container under a time-based retention policy
 * that admits appends to append blobs and nothing else (no overwrite, no delete before the period ends). The VMs'
 * identity may write blobs into that container only; the deployer may read them.
 */
export function createTrusteeVmAudit(scope: Construct, p: TrusteeVmAuditInput): TrusteeVmAudit {
  const account = new StorageAccount(scope, 'AuditAccount', {
    resourceGroupName: p.resourceGroupName,
    location: p.location,
    tags: p.tags,
    name: p.accountName,
    accountTier: 'Standard',
    // The replicas sit in several zones; so does their record.
    accountReplicationType: 'ZRS',
    accountKind: 'StorageV2',
    sharedAccessKeyEnabled: false,
    defaultToOauthAuthentication: true,
    allowNestedItemsToBePublic: false,
    minTlsVersion: 'TLS1_2',
    httpsTrafficOnlyEnabled: true,
    networkRules: { defaultAction: 'Deny', bypass: ['None'], ipRules: p.ownerIpRanges, virtualNetworkSubnetIds: [p.subnetId] },
  });
  const container = new StorageContainer(scope, 'AuditContainer', {
    name: KBS_AUDIT_CONTAINER,
    storageAccountId: account.id,
    containerAccessType: 'private',
  });
  new StorageContainerImmutabilityPolicy(scope, 'AuditRetention', {
    storageContainerResourceManagerId: container.id,
    immutabilityPeriodInDays: p.retentionDays,
    // Append blobs may grow; nothing written may change or go before the period ends.
    protectedAppendWritesEnabled: true,
  });
  new RoleAssignment(scope, 'VmWritesAudit', {
    scope: container.id,
    roleDefinitionName: 'Storage Blob Data Contributor',
    principalId: p.vmPrincipalId,
    principalType: 'ServicePrincipal',
    description: "Trustee VMs: append the KBS's journal (the retention policy forbids changing or deleting it)",
  });
  new RoleAssignment(scope, 'DeployerReadsAudit', {
    scope: container.id,
    roleDefinitionName: 'Storage Blob Data Reader',
    principalId: p.deployerObjectId,
    description: 'The model owner: read who received which resource',
  });
  return { account, container };
}
