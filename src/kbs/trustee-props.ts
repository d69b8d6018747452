import { isK8sName } from '../attestation/k8s-names';
import * as v from 'valibot';
import { KbsConfig } from '../attestation/kbs-config';
import { parseIpv4 } from '../azure/cidr';
import { IKbsKeyVaultAccess, KBS_KEY_VAULT_ACCESS } from '../azure/kbs-key-vault-access';
import { IPeerPodNetworkWithSubnetCidr, PEER_POD_NETWORK } from '../azure/peer-pod-network';
import { Token } from '../internal/cdktf';
import { bool, int, intAtLeast, literalString, nonEmpty, strictObject, str } from '../internal/validation';
import { KbsAttestationProps, kbsAttestationShape, kbsImageSchema, kbsPublicMaterialShape } from './key-broker-base';

/** Props of Trustee. */
export interface TrusteeProps extends KbsAttestationProps {
  /** The network; the static IP must be a usable address of its node subnet. */
  readonly network: IPeerPodNetworkWithSubnetCidr;
  /**
   * Private IP of the internal load balancer in the node subnet. Known at synth time, it goes into every
   * workload's initdata as the KBS URL.
   */
  readonly staticIp: string;
  /**
   * Namespace of Trustee; with `keyVault`, the one its identity trusts.
   * @default - `keyVault.namespace`, or 'trustee'
   */
  readonly namespace?: string;
  /**
   * Port of the KBS.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Name of a `kubernetes.io/tls` Secret (tls.crt with the static IP as a SAN, tls.key) that you create out
   * of band; the private key never enters Terraform.
   */
  readonly httpsSecretName: string;
  /** PEM of the CA that issued the KBS certificate (public; pod VMs pin it through initdata). */
  readonly httpsCaCertPem: string;
  /** PEM public key of the KBS administrator (EC, RSA or Ed25519); admin JWTs must be signed by its key. */
  readonly adminPublicKeyPem: string;
  /**
   * Name of a Secret with the attestation token signer: tls.key (private key) and tls.crt (its certificate
   * chain). Created out of band.
   */
  readonly tokenSignerSecretName: string;
  /** PEM of the CA at the root of the token signer chain (public): the KBS trusts tokens it vouches for. */
  readonly tokenSignerCaCertPem: string;
  /**
   * Replicas. KBS sessions live in memory: more than one needs shared session storage, which this construct
   * does not configure, so only 1 is accepted.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Persistent storage of policies, reference values and resources.
   * @default { storageClassName: 'managed-csi', sizeGiB: 1 }
   */
  readonly storage?: { readonly storageClassName?: string; readonly sizeGiB?: number };
  /**
   * The Trustee all-in-one image (`VERSIONS.trusteeImage`), pinned by digest:
   * `ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0@sha256:<digest>`.
   */
  readonly image: string;
  /**
   * Read access to an Azure Key Vault (see KbsKeyVaultAccess, development only: the cluster admin can read the
   * vault through it), needed by resources declared with `ResourceSource.azureKeyVault`. The cluster needs the
   * Key Vault secrets provider add-on.
   * @default - no Key Vault
   */
  readonly keyVault?: IKbsKeyVaultAccess;
  /**
   * Edits the generated kbs-config.toml (an escape hatch). The result must still pass the security checks
   * unless `acceptKbsConfigFindingsInsecure` is set.
   * @default - the secure configuration as generated
   */
  readonly configure?: (config: KbsConfig) => KbsConfig;
  /**
   * Accepts a configuration with security findings (plain HTTP, InsecureAllowAll admin, Memory storage, ...).
   * For development only.
   * @default false
   */
  readonly acceptKbsConfigFindingsInsecure?: boolean;
  /** @deprecated use `acceptKbsConfigFindingsInsecure` (the same setting; this name goes in the next release). */
  readonly allowInsecureConfigForDevelopment?: boolean;
}

/** The schema of TrusteeProps. */
/** TrusteeProps as parsed (defaults filled in). */
export type ParsedTrusteeProps = v.InferOutput<typeof trusteePropsSchema>;

export const trusteePropsSchema = strictObject({
  ...kbsAttestationShape,
  ...kbsPublicMaterialShape,
  network: PEER_POD_NETWORK.schema(),
  staticIp: v.pipe(
    str(),
    v.check((s) => !Token.isUnresolved(s), 'must be known at synth time: it goes into every workload initdata'),
    v.check((s) => parseIpv4(s) !== undefined, 'must be an IPv4 address such as "10.224.0.250"'),
  ),
  namespace: v.optional(literalString(isK8sName, 'must be a Kubernetes namespace name')),
  port: v.optional(int(1, 65535), 8080),
  httpsSecretName: v.pipe(str(), v.minLength(1, 'must name the kubernetes.io/tls Secret of the KBS certificate')),
  tokenSignerSecretName: v.pipe(str(), v.minLength(1, 'must name the Secret of the attestation token signer')),
  replicas: v.optional(
    v.literal(
      1,
      'must be 1: KBS sessions live in memory, and more replicas need shared ' +
        'session storage (Redis or Postgres) that this construct does not configure',
    ),
    1,
  ),
  storage: v.optional(
    strictObject({
      storageClassName: v.optional(v.pipe(str(), nonEmpty()), 'managed-csi'),
      sizeGiB: v.optional(intAtLeast(1, 'must be a whole number of GiB, at least 1'), 1),
    }),
    { storageClassName: 'managed-csi', sizeGiB: 1 },
  ),
  image: kbsImageSchema,
  keyVault: v.optional(KBS_KEY_VAULT_ACCESS.schema()),
  configure: v.optional(
    v.custom<(c: KbsConfig) => KbsConfig>((f) => typeof f === 'function', 'must be a function that takes the KbsConfig and returns the edited one'),
  ),
  acceptKbsConfigFindingsInsecure: v.optional(bool(), false),
  allowInsecureConfigForDevelopment: v.optional(bool(), false),
});
