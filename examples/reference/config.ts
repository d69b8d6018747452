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
  /** Private IP of the KBS internal load balancer, inside the node subnet (10.224.0.0/16 by default). */
  kbsStaticIp: '10.224.0.250',
  /** Expiration written into the reference value records; move it forward when you roll new images. */
  referenceValuesExpire: '2027-12-31T00:00:00Z',
  /**
   * The workload images, pinned by digest. EXAMPLE references: build and push your own key manager, model
   * server and model fetcher, and put their digests here (the agent policy admits exactly these).
   */
  images: {
    keyManager: 'confidentialai.azurecr.io/enkrypt/key-manager@sha256:0b5b3a3d2f1e4c6d8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7',
    modelServer: 'confidentialai.azurecr.io/enkrypt/model-server@sha256:7f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180',
    modelFetcher: 'confidentialai.azurecr.io/enkrypt/model-fetcher@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809',
  },
  /** The encrypted model blob the inference service decrypts inside its TEE. */
  encryptedModelUrl: 'https://confidentialaimodels.blob.core.windows.net/models/model.safetensors.enc',
  /** Tags on every resource the stacks create, and on every pod VM. */
  tags: { workload: 'confidential-ai', 'managed-by': 'cdktf' },
} as const;
