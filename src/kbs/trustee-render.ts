// How the in-cluster Trustee becomes Kubernetes objects: the seed rendered from the KBS state, the KBS
// Deployment that seeds its storage and serves, the internal load balancer, and the NetworkPolicy.
import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import {
  DeploymentV1,
  DeploymentV1SpecTemplateSpecInitContainerVolumeMount,
  DeploymentV1SpecTemplateSpecVolume,
  deploymentV1SpecTemplateSpecInitContainerVolumeMountToTerraform,
  deploymentV1SpecTemplateSpecVolumeToTerraform,
} from '@cdktf/provider-kubernetes/lib/deployment-v1';
import { NetworkPolicyV1 } from '@cdktf/provider-kubernetes/lib/network-policy-v1';
import { PersistentVolumeClaimV1 } from '@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1';
import { ServiceAccountV1 } from '@cdktf/provider-kubernetes/lib/service-account-v1';
import { ServiceV1 } from '@cdktf/provider-kubernetes/lib/service-v1';
import { KbsState } from '../attestation/kbs-state';
import { Construct, Lazy } from '../internal/cdktf';
import { lazyList } from '../internal/lazy';
import { KEY_VAULT_DIR, keyVaultAlias } from './trustee-key-vault';
import type { ParsedTrusteeProps } from './trustee-props';
import { SEED_MOUNT, TrusteeSeed, renderTrusteeSeed } from './trustee-seed';

export const CONFIG_DIR = '/etc/kbs/config';
export const HTTPS_DIR = '/etc/kbs/https';
export const SIGNER_DIR = '/etc/kbs/signer';
const RESOURCES_DIR = '/kbs-resources';

type Labels = Record<string, string>;

/**
 * The seed, rendered once per registry state: it feeds three attributes (ConfigMap data, init script, checksum),
 * each read lazily, since workloads register with the KBS after the Trustee is built.
 */
export function cachedSeed(state: KbsState, storageDir: string, referenceValuesExpire: string): () => TrusteeSeed {
  let cached: { revision: number; seed: TrusteeSeed } | undefined;
  return (): TrusteeSeed => {
    if (cached?.revision === state.revision) return cached.seed;
    const secretResources = [
      ...state.secretResources().map((r, i) => ({ resource: r.resource, mountedFile: `${RESOURCES_DIR}/${i}/value` })),
      ...state.keyVaultResources().map((r, i) => ({ resource: r.resource, mountedFile: `${KEY_VAULT_DIR}/${keyVaultAlias(i)}` })),
    ];
    cached = {
      revision: state.revision,
      seed: renderTrusteeSeed({
        storageDir,
        resourcePolicy: state.resourcePolicy(),
        attestationPolicy: state.attestationPolicy(),
        referenceValues: state.referenceValues().records(referenceValuesExpire),
        secretResources,
      }),
    };
    return cached.seed;
  };
}

/** What renderKbsDeployment renders the KBS Deployment from: the props, and the objects it mounts. */
export interface KbsDeploymentInput {
  readonly p: ParsedTrusteeProps;
  readonly state: KbsState;
  readonly nsName: string;
  readonly labels: Labels;
  readonly storageDir: string;
  readonly seed: () => TrusteeSeed;
  readonly configMap: ConfigMapV1;
  readonly seedConfigMap: ConfigMapV1;
  readonly claim: PersistentVolumeClaimV1;
  readonly serviceAccount: ServiceAccountV1;
  readonly keyVaultClass: string | undefined;
  /** sha256 of the configuration files: a changed file rolls the pod. */
  readonly configSha256: string;
}

/** The KBS Deployment `Resource`: an init container seeds the storage from the registry, then the KBS serves HTTPS. */
export function renderKbsDeployment(scope: Construct, input: KbsDeploymentInput): DeploymentV1 {
  const { p, state, nsName, labels, storageDir, seed, keyVaultClass } = input;
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
    ...state.secretResources().map((_, i) => ({ name: `resource-${i}`, mountPath: `${RESOURCES_DIR}/${i}`, readOnly: true })),
    ...(state.keyVaultResources().length > 0 ? [{ name: 'keyvault', mountPath: KEY_VAULT_DIR, readOnly: true }] : []),
  ];
  const volumes = (): DeploymentV1SpecTemplateSpecVolume[] => [
    { name: 'config', configMap: { name: input.configMap.metadata.name } },
    { name: 'seed', configMap: { name: input.seedConfigMap.metadata.name } },
    { name: 'https', secret: { secretName: p.httpsSecretName } },
    { name: 'signer', secret: { secretName: p.tokenSignerSecretName } },
    { name: 'storage', persistentVolumeClaim: { claimName: input.claim.metadata.name } },
    ...state.secretResources().map((r, i) => ({
      name: `resource-${i}`,
      secret: { secretName: r.secretName, items: [{ key: r.key, path: 'value' }] },
    })),
    ...(keyVaultClass && state.keyVaultResources().length > 0
      ? [
          {
            name: 'keyvault',
            csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: keyVaultClass } },
          },
        ]
      : []),
  ];

  return new DeploymentV1(scope, 'Resource', {
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
            'confidential-ai/kbs-config-sha256': input.configSha256,
          },
        },
        spec: {
          serviceAccountName: input.serviceAccount.metadata.name,
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
}

/** The internal load balancer `Service` at the static IP that pod VMs dial. */
export function renderKbsService(scope: Construct, p: ParsedTrusteeProps, nsName: string, labels: Labels): ServiceV1 {
  return new ServiceV1(scope, 'Service', {
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
}

/** Only pod VMs reach the KBS port (the admin API is on it too); kubelet probes come from the node itself. */
export function renderKbsNetworkPolicy(scope: Construct, port: number, nsName: string, labels: Labels, podVmCidr: string): NetworkPolicyV1 {
  return new NetworkPolicyV1(scope, 'NetworkPolicy', {
    metadata: { name: 'kbs-pod-vms-only', namespace: nsName, labels },
    spec: {
      podSelector: { matchLabels: labels },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ ipBlock: { cidr: podVmCidr } }], ports: [{ port: String(port), protocol: 'TCP' }] }],
    },
  });
}
