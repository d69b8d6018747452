import { ConfidentialVmSize } from '../../src';

/**
 * Settings of the reference deployment known at synth time. Apply-time inputs (subscription, admin group,
 * the VHD of your pod VM image) are Terraform variables: see README.md, "Deploying for real".
 */
export const referenceConfig = {
  /** Azure region of everything. */
  location: 'westeurope',
  /** Resource group of the cluster, network and image gallery (created by the infra stack). */
  resourceGroupName: 'confidential-ai',
  /** Resource group the adaptor creates pod VMs in (created by the pool). */
  podVmResourceGroupName: 'confidential-ai-podvms',
  /** AKS cluster name. */
  clusterName: 'confidential-ai',
  /** Gallery that holds the pod VM image. */
  galleryName: 'confidential_ai_podvms',
  /** Version of the pod VM image you built and uploaded. */
  podVmImageVersion: '0.22.0',
  /** Sizes pods may request; the first is the default. */
  instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5, ConfidentialVmSize.STANDARD_DC2ES_V6],
  /**
   * Public CIDRs allowed to reach the AKS API server (your office or CI egress). Empty leaves it open to the
   * internet, which the security baseline accepts here only through a documented suppression.
   */
  apiServerAuthorizedIpRanges: [] as string[],
  /**
   * The model owner's side (the `trust` stack): its own resource group and VNet, peered with the cluster's, where
   * the KBS runs on a confidential VM that the cluster's admin cannot reach.
   */
  trust: {
    /** Resource group of the KBS VM, its Key Vault and network. */
    resourceGroupName: 'confidential-ai-trust',
    /** The trust VNet (outside the cluster VNet 10.224.0.0/12) and the KBS subnet in it. */
    addressSpace: '10.250.0.0/24',
    subnetCidr: '10.250.0.0/26',
    /**
     * The KBS's private address, the internal load balancer's frontend: pod VMs dial https://<it>:8080 (the HTTPS
     * certificate's SAN). The replicas take the next addresses (10.250.0.11, 10.250.0.12).
     */
    kbsStaticIp: '10.250.0.10',
    /** Two KBS VMs, so the KBS outlives a VM or a zone: one in zone 1, one in zone 2. */
    kbsReplicas: 2,
    /** The region's zones: replica i goes into zone i + 1; the load balancer's frontend spans all three. */
    kbsZones: ['1', '2', '3'],
    /**
     * The Canonical ubuntu-24_04-lts cvm image version the KBS VM boots, pinned. EXAMPLE: pick a current one with
     * `az vm image list --publisher Canonical --offer ubuntu-24_04-lts --sku cvm --all` (moving it replaces the VM).
     */
    osImageVersion: '24.04.202510010',
    /** The Key Vault of the KBS VM: a globally unique name, so EXAMPLE: pick your own. */
    keyVaultName: 'cai-trust-kbs-example',
  },
  /**
   * The oldest AMD SEV-SNP firmware and microcode the KBS accepts on DCasv5 (Milan) hosts, per TCB component.
   * EXAMPLE values (those of an Azure Milan host in Trustee's test vectors): set the floor from AMD's security
   * bulletins for your CPU family, or from the reported_tcb_* of a known-good attestation (docs/security.md).
   */
  snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
  /**
   * The Trustee all-in-one image the KBS runs, pinned by digest. EXAMPLE digest: resolve the real one with
   * `crane digest ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0` and put it here.
   */
  kbsImage:
    'ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0@sha256:41979fc38352870ab0700278cce2777f477a9d51a5b818420e8ddd3693d94b9f',
  /** Expiration written into the reference value records; move it forward when you roll new images. */
  referenceValuesExpire: '2027-12-31T00:00:00Z',
  /**
   * The workload images, pinned by digest. EXAMPLES: their registry documents are committed under
   * examples/reference/images/<name>/ and these digests are the sha256 of those manifests (of the index for the
   * model server), so synth verifies them; the images themselves do not exist. Push your own key manager, model
   * server and model fetcher, put their digests here, and save their documents in those folders
   * (README.md, "Deploying for real"): the agent policy admits exactly these images with these command lines.
   */
  images: {
    keyManager: 'confidentialai.azurecr.io/enkrypt/key-manager@sha256:f7c56dbc74eadb755393d60f1062762e50939c2124a462f98ccc749b40afdd48',
    modelServer: 'confidentialai.azurecr.io/enkrypt/model-server@sha256:535883901b48a4179fa2b0df4f0a592fe53d8bff173f290960b3a98c6234136d',
    modelFetcher: 'confidentialai.azurecr.io/enkrypt/model-fetcher@sha256:0d72af9929bc2182ad12b6dcf3e7f9a485b1166527acd2c1c7e7b4b6a152134c',
  },
  /**
   * The TLS proxy of every confidential Service (ghostunnel's Alpine image), pinned by digest. EXAMPLE: its
   * documents are committed under examples/reference/images/tls-proxy with this digest; resolve the real one with
   * `crane digest ghostunnel/ghostunnel:<version>-alpine` and save its documents there.
   */
  tlsProxyImage: 'docker.io/ghostunnel/ghostunnel:v1.8.4-alpine@sha256:5ea8955589b291872f0e0ae2414e5a46b06ca694197904729c2b6c908be23ceb',
  /**
   * The ingress filter of every TLS pod (Kubernetes' distroless-iptables image: `sh` and `nft`), pinned by digest: it
   * closes every inbound port of the pod VM but the TLS listeners before any other container starts. EXAMPLE: its
   * documents are committed under examples/reference/images/ingress-filter with this digest; resolve the real one with
   * `crane digest registry.k8s.io/build-image/distroless-iptables:v0.9.6` and save its documents there.
   */
  ingressFilterImage:
    'registry.k8s.io/build-image/distroless-iptables:v0.9.6@sha256:f4b5346ffbbbdd9d63108f6094c9629fad17b330b70eb87a97f47adf371064d5',
  /**
   * The KBS resource holding the registry credentials (auth.json) the pod VMs pull the private images with;
   * released only to the workloads that run them, never in the plan.
   */
  registryCredentials: 'kbs:///enkrypt/registry/credentials',
  /** The encrypted model blob the inference service decrypts inside its TEE. */
  encryptedModelUrl: 'https://confidentialaimodels.blob.core.windows.net/models/model.safetensors.enc',
  /** Tags on every resource the stacks create, and on every pod VM. */
  tags: { workload: 'confidential-ai', 'managed-by': 'cdktf' },
} as const;
