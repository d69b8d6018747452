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
  /** Private IP of the KBS internal load balancer, inside the node subnet (10.224.0.0/16 by default). */
  kbsStaticIp: '10.224.0.250',
  /** Expiration written into the reference value records; move it forward when you roll new images. */
  referenceValuesExpire: '2027-12-31T00:00:00Z',
  /** Tags on every resource the stacks create, and on every pod VM. */
  tags: { workload: 'confidential-ai', 'managed-by': 'cdktf' },
} as const;
