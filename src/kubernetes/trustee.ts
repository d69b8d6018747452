import { createHash } from 'node:crypto';
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import {
  DeploymentV1,
  DeploymentV1SpecTemplateSpecInitContainerVolumeMount,
  DeploymentV1SpecTemplateSpecVolume,
  deploymentV1SpecTemplateSpecInitContainerVolumeMountToTerraform,
  deploymentV1SpecTemplateSpecVolumeToTerraform,
} from '@cdktf/provider-kubernetes/lib/deployment-v1';
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
import { lazyList } from '../internal/lazy';
import { ConstructValidationError, fieldOf, parseProps } from '../internal/validation';
import { KEY_VAULT_DIR, keyVaultAlias, keyVaultSecretProviderClass } from './trustee-key-vault';
import { TrusteeProps, trusteePropsSchema } from './trustee-props';
import { KeyBrokerBase } from '../kbs/key-broker-base';
import { SEED_MOUNT, TrusteeSeed, renderTrusteeSeed } from './trustee-seed';

const CONFIG_DIR = '/etc/kbs/config';
const HTTPS_DIR = '/etc/kbs/https';
const SIGNER_DIR = '/etc/kbs/signer';
const RESOURCES_DIR = '/kbs-resources';

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
    const fail = (field: string, message: string): never => {
      throw new ConstructValidationError(this.node.path, 'Trustee', field, message);
    };

    const cidr = p.network.nodeSubnetCidr;
    if (cidr === undefined || Token.isUnresolved(cidr)) {
      Annotations.of(this).addWarning(`the node subnet CIDR is not known at synth time, so staticIp ${p.staticIp} cannot be checked against it`);
    } else if (!isUsableAzureAddress(parseCidr(cidr)!, p.staticIp)) {
      fail(
        'staticIp',
        `${p.staticIp} is not a usable address of the node subnet ${cidr} (Azure ` +
          `reserves the first four and the last); pick a free address inside it`,
      );
    }

    // One source: with Key Vault access, the namespace and service account are those its identity trusts.
    const namespace = p.namespace ?? p.keyVault?.namespace ?? KBS_WORKLOAD_IDENTITY.defaultNamespace;
    if (p.keyVault && p.namespace !== undefined && !Token.isUnresolved(p.keyVault.namespace) && p.keyVault.namespace !== namespace) {
      fail(
        'namespace',
        `is "${namespace}", but keyVault trusts the service account of namespace ` +
          `"${p.keyVault.namespace}"; drop namespace (it follows keyVault) or give both the same`,
      );
    }
    this.namespace = namespace;
    const podVmCidr = p.network.podVmSubnetCidr;
    if (podVmCidr === undefined || Token.isUnresolved(podVmCidr)) {
      fail(
        'network',
        'must give podVmSubnetCidr (known at synth time): the KBS NetworkPolicy ' +
          'admits only the pod-VM subnet; pass it to PeerPodNetwork.fromExisting',
      );
    }
    Annotations.of(this).addWarning(
      'in-cluster Trustee: the cluster admin this library defends against can exec ' +
        'into the KBS pod and read its HTTPS and token-signer keys and every resource, ' +
        'and rewrite its policies; development only. Run the KBS where the admin cannot reach it: TrusteeVm or ExternalKbs',
    );
    this.keyVault = p.keyVault !== undefined;
    this.initKeyBroker({ url: `https://${p.staticIp}:${p.port}`, caCertPem: p.httpsCaCertPem }, p);

    let config = secureKbsConfig({
      port: p.port,
      tls: { privateKeyPath: `${HTTPS_DIR}/tls.key`, certificatePath: `${HTTPS_DIR}/tls.crt` },
      adminPublicKeyPath: `${CONFIG_DIR}/admin-public.pem`,
      tokenSigner: { keyPath: `${SIGNER_DIR}/tls.key`, certChainPath: `${SIGNER_DIR}/tls.crt` },
      trustedCertsPaths: [`${CONFIG_DIR}/token-signer-ca.pem`],
      storageDir: DEFAULT_KBS_STORAGE_DIR,
    });
    if (p.configure) config = p.configure(config);
    // Render, then parse back: the file Trustee reads is validated exactly as a user's own would be.
    const checked = checkedKbsConfig(config, fieldOf(this, 'Trustee', 'configure.kbsConfig'));
    this.kbsConfigToml = checked.toml;
    const effective = checked.config;
    this.kbsConfig = effective;
    const findings = checked.findings;
    if (findings.length > 0) {
      if (!p.allowInsecureConfigForDevelopment) {
        fail(
          'configure',
          `makes the KBS insecure: ${findings.map((f) => `${f.key} ${f.message}`).join('; ')}. ` +
            `Fix it, or set allowInsecureConfigForDevelopment for a development KBS`,
        );
      }
      Annotations.of(this).addWarning(`insecure KBS configuration allowed for development: ${findings.map((f) => f.key).join(', ')}`);
    }
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

    // The seed feeds three attributes (ConfigMap data, init script, checksum): render it once per registry state.
    let cached: { revision: number; seed: TrusteeSeed } | undefined;
    const seed = (): TrusteeSeed => {
      if (cached?.revision === this.state.revision) return cached.seed;
      const secretResources = [
        ...this.state.secretResources().map((r, i) => ({ resource: r.resource, mountedFile: `${RESOURCES_DIR}/${i}/value` })),
        ...this.state.keyVaultResources().map((r, i) => ({ resource: r.resource, mountedFile: `${KEY_VAULT_DIR}/${keyVaultAlias(i)}` })),
      ];
      cached = {
        revision: this.state.revision,
        seed: renderTrusteeSeed({
          storageDir,
          resourcePolicy: this.state.resourcePolicy(),
          attestationPolicy: this.state.attestationPolicy(),
          referenceValues: this.state.referenceValues().records(p.referenceValuesExpire),
          secretResources,
        }),
      };
      return cached.seed;
    };
    const seedConfigMap = new ConfigMapV1(this, 'Seed', {
      metadata: { name: 'kbs-seed', namespace: nsName, labels },
      data: Token.asStringMap(Lazy.anyValue({ produce: () => seed().configMapData })),
    });

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

    const restricted = {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const storageMount = { name: 'storage', mountPath: storageDir };
    const probe = (initialDelaySeconds: number) => ({
      httpGet: { path: '/healthz', port: String(p.port), scheme: 'HTTPS' },
      initialDelaySeconds,
      periodSeconds: 10,
    });

    const initMounts = (): DeploymentV1SpecTemplateSpecInitContainerVolumeMount[] => [
      { name: 'seed', mountPath: SEED_MOUNT, readOnly: true },
      storageMount,
      ...this.state.secretResources().map((_, i) => ({ name: `resource-${i}`, mountPath: `${RESOURCES_DIR}/${i}`, readOnly: true })),
      ...(this.state.keyVaultResources().length > 0 ? [{ name: 'keyvault', mountPath: KEY_VAULT_DIR, readOnly: true }] : []),
    ];
    const volumes = (): DeploymentV1SpecTemplateSpecVolume[] => [
      { name: 'config', configMap: { name: configMap.metadata.name } },
      { name: 'seed', configMap: { name: seedConfigMap.metadata.name } },
      { name: 'https', secret: { secretName: p.httpsSecretName } },
      { name: 'signer', secret: { secretName: p.tokenSignerSecretName } },
      { name: 'storage', persistentVolumeClaim: { claimName: claim.metadata.name } },
      ...this.state.secretResources().map((r, i) => ({
        name: `resource-${i}`,
        secret: { secretName: r.secretName, items: [{ key: r.key, path: 'value' }] },
      })),
      ...(keyVaultClass && this.state.keyVaultResources().length > 0
        ? [
            {
              name: 'keyvault',
              csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: keyVaultClass } },
            },
          ]
        : []),
    ];

    this.resource = new DeploymentV1(this, 'Resource', {
      metadata: { name: 'kbs', namespace: nsName, labels },
      spec: {
        replicas: String(p.replicas),
        // One ReadWriteOnce volume: the old pod must stop before the new one starts.
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels: p.keyVault ? { ...labels, 'azure.workload.identity/use': 'true' } : labels,
            annotations: {
              'confidential-ai/config-checksum': Lazy.stringValue({ produce: () => seed().checksum }),
              'confidential-ai/kbs-config-sha256': sha256(this.kbsConfigToml + p.adminPublicKeyPem + p.tokenSignerCaCertPem),
            },
          },
          spec: {
            serviceAccountName: serviceAccount.metadata.name,
            automountServiceAccountToken: false,
            initContainer: [
              {
                name: 'seed',
                image: p.image,
                command: ['/bin/sh', '-c', Lazy.stringValue({ produce: () => seed().script })],
                securityContext: restricted,
                // Lazy: workloads declare Secret-backed resources after this construct is built.
                volumeMount: lazyList(() => initMounts(), deploymentV1SpecTemplateSpecInitContainerVolumeMountToTerraform),
              },
            ],
            container: [
              {
                name: 'kbs',
                image: p.image,
                command: ['/usr/local/bin/kbs', '--config-file', `${CONFIG_DIR}/kbs-config.toml`],
                port: [{ name: 'https', containerPort: p.port }],
                securityContext: restricted,
                resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '1Gi' } },
                readinessProbe: probe(5),
                livenessProbe: probe(30),
                volumeMount: [
                  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                  { name: 'https', mountPath: HTTPS_DIR, readOnly: true },
                  { name: 'signer', mountPath: SIGNER_DIR, readOnly: true },
                  storageMount,
                ],
              },
            ],
            volume: lazyList(() => volumes(), deploymentV1SpecTemplateSpecVolumeToTerraform),
          },
        },
      },
      // The HTTPS and signer Secrets are created out of band, usually after this apply: Terraform cannot own
      // the rollout. `kubectl -n <namespace> rollout status deploy/kbs` confirms it.
      waitForRollout: false,
    });

    this.service = new ServiceV1(this, 'Service', {
      metadata: {
        name: 'kbs',
        namespace: nsName,
        labels,
        annotations: {
          'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
          'service.beta.kubernetes.io/azure-load-balancer-ipv4': p.staticIp,
        },
      },
      spec: {
        type: 'LoadBalancer',
        // Keeps the pod VMs' own addresses as the source, so the NetworkPolicy below can tell them apart.
        externalTrafficPolicy: 'Local',
        selector: labels,
        port: [{ name: 'https', port: p.port, targetPort: String(p.port), protocol: 'TCP' }],
      },
    });

    // Only pod VMs reach the KBS port (the admin API is on it too); kubelet probes come from the node itself.
    this.networkPolicy = new NetworkPolicyV1(this, 'NetworkPolicy', {
      metadata: { name: 'kbs-pod-vms-only', namespace: nsName, labels },
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: podVmCidr } }], ports: [{ port: String(p.port), protocol: 'TCP' }] }],
      },
    });
  }

  protected placementProblems(): string[] {
    return this.state.keyVaultResources().length > 0 && !this.keyVault
      ? ['resources come from Azure Key Vault, but the Trustee has no keyVault access; pass keyVault: new KbsKeyVaultAccess(...)']
      : [];
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
