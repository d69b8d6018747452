import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { Lb } from '@cdktf/provider-azurerm/lib/lb';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { KbsConfig } from '../attestation/kbs-config';
import { checkedKbsConfig, secureKbsConfig } from '../attestation/kbs-defaults';
import { AzureTee } from '../attestation/reference-values';
import type { ResourcePathLike } from '../attestation/resource-path';
import { KEY_VAULT_SECRET_VALUE_LIMIT, keyVaultUploadCommand } from '../attestation/key-vault-names';
import { isUsableAzureAddress, overlaps, parseCidr } from '../azure/cidr';
import { warnOfRegionOffers } from '../azure/region-offer-warnings';
import { Annotations, Construct, Token } from '../internal/cdktf';
import { ConstructValidationError, fieldOf, parseProps } from '../internal/validation';
import { KeyBrokerBase } from './key-broker-base';
import { KbsAuditTrail } from '../attestation/trust-report';
import { TRUSTEE_VM_PATHS, encodeTrusteeVmState, renderTrusteeVmCloudConfig, trusteeVmStateDocument } from './trustee-vm-boot';
import { KBS_AUDIT_CONTAINER, TrusteeVmAudit, createTrusteeVmAudit, defaultAuditAccountName } from './trustee-vm-audit';
import { TrusteeVmReplica, createTrusteeVmNetwork, trusteeVmReplicas } from './trustee-vm-network';
import { ParsedTrusteeVmProps, TrusteeVmProps, trusteeVmPropsSchema } from './trustee-vm-props';
import { TRUSTEE_VM_SECRETS, trusteeVmResourceSecrets, trusteeVmSecretProblems } from './trustee-vm-secrets';
import { createTrusteeVmVault, createTrusteeVms } from './trustee-vm-resources';

/**
 * Trustee on an Azure confidential VM in the model owner's resource group and subnet, out of the cluster
 * admin's reach: a confidential size (SNP or TDX) with its VM guest state and OS disk encrypted by the TEE,
 * secure boot and vTPM, a pinned OS image, no public IP, no VM agent, extensions, run commands or serial console,
 * and an NSG that admits the KBS port only from the pod-VM subnet. The KBS image is pinned by digest and its admin
 * API is off (DenyAll). Its private keys (HTTPS, token signer) are read at boot by the VM's managed identity from a
 * Key Vault this construct creates (RBAC, purge protection, firewall), never from the plan, state or custom data.
 * The KBS state (policies, reference values, and the Key Vault secret of every resource) is a Key Vault secret
 * Terraform writes; a timer on the VM applies it within a minute, so a changed workload reaches the KBS on the
 * next apply without replacing the VM.
 */
export class TrusteeVm extends KeyBrokerBase {
  /** The first replica's VM (escape hatch). */
  public readonly vm: LinuxVirtualMachine;
  /** Every replica's VM, by index (escape hatches). */
  public readonly vms: LinuxVirtualMachine[];
  /** The internal load balancer at staticIp, when there is more than one replica. */
  public readonly loadBalancer?: Lb;
  /** The Key Vault the VM reads its keys and state from. */
  public readonly keyVault: KeyVault;
  /** The `kbs-state` secret (public content: policies and reference values). */
  public readonly stateSecret: KeyVaultSecret;
  /** The NSG of the VMs' NICs. */
  public readonly nsg: NetworkSecurityGroup;
  /** The VM's managed identity. */
  public readonly identity: UserAssignedIdentity;
  /** The write-once store of the KBS's journal (who received what, who was refused). */
  public readonly audit: TrusteeVmAudit;
  /** The rendered kbs-config.toml. */
  public readonly kbsConfigToml: string;
  /** The configuration as Trustee reads it. */
  public readonly kbsConfig: KbsConfig;
  private readonly vmTee: AzureTee | undefined;
  private readonly vaultName: string;
  private readonly expiration: string;
  private readonly auditAccount: string;
  private readonly auditDays: number;
  private encoded?: { readonly revision: number; readonly value: string };

  constructor(scope: Construct, id: string, props: TrusteeVmProps) {
    super(scope, id, 'TrusteeVm', ['out-of-band', 'azure-key-vault']);
    const p = parseProps(this, 'TrusteeVm', trusteeVmPropsSchema, props);
    const { replicas, podVmCidr } = this.checkPlacement(p);
    this.vmTee = p.size.evidenceType;
    for (const prop of ['adminPublicKeyPem', 'adminSourceRanges'] as const) {
      if (p[prop] !== undefined) {
        Annotations.of(this).addWarning(
          `${prop} is deprecated and ignored: the Trustee VM's admin API is off (authorization_mode = "DenyAll"); ` +
            'its policies, reference values and resources come from its Key Vault (setResourceCommand); remove the prop',
        );
      }
    }
    this.expiration = p.referenceValuesExpire;
    this.vaultName = p.keyVaultName;

    this.initKeyBroker({ url: `https://${p.staticIp}:${p.port}`, caCertPem: p.httpsCaCertPem }, p);
    const checked = this.checkedConfig(p);
    this.kbsConfig = checked.config;
    this.kbsConfigToml = checked.toml;

    const common = { resourceGroupName: p.resourceGroupName, location: p.location, tags: p.tags };
    this.identity = new UserAssignedIdentity(this, 'Identity', { ...common, name: `${p.name}-identity` });
    const vault = createTrusteeVmVault(this, p, common, this.identity, () => this.encodedState());
    this.keyVault = vault.keyVault;
    this.stateSecret = vault.stateSecret;

    const net = createTrusteeVmNetwork(this, {
      ...common,
      name: p.name,
      subnetId: p.subnetId,
      staticIp: p.staticIp,
      port: p.port,
      podVmCidr,
      replicas,
      zones: p.zones,
    });
    this.nsg = net.nsg;
    this.loadBalancer = net.loadBalancer;

    const auditAccount = p.auditStorageAccountName ?? defaultAuditAccountName(p.keyVaultName);
    this.audit = createTrusteeVmAudit(this, {
      ...common,
      accountName: auditAccount,
      subnetId: p.subnetId,
      ownerIpRanges: p.keyVaultAllowedIpRanges,
      retentionDays: p.auditRetentionDays,
      vmPrincipalId: this.identity.principalId,
      deployerObjectId: vault.deployer.objectId,
    });
    this.auditDays = p.auditRetentionDays;
    this.auditAccount = auditAccount;
    const cloudConfig = renderTrusteeVmCloudConfig({
      audit: { account: auditAccount, container: KBS_AUDIT_CONTAINER },
      kbsConfigToml: this.kbsConfigToml,
      tokenSignerCaCertPem: p.tokenSignerCaCertPem,
      image: p.image,
      vaultName: p.keyVaultName,
    });
    this.vms = createTrusteeVms(this, p, common, { replicas, nics: net.nics, identity: this.identity, stateSecret: this.stateSecret, cloudConfig });
    this.vm = this.vms[0];
  }

  private fail(field: string, message: string): never {
    throw new ConstructValidationError(this.node.path, 'TrusteeVm', field, message);
  }

  /**
   * Where the replicas sit, checked: the subnet and its addresses, the pod-VM subnet, no overlap with the cluster, a TEE
   * (and a warning when the table of region offers does not list the size's family in the location).
   */
  private checkPlacement(p: ParsedTrusteeVmProps): { replicas: TrusteeVmReplica[]; podVmCidr: string } {
    const subnet = parseCidr(p.subnetCidr)!;
    if (!isUsableAzureAddress(subnet, p.staticIp))
      this.fail('staticIp', `${p.staticIp} is not a usable address of ${p.subnetCidr} (Azure reserves the first four and the last)`);
    const placed = trusteeVmReplicas(subnet, p.staticIp, p.replicas, p.zones, p.replicaIps);
    if (!Array.isArray(placed)) throw new ConstructValidationError(this.node.path, 'TrusteeVm', placed.field, placed.message);
    const podVmCidr = p.podVmNetwork.podVmSubnetCidr;
    if (podVmCidr === undefined || Token.isUnresolved(podVmCidr))
      this.fail('podVmNetwork', 'must give podVmSubnetCidr (known at synth time): the NSG admits the KBS port only from it');
    const clusterSpace = p.podVmNetwork.addressSpace;
    if (clusterSpace !== undefined && !Token.isUnresolved(clusterSpace) && overlaps(parseCidr(clusterSpace)!, subnet)) {
      this.fail(
        'subnetCidr',
        `${p.subnetCidr} overlaps the cluster's VNet ${clusterSpace}: peered ` +
          `networks cannot overlap, and the KBS must sit outside the cluster's network`,
      );
    }
    if (!p.size.isConfidential || p.size.evidenceType === undefined)
      this.fail('size', `${p.size.name} is not a confidential size: the KBS would run where the cloud operator reads its memory`);
    warnOfRegionOffers(this, 'TrusteeVm', [['size', p.size]], p.location);
    return { replicas: placed, podVmCidr: podVmCidr! };
  }

  /** The kbs-config.toml: secure, its admin API off, rendered and parsed back; any insecure finding is an error. */
  private checkedConfig(p: ParsedTrusteeVmProps): ReturnType<typeof checkedKbsConfig> {
    const paths = TRUSTEE_VM_PATHS;
    const config = secureKbsConfig({
      port: p.port,
      tls: { privateKeyPath: `${paths.secrets}/https.key`, certificatePath: `${paths.secrets}/https.crt` },
      // Nothing administers this KBS through its API: its state arrives from Key Vault as files (kbs-sync).
      adminApiDisabled: true,
      tokenSigner: { keyPath: `${paths.secrets}/signer.key`, certChainPath: `${paths.secrets}/signer.crt` },
      trustedCertsPaths: [`${paths.config}/token-signer-ca.pem`],
      storageDir: paths.storage,
    });
    const checked = checkedKbsConfig(config, fieldOf(this, 'TrusteeVm', 'kbsConfig'));
    if (checked.findings.length > 0) this.fail('kbsConfig', `is insecure: ${checked.findings.map((f) => `${f.key} ${f.message}`).join('; ')}`);
    return checked;
  }

  /**
   * The commands that upload the KBS key material (written by `cai-create-key-material <dir>` with
   * `KBS_IP=<staticIp>`, which prints the same commands) into the VM's Key Vault, run by the model owner from an
   * allowed address.
   */
  public uploadKeyMaterialCommands(dir = '.secrets'): string[] {
    const set = (name: string, file: string) => keyVaultUploadCommand(this.vaultName, name, `${dir}/${file}`);
    return [
      set(TRUSTEE_VM_SECRETS.httpsKey, 'kbs-https.key'),
      set(TRUSTEE_VM_SECRETS.httpsCert, 'kbs-https.crt'),
      set(TRUSTEE_VM_SECRETS.signerKey, 'token-signer.key'),
      set(TRUSTEE_VM_SECRETS.signerChain, 'token-signer-chain.pem'),
    ];
  }

  /**
   * The command that sets a declared resource: with the admin API off, an out-of-band resource is a secret of the VM's
   * Key Vault named after its path (`resourceSecretName`), uploaded by the model owner from an allowed address with
   * `az keyvault secret set ... --encoding base64` (any bytes survive; the VM decodes it). The VM fetches it within a
   * minute; setting it again is a new version (rotation), deleting the secret revokes the resource. An `azureKeyVault`
   * resource gets the same command with its own secret name. The secret never enters Terraform.
   */
  public setResourceCommand(resource: ResourcePathLike, resourceFile = '<file>'): string {
    const fail = (message: string): never => {
      throw new ConstructValidationError(this.node.path, 'TrusteeVm', 'setResourceCommand.resource', message);
    };
    const path = this.state.resourcePath(resource, fieldOf(this, 'TrusteeVm', 'setResourceCommand.resource'));
    const read = trusteeVmResourceSecrets(this.state).find((r) => r.resource.equals(path));
    if (read?.version) {
      fail(
        `${path.uri} is pinned to version ${read.version} of Key Vault secret ${read.secretName}, so a version set now would never ` +
          'be read; drop the version from ResourceSource.azureKeyVault to rotate it by setting a new one',
      );
    }
    if (read === undefined) {
      const source = this.state.declaredResources.find((r) => r.path.equals(path))!.source;
      return fail(`${path.uri} comes from ${source.describe()}, which a TrusteeVm cannot read`);
    }
    return keyVaultUploadCommand(this.vaultName, read.secretName, resourceFile, { base64: true });
  }

  protected auditTrail(): KbsAuditTrail {
    return {
      where:
        `container ${KBS_AUDIT_CONTAINER} of storage account ${this.auditAccount}, one append blob per VM and UTC day ` +
        `(<vm>/<yyyy-mm-dd>.log), write-once for ${this.auditDays} days`,
      releases: 'a line `"GET /kbs/v0/resource/<repo>/<type>/<tag> HTTP/1.1" 200` with the pod VM address; a refusal: 401 and `PolicyDeny`',
    };
  }

  /** The `kbs-state` secret value, rendered once per state revision (validation and synth both read it). */
  private encodedState(): string {
    if (this.encoded?.revision !== this.state.revision) {
      this.encoded = { revision: this.state.revision, value: encodeTrusteeVmState(trusteeVmStateDocument(this.state, this.expiration)) };
    }
    return this.encoded.value;
  }

  protected placementProblems(): string[] {
    const problems = trusteeVmSecretProblems(this.state);
    // Key Vault holds at most 25 KB per secret value.
    const size = this.encodedState().length;
    if (size > KEY_VAULT_SECRET_VALUE_LIMIT) {
      problems.push(
        `the KBS state is ${size} bytes once compressed, more than a Key Vault ` +
          `secret holds (${KEY_VAULT_SECRET_VALUE_LIMIT}); split the workloads over two KBSs`,
      );
    }
    const measured = new Set(this.state.referenceValues().tees);
    if (this.vmTee && measured.size > 0 && !measured.has(this.vmTee)) {
      Annotations.of(this).addWarning(
        `the KBS VM is ${this.vmTee} but the pod VMs it attests are ${[...measured].join(', ')}: make sure the region offers both`,
      );
    }
    return problems;
  }
}
