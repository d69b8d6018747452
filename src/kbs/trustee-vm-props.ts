import * as v from 'valibot';
import { azureLocation, keyVaultName, resourceGroupName } from '../azure/azure-names';
import { isIpv4AddressOrCidr, parseCidr, parseIpv4 } from '../azure/cidr';
import { IPeerPodNetworkWithSubnetCidr, PEER_POD_NETWORK } from '../azure/peer-pod-network';
import { ConfidentialVmSize, vmSizeSchema } from '../azure/vm-sizes';
import { Token } from '../internal/cdktf';
import { int, list, literalString, nonEmpty, noSecret, strictObject, str, stringMap } from '../internal/validation';
import { KbsAttestationProps, kbsAttestationShape, kbsImageSchema, kbsPublicMaterialShape } from './key-broker-base';

/** Props of TrusteeVm. */
export interface TrusteeVmProps extends KbsAttestationProps {
  /** The model owner's resource group (existing) the VM, its Key Vault and identity go into. */
  readonly resourceGroupName: string;
  /** Azure region. */
  readonly location: string;
  /**
   * A subnet the model owner controls (its own VNet, peered with the cluster's), with outbound internet access
   * (the image, packages, AMD KDS and Intel PCS certificates) and the `Microsoft.KeyVault` and `Microsoft.Storage`
   * service endpoints (its Key Vault and its audit storage account admit this subnet only).
   */
  readonly subnetId: string;
  /** CIDR of that subnet (known at synth time: the static address is checked against it). */
  readonly subnetCidr: string;
  /**
   * The KBS's private address in the subnet; pod VMs dial `https://<staticIp>:<port>` (it goes into initdata and is the
   * HTTPS certificate's SAN). With one replica it is the VM's; with more, the internal load balancer's frontend.
   */
  readonly staticIp: string;
  /**
   * How many KBS VMs serve, each built alike (same cloud-config, Key Vault, state and token signer, so any replica
   * verifies any token). More than one sit behind an internal Standard load balancer at `staticIp` with source-IP
   * affinity (a KBS session lives in the replica that opened it).
   * @default 1 (one VM at staticIp, no load balancer)
   */
  readonly replicas?: number;
  /**
   * Availability zones the replicas go into, one zone each, in order (replica i in zones[i]); at least as many as
   * replicas. The load balancer's frontend is placed in all of them: give all of the region's zones for a
   * zone-redundant frontend, e.g. ['1', '2', '3'].
   * @default - none (regional VMs, no zone pinning)
   */
  readonly zones?: string[];
  /**
   * Each replica's private address, when `replicas` > 1 (usable addresses of subnetCidr, distinct, not staticIp).
   * @default - the addresses right after staticIp (staticIp + 1, + 2, ...)
   */
  readonly replicaIps?: string[];
  /** The cluster's network: only its pod-VM subnet is admitted to the KBS for attestation. */
  readonly podVmNetwork: IPeerPodNetworkWithSubnetCidr;
  /**
   * Ignored: the Trustee VM's admin API is off (`authorization_mode = "DenyAll"`), so no NSG rule admits admins.
   * @deprecated the VM takes its state and resources from its Key Vault; remove this prop (a warning says so).
   * @default - none
   */
  readonly adminSourceRanges?: string[];
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
  /**
   * The Canonical `ubuntu-24_04-lts` `cvm` image version the VM boots, e.g. "24.04.202510010"; find versions with
   * `az vm image list --publisher Canonical --offer ubuntu-24_04-lts --sku cvm --all`. Pinned, so the KBS boots the image
   * you reviewed and a redeploy boots the same one; move it forward deliberately (a new version replaces the VM).
   */
  readonly osImageVersion: string;
  /** SSH public key of the VM's admin user (Azure requires one; no inbound SSH is admitted). */
  readonly adminSshPublicKey: string;
  /** PEM of the CA that issued the KBS HTTPS certificate (its SAN must be the static address). */
  readonly httpsCaCertPem: string;
  /**
   * Ignored: the Trustee VM's admin API is off (`authorization_mode = "DenyAll"`), so no admin key is configured.
   * @deprecated the VM takes its state and resources from its Key Vault; remove this prop (a warning says so).
   * @default - none
   */
  readonly adminPublicKeyPem?: string;
  /** PEM of the CA of the attestation token signer chain. */
  readonly tokenSignerCaCertPem: string;
  /**
   * Name of the storage account this construct creates for the key-release audit (3-24 lower-case letters and
   * digits, globally unique): every VM appends its KBS's journal there, into a container no one can change or empty
   * before `auditRetentionDays` pass.
   * @default - the Key Vault name in lower case without "-", then "audit" (at most 24 characters)
   */
  readonly auditStorageAccountName?: string;
  /** How long each audit record is kept write-once, in days. @default 365 */
  readonly auditRetentionDays?: number;
  /** The confidential VM size. @default ConfidentialVmSize.STANDARD_DC2AS_V5 */
  readonly size?: ConfidentialVmSize;
  /** Port of the KBS. @default 8080 */
  readonly port?: number;
  /** Name prefix of the VMs, NICs, NSG, load balancer and identity. @default 'trustee' */
  readonly name?: string;
  /** Tags. @default - none */
  readonly tags?: Record<string, string>;
}

const OS_IMAGE_VERSION_FIX =
  'must pin a version of the Canonical ubuntu-24_04-lts cvm image, e.g. "24.04.202510010", not "latest" (a redeploy would boot ' +
  'whatever image is newest then); list the versions with `az vm image list --publisher Canonical --offer ubuntu-24_04-lts --sku cvm --all`';

const ipv4Cidr = (what: string) => literalString(isIpv4AddressOrCidr, `must be an IPv4 address or CIDR (${what})`);

/** The schema TrusteeVm parses its props with. */
/** The resource group, location and tags every resource of a TrusteeVm shares. */
export interface TrusteeVmCommon {
  readonly resourceGroupName: string;
  readonly location: string;
  readonly tags: ParsedTrusteeVmProps['tags'];
}

/** TrusteeVmProps as parsed (defaults filled in). */
export type ParsedTrusteeVmProps = v.InferOutput<typeof trusteeVmPropsSchema>;

export const trusteeVmPropsSchema = strictObject({
  ...kbsAttestationShape,
  resourceGroupName: resourceGroupName(),
  location: azureLocation,
  subnetId: v.pipe(str(), nonEmpty()),
  subnetCidr: v.pipe(
    str(),
    v.check((s) => !Token.isUnresolved(s) && parseCidr(s) !== undefined, 'must be the literal IPv4 CIDR of the subnet, e.g. "10.250.0.0/26"'),
  ),
  staticIp: v.pipe(
    str(),
    v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: it goes into every workload initdata'),
    v.check((s) => parseIpv4(s) !== undefined, 'must be an IPv4 address'),
  ),
  replicas: v.optional(int(1, 10), 1),
  zones: v.optional(list(v.picklist(['1', '2', '3'], 'must be Azure availability zones "1", "2" or "3"'))),
  replicaIps: v.optional(
    list(
      v.pipe(
        str(),
        v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: the NSG and load balancer pool name them'),
        v.check((s) => parseIpv4(s) !== undefined, 'must be an IPv4 address'),
      ),
    ),
  ),
  podVmNetwork: PEER_POD_NETWORK.schema(),
  adminSourceRanges: v.optional(list(ipv4Cidr('an admin source'))),
  keyVaultName: keyVaultName('the VM reads its secrets from this vault'),
  tenantId: v.pipe(str(), nonEmpty()),
  // A list from a Terraform variable is one token; a literal list is checked item by item.
  keyVaultAllowedIpRanges: v.union(
    [
      v.custom<string[]>((x) => Token.isUnresolved(x), 'must be a Terraform list variable'),
      list(ipv4Cidr('a public address Terraform and key uploads come from')),
    ],
    'must be a list of public IPv4 addresses or CIDRs (empty: only from inside the subnet), or a Terraform list variable',
  ),
  image: kbsImageSchema,
  osImageVersion: v.pipe(
    v.string(OS_IMAGE_VERSION_FIX),
    v.check((s) => !Token.isUnresolved(s), `must be known at synth time: it ${OS_IMAGE_VERSION_FIX}`),
    v.check((s) => Token.isUnresolved(s) || /^\d+\.\d+\.\d+$/.test(s), OS_IMAGE_VERSION_FIX),
  ),
  adminSshPublicKey: v.pipe(
    str(),
    noSecret('the SSH public key (the .pub file)', 'the SSH private key stays with the admin'),
    literalString(
      (s) => /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(s),
      'must be an OpenSSH public key ("ssh-ed25519 AAAA...")',
    ),
  ),
  ...kbsPublicMaterialShape,
  adminPublicKeyPem: v.optional(kbsPublicMaterialShape.adminPublicKeyPem),
  auditStorageAccountName: v.optional(
    v.pipe(
      str(),
      v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: it goes into the VM custom data'),
      v.regex(/^[a-z0-9]{3,24}$/, 'must be 3-24 lower-case letters and digits (a storage account name)'),
    ),
  ),
  auditRetentionDays: v.optional(int(1, 146000), 365),
  size: v.optional(vmSizeSchema, ConfidentialVmSize.STANDARD_DC2AS_V5),
  port: v.optional(int(1, 65535), 8080),
  name: v.optional(v.pipe(str(), v.regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/, 'must be 2-32 lowercase letters, digits and "-"')), 'trustee'),
  tags: v.optional(stringMap(), {}),
});
