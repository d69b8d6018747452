// The Azure resources of a TrusteeVm around its network and audit store: the Key Vault its VMs read their keys
// and state from, with the roles of the VMs and the deployer, and the confidential VMs themselves.
import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { Construct, Lazy } from '../internal/cdktf';
import { TrusteeVmReplica } from './trustee-vm-network';
import type { ParsedTrusteeVmProps, TrusteeVmCommon } from './trustee-vm-props';
import { TRUSTEE_VM_SECRETS } from './trustee-vm-secrets';

/** The Key Vault of a TrusteeVm, the deployer it trusts to write it, and the `kbs-state` secret. */
export interface TrusteeVmVault {
  readonly keyVault: KeyVault;
  readonly deployer: DataAzurermClientConfig;
  readonly stateSecret: KeyVaultSecret;
}

/**
 * The Key Vault (RBAC, purge protection, firewall) the VMs' identity reads, the deployer's right to write it, and
 * the `kbs-state` secret, whose value is produced at synth time from the KBS state.
 */
export function createTrusteeVmVault(
  scope: Construct,
  p: ParsedTrusteeVmProps,
  common: TrusteeVmCommon,
  identity: UserAssignedIdentity,
  encodedState: () => string,
): TrusteeVmVault {
  const keyVault = new KeyVault(scope, 'KeyVault', {
    ...common,
    name: p.keyVaultName,
    tenantId: p.tenantId,
    skuName: 'standard',
    rbacAuthorizationEnabled: true,
    purgeProtectionEnabled: true,
    softDeleteRetentionDays: 90,
    networkAcls: { defaultAction: 'Deny', bypass: 'None', ipRules: p.keyVaultAllowedIpRanges, virtualNetworkSubnetIds: [p.subnetId] },
  });
  new RoleAssignment(scope, 'VmReadsSecrets', {
    scope: keyVault.id,
    roleDefinitionName: 'Key Vault Secrets User',
    principalId: identity.principalId,
    principalType: 'ServicePrincipal',
    description: 'Trustee VM: read its key material, its state and the resources it serves',
  });
  // Whoever applies this stack writes the state secret (and, out of band, the key material).
  const deployer = new DataAzurermClientConfig(scope, 'Deployer', {});
  const officer = new RoleAssignment(scope, 'DeployerWritesSecrets', {
    scope: keyVault.id,
    roleDefinitionName: 'Key Vault Secrets Officer',
    principalId: deployer.objectId,
    description: 'The model owner deploying the trust stack: write the KBS state and key material',
  });
  const stateSecret = new KeyVaultSecret(scope, 'State', {
    name: TRUSTEE_VM_SECRETS.state,
    keyVaultId: keyVault.id,
    contentType: 'application/json+gzip+base64',
    value: Lazy.stringValue({ produce: encodedState }),
    dependsOn: [officer],
  });
  return { keyVault, deployer, stateSecret };
}

/** What createTrusteeVms places each replica's VM with. */
export interface TrusteeVmsInput {
  readonly replicas: readonly TrusteeVmReplica[];
  readonly nics: readonly NetworkInterface[];
  readonly identity: UserAssignedIdentity;
  readonly stateSecret: KeyVaultSecret;
  readonly cloudConfig: string;
}

/** The confidential VMs, one per replica: every replica boots the same custom data, and differs only in its NIC and zone. */
export function createTrusteeVms(scope: Construct, p: ParsedTrusteeVmProps, common: TrusteeVmCommon, input: TrusteeVmsInput): LinuxVirtualMachine[] {
  const { nics, identity, stateSecret, cloudConfig } = input;
  return input.replicas.map(
    (r, i) =>
      new LinuxVirtualMachine(scope, `Vm${r.suffix}`, {
        ...common,
        name: `${p.name}-vm${r.suffix ? `-${r.suffix}` : ''}`,
        ...(r.zone ? { zone: r.zone } : {}),
        size: p.size.name,
        adminUsername: 'kbsadmin',
        adminSshKey: [{ username: 'kbsadmin', publicKey: p.adminSshPublicKey }],
        disablePasswordAuthentication: true,
        networkInterfaceIds: [nics[i].id],
        identity: { type: 'UserAssigned', identityIds: [identity.id] },
        vtpmEnabled: true,
        secureBootEnabled: true,
        osDisk: { caching: 'ReadWrite', storageAccountType: 'Premium_LRS', securityEncryptionType: 'DiskWithVMGuestState' },
        sourceImageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'cvm', version: p.osImageVersion },
        // Nothing from the Azure control plane runs in the TEE: no extensions or run commands (they execute as root on the
        // word of anyone with write access to the VM), no VM agent to run them (cloud-init provisions the VM), and no boot
        // diagnostics (no serial console).
        allowExtensionOperations: false,
        provisionVmAgent: false,
        customData: Buffer.from(cloudConfig, 'utf8').toString('base64'),
        // The VM reads its keys once the role assignment exists.
        dependsOn: [stateSecret],
      }),
  );
}
