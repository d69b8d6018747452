import { createHash } from 'node:crypto';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { DeploymentV1 } from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NamespaceV1 } from '@cdktf/provider-kubernetes/lib/namespace-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { KbsConfig } from '../attestation/kbs-config';
import { DEFAULT_KBS_STORAGE_DIR, checkedKbsConfig, secureKbsConfig } from '../attestation/kbs-defaults';
import { isUsableAzureAddress, parseCidr } from '../azure/cidr';
import { KBS_WORKLOAD_IDENTITY } from '../azure/kbs-key-vault-access';
import { Annotations, Construct, Lazy, Token } from '../internal/cdktf';
import { ConstructValidationError, fieldOf, parseProps } from '../internal/validation';
import { keyVaultSecretProviderClass } from './trustee-key-vault';
import { ParsedTrusteeProps, TrusteeProps, trusteePropsSchema } from './trustee-props';
import { KeyBrokerBase } from './key-broker-base';
import { CONFIG_DIR, HTTPS_DIR, SIGNER_DIR, cachedSeed, renderKbsDeployment, renderKbsNetworkPolicy, renderKbsService } from './trustee-render';

/**
 * Trustee (KBS with the built-in attestation service and RVPS) in the cluster, secure by default: HTTPS with
 * a certificate you provide, the admin API behind AuthenticatedAuthorization, signed attestation tokens
 * verified against their CA, LocalFs storage on a persistent volume, and an internal load balancer with a
 * static private IP that pod VMs dial. The attestation policy, resource policy and reference values are
 * rendered from what images and workloads register, and seeded into the storage when the pod starts.
 */
export class Trustee extends KeyBrokerBase {
  /** The KBS Deployment (escape hatch). */
  public readonly resource: DeploymentV1;
  /** The internal load balancer Service. */
  public readonly service: ServiceV1;
  /** The NetworkPolicy that admits only the pod-VM subnet to the KBS port. */
  public readonly networkPolicy: NetworkPolicyV1;
  /** The namespace. */
  public readonly namespace: string;
  /** The rendered kbs-config.toml. */
  public readonly kbsConfigToml: string;
  /** The configuration as Trustee will read it (parsed back from `kbsConfigToml`). */
  public readonly kbsConfig: KbsConfig;

  private readonly keyVault: boolean;

  constructor(scope: Construct, id: string, props: TrusteeProps) {
    super(scope, id, 'Trustee', ['out-of-band', 'kubernetes-secret', 'azure-key-vault']);
    const p = parseProps(this, 'Trustee', trusteePropsSchema, props);
    if (props.allowInsecureConfigForDevelopment !== undefined)
      Annotations.of(this).addWarning('allowInsecureConfigForDevelopment is deprecated: use acceptKbsConfigFindingsInsecure (the same setting)');
    this.checkStaticIp(p);
    const namespace = this.namespaceOf(p);
    this.namespace = namespace;
    const podVmCidr = this.podVmCidrOf(p);
    Annotations.of(this).addWarning(
      'in-cluster Trustee: the cluster admin this library defends against can exec ' +
        'into the KBS pod and read its HTTPS and token-signer keys and every resource, ' +
        'and rewrite its policies; development only. Run the KBS where the admin cannot reach it: TrusteeVm or ExternalKbs',
    );
    this.keyVault = p.keyVault !== undefined;
    this.initKeyBroker({ url: `https://${p.staticIp}:${p.port}`, caCertPem: p.httpsCaCertPem }, p);

    const checked = this.checkedConfig(p);
    this.kbsConfigToml = checked.toml;
    const effective = checked.config;
    this.kbsConfig = effective;
    const storageDir = effective.storage_backend?.backends?.local_fs?.dir_path ?? DEFAULT_KBS_STORAGE_DIR;

    const ns = new NamespaceV1(this, 'Namespace', {
      // baseline, not restricted: the upstream KBS image runs as root. The containers still drop every
      // capability and forbid privilege escalation.
      metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'restricted' } },
    });
    const nsName = ns.metadata.name;
    const labels = { 'app.kubernetes.io/name': 'kbs', 'app.kubernetes.io/part-of': 'trustee' };

    const configMap = new ConfigMapV1(this, 'Config', {
      metadata: { name: 'kbs-config', namespace: nsName, labels },
      data: {
        'kbs-config.toml': this.kbsConfigToml,
        'admin-public.pem': p.adminPublicKeyPem,
        'token-signer-ca.pem': p.tokenSignerCaCertPem,
      },
    });
    const seed = cachedSeed(this.state, storageDir, p.referenceValuesExpire);
    const seedConfigMap = new ConfigMapV1(this, 'Seed', {
      metadata: { name: 'kbs-seed', namespace: nsName, labels },
      data: Token.asStringMap(Lazy.anyValue({ produce: () => seed().configMapData })),
    });
    const { claim, serviceAccount, keyVaultClass } = this.storageAndIdentity(p, nsName, labels);

    this.resource = renderKbsDeployment(this, {
      p,
      state: this.state,
      nsName,
      labels,
      storageDir,
      seed,
      configMap,
      seedConfigMap,
      claim,
      serviceAccount,
      keyVaultClass,
      configSha256: sha256(this.kbsConfigToml + p.adminPublicKeyPem + p.tokenSignerCaCertPem),
    });
    this.service = renderKbsService(this, p, nsName, labels);
    this.networkPolicy = renderKbsNetworkPolicy(this, p.port, nsName, labels, podVmCidr);
  }

  protected placementProblems(): string[] {
    return this.state.keyVaultResources().length > 0 && !this.keyVault
      ? ['resources come from Azure Key Vault, but the Trustee has no keyVault access; pass keyVault: new KbsKeyVaultAccess(...)']
      : [];
  }

  private fail(field: string, message: string): never {
    throw new ConstructValidationError(this.node.path, 'Trustee', field, message);
  }

  /** The static IP must be a usable address of the node subnet, when that is known at synth time. */
  private checkStaticIp(p: ParsedTrusteeProps): void {
    const cidr = p.network.nodeSubnetCidr;
    if (cidr === undefined || Token.isUnresolved(cidr)) {
      Annotations.of(this).addWarning(`the node subnet CIDR is not known at synth time, so staticIp ${p.staticIp} cannot be checked against it`);
    } else if (!isUsableAzureAddress(parseCidr(cidr)!, p.staticIp)) {
      this.fail(
        'staticIp',
        `${p.staticIp} is not a usable address of the node subnet ${cidr} (Azure ` +
          `reserves the first four and the last); pick a free address inside it`,
      );
    }
  }

  /** One source: with Key Vault access, the namespace and service account are those its identity trusts. */
  private namespaceOf(p: ParsedTrusteeProps): string {
    const namespace = p.namespace ?? p.keyVault?.namespace ?? KBS_WORKLOAD_IDENTITY.defaultNamespace;
    if (p.keyVault && p.namespace !== undefined && !Token.isUnresolved(p.keyVault.namespace) && p.keyVault.namespace !== namespace) {
      this.fail(
        'namespace',
        `is "${namespace}", but keyVault trusts the service account of namespace ` +
          `"${p.keyVault.namespace}"; drop namespace (it follows keyVault) or give both the same`,
      );
    }
    return namespace;
  }

  /** The pod-VM subnet, the only source the NetworkPolicy admits: it must be known at synth time. */
  private podVmCidrOf(p: ParsedTrusteeProps): string {
    const podVmCidr = p.network.podVmSubnetCidr;
    if (podVmCidr === undefined || Token.isUnresolved(podVmCidr)) {
      this.fail(
        'network',
        'must give podVmSubnetCidr (known at synth time): the KBS NetworkPolicy ' +
          'admits only the pod-VM subnet; pass it to PeerPodNetwork.fromPeerPodNetworkAttributes',
      );
    }
    return podVmCidr;
  }

  /** The secure kbs-config.toml, as configured; rendered, then parsed back: validated exactly as a user's own would be. */
  private checkedConfig(p: ParsedTrusteeProps): ReturnType<typeof checkedKbsConfig> {
    let config = secureKbsConfig({
      port: p.port,
      tls: { privateKeyPath: `${HTTPS_DIR}/tls.key`, certificatePath: `${HTTPS_DIR}/tls.crt` },
      adminPublicKeyPath: `${CONFIG_DIR}/admin-public.pem`,
      tokenSigner: { keyPath: `${SIGNER_DIR}/tls.key`, certChainPath: `${SIGNER_DIR}/tls.crt` },
      trustedCertsPaths: [`${CONFIG_DIR}/token-signer-ca.pem`],
      storageDir: DEFAULT_KBS_STORAGE_DIR,
    });
    if (p.configure) config = p.configure(config);
    const checked = checkedKbsConfig(config, fieldOf(this, 'Trustee', 'configure.kbsConfig'));
    const findings = checked.findings;
    if (findings.length > 0) {
      if (!p.acceptKbsConfigFindingsInsecure && !p.allowInsecureConfigForDevelopment) {
        this.fail(
          'configure',
          `makes the KBS insecure: ${findings.map((f) => `${f.key} ${f.message}`).join('; ')}. ` +
            `Fix it, or set acceptKbsConfigFindingsInsecure for a development KBS`,
        );
      }
      Annotations.of(this).addWarning(`insecure KBS configuration allowed for development: ${findings.map((f) => f.key).join(', ')}`);
    }
    return checked;
  }

  /** The KBS storage volume, its service account (federated with Key Vault when given) and the Key Vault CSI class. */
  private storageAndIdentity(p: ParsedTrusteeProps, nsName: string, labels: Record<string, string>) {
    const claim = new PersistentVolumeClaimV1(this, 'Storage', {
      metadata: { name: 'kbs-storage', namespace: nsName, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: p.storage.storageClassName,
        resources: { requests: { storage: `${p.storage.sizeGiB}Gi` } },
      },
      waitUntilBound: false,
    });
    const serviceAccount = new ServiceAccountV1(this, 'ServiceAccount', {
      metadata: {
        name: p.keyVault?.serviceAccountName ?? KBS_WORKLOAD_IDENTITY.serviceAccountName,
        namespace: nsName,
        labels,
        annotations: p.keyVault ? { 'azure.workload.identity/client-id': p.keyVault.kbsIdentityClientId } : undefined,
      },
      // The Key Vault CSI driver gets its token from the kubelet; the KBS itself needs no API token.
      automountServiceAccountToken: false,
    });
    const keyVaultClass = p.keyVault ? keyVaultSecretProviderClass(this, nsName, p.keyVault, this.state) : undefined;
    return { claim, serviceAccount, keyVaultClass };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
