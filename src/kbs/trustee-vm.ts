import { DataAzurermClientConfig } from '@cdktf/provider-azurerm/lib/data-azurerm-client-config';
import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { LinuxVirtualMachine } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import * as v from 'valibot';
import { KbsConfig } from '../attestation/kbs-config';
import { checkedKbsConfig, secureKbsConfig } from '../attestation/kbs-defaults';
import { AzureTee } from '../attestation/reference-values';
import { azureLocation, resourceGroupName } from '../azure/azure-names';
import { isIpv4AddressOrCidr, isUsableAzureAddress, overlaps, parseCidr, parseIpv4 } from '../azure/cidr';
import { IPeerPodNetwork } from '../azure/peer-pod-network';
import { ConfidentialVmSize, vmSizeSchema } from '../azure/vm-sizes';
import { Annotations, Construct, Lazy, Token } from '../internal/cdktf';
import { PEER_POD_NETWORK } from '../internal/construct-interfaces';
import { ConstructValidationError, fieldOf, int, literalString, noSecret, parseProps } from '../internal/validation';
import { KbsAttestationProps, KeyBrokerBase, kbsAttestationShape, kbsImageSchema, kbsPublicMaterialShape } from './key-broker-base';
import { TRUSTEE_VM_PATHS, TRUSTEE_VM_SECRETS, encodeTrusteeVmState, renderTrusteeVmCloudConfig, trusteeVmStateDocument } from './trustee-vm-boot';

/** The largest value of a Key Vault secret, in bytes. */
const KEY_VAULT_SECRET_LIMIT = 25 * 1024;

/** Props of TrusteeVm. */
export interface TrusteeVmProps extends KbsAttestationProps {
  /** The model owner's resource group (existing) the VM, its Key Vault and identity go into. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /**
   * A subnet the model owner controls (its own VNet, peered with the cluster's), with outbound internet access
   * (the image, packages, AMD KDS and Intel PCS certificates) and the `Microsoft.KeyVault` service endpoint.
   */
  readonly subnetId: string;
  /** CIDR of that subnet (known at synth time: the static address is checked against it). */
  readonly subnetCidr: string;
  /** The VM's private address in the subnet; pod VMs dial `https://<staticIp>:<port>` (it goes into initdata). */
  readonly staticIp: string;
  /** The cluster's network: only its pod-VM subnet is admitted to the KBS for attestation. */
  readonly podVmNetwork: IPeerPodNetwork;
  /**
   * Private CIDRs the model owner's admins reach the KBS admin API from (it shares the KBS port; every admin
   * request also needs a JWT signed by the admin key).
   */
  readonly adminSourceRanges: string[];
  /** Name of the Key Vault this construct creates for the VM (3-24 letters, digits and "-", globally unique). */
  readonly keyVaultName: string;
  /** Entra ID tenant of the Key Vault. */
  readonly tenantId: string;
  /**
   * Public IPs or CIDRs allowed through the Key Vault firewall besides the VM's subnet: where Terraform writes
   * the KBS state and where the model owner uploads the key material from. Empty: only from inside the subnet.
   */
  readonly keyVaultAllowedIpRanges: string[];
  /** The Trustee all-in-one image, pinned by digest. */
  readonly image: string;
  /** SSH public key of the VM's admin user (Azure requires one; no inbound SSH is admitted). */
  readonly adminSshPublicKey: string;
  /** PEM of the CA that issued the KBS HTTPS certificate (its SAN must be the static address). */
  readonly httpsCaCertPem: string;
  /** PEM public key of the KBS administrator. */
  readonly adminPublicKeyPem: string;
  /** PEM of the CA of the attestation token signer chain. */
  readonly tokenSignerCaCertPem: string;
  /** The confidential VM size. @default ConfidentialVmSize.STANDARD_DC2AS_V5 */
  readonly size?: ConfidentialVmSize;
  /** Port of the KBS. @default 8080 */
  readonly port?: number;
  /** Name prefix of the VM, NIC, NSG and identity. @default 'trustee' */
  readonly name?: string;
  /** Tags. @default - none */
  readonly tags?: Record<string, string>;
}

const ipv4Cidr = (what: string) => literalString(isIpv4AddressOrCidr, `must be an IPv4 address or CIDR (${what})`);

const schema = v.object({
  ...kbsAttestationShape,
  resourceGroupName: resourceGroupName(),
  location: azureLocation,
  subnetId: v.pipe(v.string(), v.minLength(1)),
  subnetCidr: v.pipe(
    v.string(),
    v.check((s) => !Token.isUnresolved(s) && parseCidr(s) !== undefined, 'must be the literal IPv4 CIDR of the subnet, e.g. "10.250.0.0/26"'),
  ),
  staticIp: v.pipe(
    v.string(),
    v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: it goes into every workload initdata'),
    v.check((s) => parseIpv4(s) !== undefined, 'must be an IPv4 address'),
  ),
  podVmNetwork: PEER_POD_NETWORK.schema(),
  adminSourceRanges: v.pipe(
    v.array(ipv4Cidr('an admin source')),
    v.minLength(1, 'must name where admins reach the KBS admin API from (a VPN or bastion range)'),
  ),
  keyVaultName: v.pipe(
    v.string(),
    v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: the VM reads its secrets from this vault'),
    v.check(
      (s) => /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/.test(s) && !s.includes('--'),
      'must be 3-24 letters, digits and single "-", starting with a letter',
    ),
  ),
  tenantId: v.pipe(v.string(), v.minLength(1)),
  // A list from a Terraform variable is one token; a literal list is checked item by item.
  keyVaultAllowedIpRanges: v.union([
    v.custom<string[]>((x) => Token.isUnresolved(x)),
    v.array(ipv4Cidr('a public address Terraform and key uploads come from')),
  ]),
  image: kbsImageSchema,
  adminSshPublicKey: v.pipe(
    v.string(),
    noSecret('the SSH public key (the .pub file)', 'the SSH private key stays with the admin'),
    literalString(
      (s) => /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(s),
      'must be an OpenSSH public key ("ssh-ed25519 AAAA...")',
    ),
  ),
  ...kbsPublicMaterialShape,
  size: v.optional(vmSizeSchema, ConfidentialVmSize.STANDARD_DC2AS_V5),
  port: v.optional(int(1, 65535), 8080),
  name: v.optional(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be 2-32 lowercase letters, digits and "-"')), 'trustee'),
  tags: v.optional(v.record(v.string(), v.string()), {}),
});

/**
 * Trustee on an Azure confidential VM in the model owner's resource group and subnet, out of the cluster
 * admin's reach: a confidential size (SNP or TDX) with its VM guest state and OS disk encrypted by the TEE,
 * secure boot and vTPM, no public IP, and an NSG that admits the KBS port only from the pod-VM subnet and the
 * admin ranges you name. The KBS image is pinned by digest. Its private keys (HTTPS, token signer) are read at
 * boot by the VM's managed identity from a Key Vault this construct creates (RBAC, purge protection, firewall),
 * never from the plan, state or custom data. The KBS state (policies, reference values, Key Vault resources) is
 * a Key Vault secret Terraform writes; a timer on the VM applies it within a minute, so a changed workload
 * reaches the KBS on the next apply without replacing the VM.
 */
export class TrusteeVm extends KeyBrokerBase {
  /** The VM (escape hatch). */
  public readonly vm: LinuxVirtualMachine;
  /** The Key Vault the VM reads its keys and state from. */
  public readonly keyVault: KeyVault;
  /** The `kbs-state` secret (public content: policies and reference values). */
  public readonly stateSecret: KeyVaultSecret;
  /** The NSG of the VM's NIC. */
  public readonly nsg: NetworkSecurityGroup;
  /** The VM's managed identity. */
  public readonly identity: UserAssignedIdentity;
  /** The rendered kbs-config.toml. */
  public readonly kbsConfigToml: string;
  /** The configuration as Trustee reads it. */
  public readonly kbsConfig: KbsConfig;
  private readonly vmTee: AzureTee | undefined;
  private readonly expiration: string;
  private encoded?: { readonly revision: number; readonly value: string };

  constructor(scope: Construct, id: string, props: TrusteeVmProps) {
    super(scope, id, 'TrusteeVm', ['out-of-band', 'azure-key-vault']);
    const p = parseProps(this, 'TrusteeVm', schema, props);
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'TrusteeVm', field, message);
    };
    const subnet = parseCidr(p.subnetCidr)!;
    if (!isUsableAzureAddress(subnet, p.staticIp))
      fail('staticIp', `${p.staticIp} is not a usable address of ${p.subnetCidr} (Azure reserves the first four and the last)`);
    const podVmCidr = p.podVmNetwork.podVmSubnetCidr;
    if (podVmCidr === undefined || Token.isUnresolved(podVmCidr))
      fail('podVmNetwork', 'must give podVmSubnetCidr (known at synth time): the NSG admits the KBS port only from it');
    const clusterSpace = p.podVmNetwork.addressSpace;
    if (clusterSpace !== undefined && !Token.isUnresolved(clusterSpace) && overlaps(parseCidr(clusterSpace)!, subnet)) {
      fail(
        'subnetCidr',
        `${p.subnetCidr} overlaps the cluster's VNet ${clusterSpace}: peered ` +
          `networks cannot overlap, and the KBS must sit outside the cluster's network`,
      );
    }
    if (!p.size.isConfidential || p.size.evidenceType === undefined)
      fail('size', `${p.size.name} is not a confidential size: the KBS would run where the cloud operator reads its memory`);
    this.vmTee = p.size.evidenceType;
    this.expiration = p.referenceValuesExpire;

    this.initKeyBroker({ url: `https://${p.staticIp}:${p.port}`, caCertPem: p.httpsCaCertPem }, p);

    const paths = TRUSTEE_VM_PATHS;
    const config = secureKbsConfig({
      port: p.port,
      tls: { privateKeyPath: `${paths.secrets}/https.key`, certificatePath: `${paths.secrets}/https.crt` },
      adminPublicKeyPath: `${paths.config}/admin-public.pem`,
      tokenSigner: { keyPath: `${paths.secrets}/signer.key`, certChainPath: `${paths.secrets}/signer.crt` },
      trustedCertsPaths: [`${paths.config}/token-signer-ca.pem`],
      storageDir: paths.storage,
    });
    const checked = checkedKbsConfig(config, fieldOf(this, 'TrusteeVm', 'kbsConfig'));
    this.kbsConfig = checked.config;
    this.kbsConfigToml = checked.toml;
    if (checked.findings.length > 0) fail('kbsConfig', `is insecure: ${checked.findings.map((f) => `${f.key} ${f.message}`).join('; ')}`);

    const common = { resourceGroupName: p.resourceGroupName, location: p.location, tags: p.tags };
    this.identity = new UserAssignedIdentity(this, 'Identity', { ...common, name: `${p.name}-identity` });
    this.keyVault = new KeyVault(this, 'KeyVault', {
      ...common,
      name: p.keyVaultName,
      tenantId: p.tenantId,
      skuName: 'standard',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: 90,
      networkAcls: { defaultAction: 'Deny', bypass: 'None', ipRules: p.keyVaultAllowedIpRanges, virtualNetworkSubnetIds: [p.subnetId] },
    });
    new RoleAssignment(this, 'VmReadsSecrets', {
      scope: this.keyVault.id,
      roleDefinitionName: 'Key Vault Secrets User',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
      description: 'Trustee VM: read its key material, its state and the resources it serves',
    });
    // Whoever applies this stack writes the state secret (and, out of band, the key material).
    const deployer = new DataAzurermClientConfig(this, 'Deployer', {});
    const officer = new RoleAssignment(this, 'DeployerWritesSecrets', {
      scope: this.keyVault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: deployer.objectId,
      description: 'The model owner deploying the trust stack: write the KBS state and key material',
    });
    this.stateSecret = new KeyVaultSecret(this, 'State', {
      name: TRUSTEE_VM_SECRETS.state,
      keyVaultId: this.keyVault.id,
      contentType: 'application/json+gzip+base64',
      value: Lazy.stringValue({ produce: () => this.encodedState() }),
      dependsOn: [officer],
    });

    this.nsg = new NetworkSecurityGroup(this, 'Nsg', { ...common, name: `${p.name}-nsg` });
    const rule = (rid: string, priority: number, access: 'Allow' | 'Deny', sources: string[], ports: string, name: string): void => {
      new NetworkSecurityRule(this, rid, {
        name,
        resourceGroupName: p.resourceGroupName,
        networkSecurityGroupName: this.nsg.name,
        priority,
        direction: 'Inbound',
        access,
        protocol: access === 'Allow' ? 'Tcp' : '*',
        sourcePortRange: '*',
        destinationPortRange: ports,
        sourceAddressPrefixes: sources,
        destinationAddressPrefix: p.staticIp,
      });
    };
    rule('AllowPodVms', 100, 'Allow', [podVmCidr!], String(p.port), 'allow-kbs-from-pod-vms');
    rule('AllowAdmins', 110, 'Allow', p.adminSourceRanges, String(p.port), 'allow-kbs-admin-api');
    // Azure's default rules admit the whole VNet (and peered ones); nothing else may reach the VM.
    rule('DenyOthers', 4000, 'Deny', ['0.0.0.0/0'], '*', 'deny-all-other-inbound');

    const nic = new NetworkInterface(this, 'Nic', {
      ...common,
      name: `${p.name}-nic`,
      ipConfiguration: [{ name: 'kbs', subnetId: p.subnetId, privateIpAddressAllocation: 'Static', privateIpAddress: p.staticIp }],
    });
    new NetworkInterfaceSecurityGroupAssociation(this, 'NicNsg', { networkInterfaceId: nic.id, networkSecurityGroupId: this.nsg.id });

    const cloudConfig = renderTrusteeVmCloudConfig({
      kbsConfigToml: this.kbsConfigToml,
      adminPublicKeyPem: p.adminPublicKeyPem,
      tokenSignerCaCertPem: p.tokenSignerCaCertPem,
      image: p.image,
      vaultName: p.keyVaultName,
    });
    this.vm = new LinuxVirtualMachine(this, 'Vm', {
      ...common,
      name: `${p.name}-vm`,
      size: p.size.name,
      adminUsername: 'kbsadmin',
      adminSshKey: [{ username: 'kbsadmin', publicKey: p.adminSshPublicKey }],
      disablePasswordAuthentication: true,
      networkInterfaceIds: [nic.id],
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },
      vtpmEnabled: true,
      secureBootEnabled: true,
      osDisk: { caching: 'ReadWrite', storageAccountType: 'Premium_LRS', securityEncryptionType: 'DiskWithVMGuestState' },
      sourceImageReference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'cvm', version: 'latest' },
      customData: Buffer.from(cloudConfig, 'utf8').toString('base64'),
      // The VM reads its keys once the role assignment exists.
      dependsOn: [this.stateSecret],
    });
  }

  /**
   * The commands that upload the KBS key material (written by `cai-create-key-material <dir>` with
   * `KBS_IP=<staticIp>`) into the VM's Key Vault, run by the model owner from an allowed address.
   */
  public uploadKeyMaterialCommands(dir = '.secrets'): string[] {
    const vault = this.keyVault.name;
    const set = (name: string, file: string) => `az keyvault secret set --vault-name ${vault} --name ${name} --file ${dir}/${file}`;
    return [
      set(TRUSTEE_VM_SECRETS.httpsKey, 'kbs-https.key'),
      set(TRUSTEE_VM_SECRETS.httpsCert, 'kbs-https.crt'),
      set(TRUSTEE_VM_SECRETS.signerKey, 'token-signer.key'),
      set(TRUSTEE_VM_SECRETS.signerChain, 'token-signer-chain.pem'),
    ];
  }

  /** The `kbs-state` secret value, rendered once per state revision (validation and synth both read it). */
  private encodedState(): string {
    if (this.encoded?.revision !== this.state.revision) {
      this.encoded = { revision: this.state.revision, value: encodeTrusteeVmState(trusteeVmStateDocument(this.state, this.expiration)) };
    }
    return this.encoded.value;
  }

  protected placementProblems(): string[] {
    const reserved = new Set<string>(Object.values(TRUSTEE_VM_SECRETS));
    const problems: string[] = this.state
      .keyVaultResources()
      .filter((r) => reserved.has(r.secretName))
      .map(
        (r) =>
          `${r.resource.uri} comes from Key Vault secret ${r.secretName}, a name ` +
          `the Trustee VM keeps for itself; store the resource under another name`,
      );
    // Key Vault holds at most 25 KB per secret value.
    const size = this.encodedState().length;
    if (size > KEY_VAULT_SECRET_LIMIT) {
      problems.push(
        `the KBS state is ${size} bytes once compressed, more than a Key Vault ` +
          `secret holds (${KEY_VAULT_SECRET_LIMIT}); split the workloads over two KBSs`,
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
