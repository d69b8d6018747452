/** A rule of the security baseline. */
export interface BaselineRule {
  /** Stable id, used in annotations and suppressions. */
  readonly id: string;
  /** What must hold. */
  readonly title: string;
  /** Why it matters here. */
  readonly rationale: string;
  /** How to fix a violation. */
  readonly fix: string;
  /** The matching Checkov check, where one exists (Checkov 3.x ids). */
  readonly checkov?: string;
  /** error: the stack does not synthesize; warning: reported only. */
  readonly severity: 'error' | 'warning';
}

const rule = (r: BaselineRule): BaselineRule => r;

/** Every rule of the security baseline, by id. */
export const BASELINE_RULES = {
  AKS_LOCAL_ACCOUNTS: rule({
    id: 'CAI-AKS-1',
    severity: 'error',
    checkov: 'CKV_AZURE_141',
    title: 'AKS local accounts are disabled',
    rationale: 'A local admin kubeconfig bypasses Entra ID, conditional access and audit; whoever holds it owns the cluster.',
    fix: 'ConfidentialAksCluster sets it; on your own azurerm_kubernetes_cluster, set local_account_disabled = true',
  }),
  AKS_ENTRA_RBAC: rule({
    id: 'CAI-AKS-2',
    severity: 'error',
    checkov: 'CKV_AZURE_5',
    title: 'AKS uses Entra ID with Azure RBAC',
    rationale: 'Cluster access is granted and revoked in one directory, per group, and audited.',
    fix:
      'ConfidentialAksCluster sets it (adminGroupObjectIds); on your own azurerm_kubernetes_cluster, ' +
      'set azure_active_directory_role_based_access_control.azure_rbac_enabled = true',
  }),
  AKS_NETWORK_POLICY: rule({
    id: 'CAI-AKS-3',
    severity: 'error',
    checkov: 'CKV_AZURE_7',
    title: 'AKS enforces a network policy',
    rationale: 'Without one every pod can reach the KBS admin port and every workload Service.',
    fix: 'ConfidentialAksCluster sets Cilium; on your own azurerm_kubernetes_cluster, set network_profile.network_policy (cilium, azure or calico)',
  }),
  AKS_WORKLOAD_IDENTITY: rule({
    id: 'CAI-AKS-4',
    severity: 'error',
    title: 'AKS has the OIDC issuer and workload identity',
    rationale: 'The adaptor and the KBS authenticate to Azure with federated tokens, never with client secrets.',
    fix:
      'ConfidentialAksCluster sets both; on your own azurerm_kubernetes_cluster, ' +
      'set oidc_issuer_enabled = true and workload_identity_enabled = true',
  }),
  AKS_NO_PUBLIC_NODE_IPS: rule({
    id: 'CAI-AKS-5',
    severity: 'error',
    checkov: 'CKV_AZURE_143',
    title: 'AKS nodes have no public IP addresses',
    rationale: 'Nodes hold the adaptor identity and relay pod VM traffic; they need no inbound internet exposure.',
    fix: 'ConfidentialAksCluster sets it; on your own azurerm_kubernetes_cluster, set default_node_pool.node_public_ip_enabled = false',
  }),
  AKS_API_SERVER_ACCESS: rule({
    id: 'CAI-AKS-6',
    severity: 'error',
    checkov: 'CKV_AZURE_6 / CKV_AZURE_115',
    title: 'The AKS API server is private or restricted to authorized ranges',
    rationale: 'A public API server is one leaked token away from the cluster.',
    fix:
      "ConfidentialAksCluster: set apiServerAuthorizedIpRanges (your admins' public CIDRs) or privateCluster: true; on " +
      'your own azurerm_kubernetes_cluster, api_server_access_profile.authorized_ip_ranges or private_cluster_enabled = true',
  }),
  AKS_UPGRADE_CHANNEL: rule({
    id: 'CAI-AKS-7',
    severity: 'error',
    checkov: 'CKV_AZURE_171',
    title: 'AKS has an automatic upgrade channel',
    rationale: 'Unpatched control planes and nodes are the most common cluster compromise.',
    fix: 'ConfidentialAksCluster sets patch; on your own azurerm_kubernetes_cluster, set automatic_upgrade_channel (patch or stable)',
  }),
  AKS_AZURE_POLICY: rule({
    id: 'CAI-AKS-8',
    severity: 'warning',
    checkov: 'CKV_AZURE_116',
    title: 'AKS runs the Azure Policy add-on',
    rationale: 'Optional: admission policies add defence in depth for the non-confidential parts of the cluster.',
    fix: 'ConfidentialAksCluster: keep azurePolicy (true by default); on your own azurerm_kubernetes_cluster, set azure_policy_enabled = true',
  }),
  AKS_AUDIT_LOGS: rule({
    id: 'CAI-AKS-9',
    severity: 'warning',
    title: 'AKS exports its control-plane audit log',
    rationale:
      'The cluster admin is the adversary: without kube-audit or kube-audit-admin ' +
      'exported by a diagnostic setting, nothing records what they did to the cluster.',
    fix:
      'ConfidentialAksCluster: keep the default auditLogs (or set auditLogs.logAnalyticsWorkspaceId); ' +
      'elsewhere, an azurerm_monitor_diagnostic_setting on the cluster with enabled_log category kube-audit-admin',
  }),
  CVM_SIZE: rule({
    id: 'CAI-CVM-1',
    severity: 'error',
    title: 'Confidential VMs use a confidential size',
    rationale: 'Only SNP and TDX sizes give a hardware TEE; anything else attests nothing.',
    fix: 'use a DCas/ECas (SNP) or DCes/ECes (TDX) v5/v6 size',
  }),
  CVM_VTPM: rule({
    id: 'CAI-CVM-2',
    severity: 'error',
    title: 'Confidential VMs have a vTPM',
    rationale: 'Measurements (and the initdata PCR 8) are reported through the vTPM.',
    fix: 'set vtpm_enabled = true',
  }),
  CVM_DISK_ENCRYPTION: rule({
    id: 'CAI-CVM-3',
    severity: 'error',
    title: 'Confidential VMs use confidential OS disk encryption',
    rationale: 'Without security_encryption_type the VM guest state is not protected by the TEE.',
    fix: 'set os_disk.security_encryption_type = VMGuestStateOnly or DiskWithVMGuestState',
  }),
  CVM_SECURE_BOOT: rule({
    id: 'CAI-CVM-4',
    severity: 'error',
    title: 'DiskWithVMGuestState comes with secure boot',
    rationale: 'Azure requires secure boot for full confidential disk encryption.',
    fix: 'set secure_boot_enabled = true',
  }),
  CVM_POD_VMS: rule({
    id: 'CAI-CVM-5',
    severity: 'error',
    title: 'Pod VMs are confidential VMs',
    rationale: 'DISABLECVM turns every pod VM into an ordinary VM: nothing can be attested.',
    fix: 'ConfidentialVmPool: list ConfidentialVmSize sizes in instanceSizes, not ConfidentialVmSize.nonConfidentialInsecure',
  }),
  CVM_NO_CONTROL_PLANE_COMMANDS: rule({
    id: 'CAI-CVM-6',
    severity: 'error',
    title: 'Confidential VMs take no commands from the Azure control plane',
    rationale:
      'VM extensions and run commands execute as root inside the TEE on the word of anyone with write access to the VM, ' +
      'the infrastructure operator this library defends against; boot diagnostics open a serial console to it.',
    fix:
      'TrusteeVm sets it; on your own azurerm_linux_virtual_machine, set allow_extension_operations = false and ' +
      'provision_vm_agent = false (a scale set: extension_operations_enabled = false, no extension blocks), ' +
      'drop boot_diagnostics, and remove every azurerm_virtual_machine_extension, ' +
      'azurerm_virtual_machine_scale_set_extension and azurerm_virtual_machine_run_command',
  }),
  IAM_NO_PRIVILEGED_ROLES: rule({
    id: 'CAI-IAM-1',
    severity: 'error',
    title: 'No Owner, Contributor or access-administrator role is assigned',
    rationale: 'These roles can read secrets, change role assignments or replace any resource; nothing here needs them.',
    fix: 'assign a narrow built-in or custom role at the narrowest scope',
  }),
  IAM_SUBSCRIPTION_SCOPE: rule({
    id: 'CAI-IAM-2',
    severity: 'error',
    title: 'Subscription-scope assignments use narrow custom roles only',
    rationale: 'A built-in role at subscription scope reaches every resource group; a custom role lists the actions it needs.',
    fix: 'scope the assignment to a resource group or resource, or use a custom role',
  }),
  IAM_NO_WILDCARD_ACTIONS: rule({
    id: 'CAI-IAM-3',
    severity: 'error',
    title: 'Custom roles list their actions without wildcards',
    rationale: 'A wildcard grants actions that do not exist yet.',
    fix: 'list each action',
  }),
  KBS_HTTPS: rule({
    id: 'CAI-KBS-1',
    severity: 'error',
    title: 'The KBS serves HTTPS only',
    rationale: 'Pod VMs pin the KBS certificate; plain HTTP lets the network impersonate the KBS.',
    fix:
      'Trustee: drop the configure edit that sets insecure_http (and ' +
      'acceptKbsConfigFindingsInsecure); the default serves HTTPS from httpsSecretName',
  }),
  KBS_ADMIN_AUTH: rule({
    id: 'CAI-KBS-2',
    severity: 'error',
    title: 'The KBS admin API is off (DenyAll) or authenticated, never InsecureAllowAll',
    rationale: 'The admin API replaces policies and secrets; unauthenticated, anyone who reaches it releases every key.',
    fix:
      'TrusteeVm sets DenyAll (its state comes from its Key Vault); Trustee: drop the configure edit that changes ' +
      'admin.authorization_mode; the default is AuthenticatedAuthorization with adminPublicKeyPem',
  }),
  KBS_TOKEN_TRUST: rule({
    id: 'CAI-KBS-3',
    severity: 'error',
    title: 'The KBS verifies attestation tokens against the signer CA',
    rationale: 'With insecure_header_jwk a token signed by any key is accepted.',
    fix: 'Trustee: drop the configure edit of attestation_token; the default trusts tokenSignerCaCertPem only',
  }),
  KBS_INTERNAL_SERVICE: rule({
    id: 'CAI-KBS-4',
    severity: 'error',
    title: 'The KBS is reachable on an internal address only',
    rationale: 'Pod VMs are in the VNet; nothing outside needs the KBS, and the admin API is on the same port.',
    fix: 'Trustee: keep its Service as created (internal load balancer on staticIp); do not override its type or annotations',
  }),
  KBS_PERSISTENT_STORAGE: rule({
    id: 'CAI-KBS-5',
    severity: 'error',
    title: 'The KBS storage is persistent',
    rationale: 'Memory storage loses resources pushed out of band and reverts to upstream default policies on restart.',
    fix: 'Trustee: drop the configure edit of storage_backend; the default is LocalFs on a PersistentVolumeClaim',
  }),
  KBS_AFFIRMING_ONLY: rule({
    id: 'CAI-KBS-6',
    severity: 'error',
    title: 'The resource policy releases only to affirming attestations bound to the resource',
    rationale: "Upstream's default policy releases to any real TEE, even a contraindicated one.",
    fix: 'Trustee: keep the generated resource policy (renderResourcePolicy); do not override resource-policy.rego',
  }),
  KBS_OUTSIDE_CLUSTER: rule({
    id: 'CAI-KBS-7',
    severity: 'error',
    title: 'The KBS runs outside the cluster it serves',
    rationale:
      'In the cluster, its admin can exec into the KBS, read its keys and every ' +
      'resource, and rewrite its policies: the adversary would hold the keys.',
    fix: 'use TrusteeVm (a confidential VM of the model owner) or ExternalKbs; keep the in-cluster Trustee for development, suppressed with a reason',
  }),
  KBS_NO_CLUSTER_KEY_VAULT_ACCESS: rule({
    id: 'CAI-KBS-8',
    severity: 'error',
    title: "No cluster service account can read the model owner's Key Vault",
    rationale:
      'KbsKeyVaultAccess federates a reader of the vault with a service account of the cluster: ' +
      "its admin can mint that account's token and read every secret the KBS could.",
    fix:
      'keep the secrets in the Key Vault of a TrusteeVm (read by its own confidential VM); ' +
      'keep KbsKeyVaultAccess for development, suppressed with a reason',
  }),
  KBS_OWN_SUBSCRIPTION: rule({
    id: 'CAI-KBS-9',
    severity: 'warning',
    title: "The KBS VM is in a subscription of its own, not the cluster's",
    rationale:
      "Whoever can write to the cluster's subscription (its owners, and the cluster admin if they hold such a role) " +
      "can grant themselves the KBS VM's Key Vault, or replace the VM, and so read the KBS keys and every resource.",
    fix:
      "configure the azurerm provider of the TrusteeVm's stack with the model owner's own subscription (the " +
      "reference app: TF_VAR_trust_subscription_id), one the cluster's admins cannot write to, in a stack without " +
      'the cluster, its pool, its runtime or its workloads',
  }),
  WL_KATA_REMOTE: rule({
    id: 'CAI-WL-1',
    severity: 'error',
    title: 'Confidential workloads run in kata-remote',
    rationale: 'Any other runtime runs the pod on the untrusted node.',
    fix: 'ConfidentialWorkload: pass the PeerPodsRuntime (runtime class kata-remote); do not override runtime_class_name',
  }),
  WL_RESTRICTIVE_POLICY: rule({
    id: 'CAI-WL-2',
    severity: 'error',
    title: 'Confidential workloads use a restrictive agent policy',
    rationale: 'With an allow-all policy the host starts any image and command under the workload identity and receives its keys.',
    fix: 'ConfidentialWorkload: drop agentPolicy (AgentPolicy.forPod of the pod is the default) or pass a restrictive policy',
  }),
  WL_NO_EXEC: rule({
    id: 'CAI-WL-3',
    severity: 'error',
    title: 'The agent policy denies exec',
    rationale: 'kubectl exec runs host-chosen commands inside the TEE.',
    fix: 'ConfidentialWorkload: use AgentPolicy.forPod (the default), which keeps default ExecProcessRequest := false',
  }),
  WL_NOT_PRIVILEGED: rule({
    id: 'CAI-WL-4',
    severity: 'error',
    title: 'Confidential containers are not privileged and cannot escalate',
    rationale: 'A privileged container can reach the guest kernel and the CDH socket of every container.',
    fix: 'ConfidentialWorkload sets privileged = false and allow_privilege_escalation = false; do not override them',
  }),
  WL_NO_HOST_PATHS: rule({
    id: 'CAI-WL-5',
    severity: 'error',
    title: 'Confidential pods mount no host paths',
    rationale: 'Host paths are host-controlled input, outside the TEE.',
    fix: 'ConfidentialWorkload: use scratchVolumes (emptyDir) instead of host paths',
  }),
  WL_SECRETS_VIA_CDH: rule({
    id: 'CAI-WL-6',
    severity: 'error',
    title: 'Confidential pods get secrets only through the CDH',
    rationale: 'Kubernetes Secrets are readable by the cluster admin and the host; KBS resources are released only after attestation.',
    fix: 'ConfidentialWorkload: list the secret in resources (a KBS resource) and read it from its CDH URL',
  }),
} as const;

/** The rules as a list, in id order. */
export const BASELINE_RULE_LIST: readonly BaselineRule[] = Object.values(BASELINE_RULES);
