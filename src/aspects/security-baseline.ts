import { kbsConfigFindings } from '../attestation/kbs-defaults';
import { AKS_AUDIT_CATEGORIES } from '../azure/aks-audit-logs';
import { ConfidentialVmPool } from '../azure/confidential-vm-pool';
import { KbsKeyVaultAccess } from '../azure/kbs-key-vault-access';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { Annotations, Aspects, IAspect, IConstruct, TerraformResource, TerraformStack, Tokenization } from '../internal/cdktf';
import { ConfidentialWorkload } from '../kubernetes/confidential-workload';
import { PEER_PODS_RUNTIME_CLASS } from '../kubernetes/peer-pods-runtime';
import { Trustee } from '../kbs/trustee';
import { TrusteeVm } from '../kbs/trustee-vm';
import { BASELINE_RULES as R, BASELINE_RULE_LIST, BaselineRule } from './baseline-rules';
import { subscriptionsSharedWithCluster } from './shared-subscription';

const SUPPRESSION = 'confidential-ai/baseline-suppression';
type Json = Record<string, unknown>;

/**
 * The security baseline: an aspect that checks every construct of the tree against the documented rules
 * (docs/security.md) and reports each violation as an error annotation (so synth fails) naming the rule, the
 * construct path and the fix. Apply it with `SecurityBaseline.applyTo(app)`.
 */
export class SecurityBaseline implements IAspect {
  /**
   * Adds the baseline to every stack under `scope`. (cdktf invokes aspects from each stack down, so an aspect
   * added to the App itself would never run.)
   */
  public static applyTo(scope: IConstruct): SecurityBaseline {
    const baseline = new SecurityBaseline();
    const stacks = scope instanceof TerraformStack ? [scope] : scope.node.findAll().filter((c): c is TerraformStack => c instanceof TerraformStack);
    if (stacks.length === 0) throw new Error(`${scope.node.path || 'app'}: no stack to apply the security baseline to; create the stacks first`);
    for (const stack of stacks) Aspects.of(stack).add(baseline);
    return baseline;
  }

  /**
   * Accepts a violation of `ruleId` on `scope` and everything below it, with a reason that stays in the
   * synth output (an info annotation) for reviewers.
   */
  public static suppress(scope: IConstruct, ruleId: string, reason: string): void {
    if (!BASELINE_RULE_LIST.some((r) => r.id === ruleId))
      throw new Error(`${scope.node.path}: unknown baseline rule ${JSON.stringify(ruleId)}; see BASELINE_RULES`);
    if (reason.trim().length < 10) throw new Error(`${scope.node.path}: suppressing ${ruleId} needs a reason reviewers can judge`);
    scope.node.addMetadata(SUPPRESSION, { ruleId, reason });
  }

  /** Checks one construct. */
  public visit(node: IConstruct): void {
    if (node instanceof Trustee) this.checkTrustee(node);
    else if (node instanceof TrusteeVm) this.checkTrusteeVm(node);
    else if (node instanceof ConfidentialWorkload) this.checkWorkload(node);
    else if (node instanceof ConfidentialVmPool) this.checkPool(node);
    else if (node instanceof KbsKeyVaultAccess)
      this.report(node, R.KBS_NO_CLUSTER_KEY_VAULT_ACCESS, `service account ${node.namespace}/${node.serviceAccountName}`);
    else if (node instanceof TerraformResource) this.checkResource(node);
  }

  private checkResource(resource: TerraformResource): void {
    // Serialize only the types checked below: every resource would double the work of synth.
    switch (resource.terraformResourceType) {
      case 'azurerm_kubernetes_cluster':
        return this.checkAks(resource, configOf(resource));
      case 'azurerm_linux_virtual_machine':
      case 'azurerm_linux_virtual_machine_scale_set':
        return this.checkVm(resource, configOf(resource), resource.terraformResourceType.endsWith('_scale_set'));
      case 'azurerm_virtual_machine_extension':
      case 'azurerm_virtual_machine_scale_set_extension':
      case 'azurerm_virtual_machine_run_command':
        return this.report(resource, R.CVM_NO_CONTROL_PLANE_COMMANDS, resource.terraformResourceType);
      case 'azurerm_role_assignment':
        return this.checkRoleAssignment(resource, configOf(resource));
      case 'azurerm_role_definition': {
        const config = configOf(resource);
        const actions = ((config.permissions as Json[] | undefined) ?? []).flatMap((p) => (p.actions as string[] | undefined) ?? []);
        const wild = actions.filter((a) => a.includes('*'));
        if (wild.length > 0) this.report(resource, R.IAM_NO_WILDCARD_ACTIONS, `actions ${wild.join(', ')}`);
        return;
      }
      default:
        return;
    }
  }

  private checkAks(node: IConstruct, c: Json): void {
    const aad = c.azure_active_directory_role_based_access_control as Json | undefined;
    const net = c.network_profile as Json | undefined;
    const pool = c.default_node_pool as Json | undefined;
    const api = c.api_server_access_profile as Json | undefined;
    if (c.local_account_disabled !== true) this.report(node, R.AKS_LOCAL_ACCOUNTS);
    if (aad?.azure_rbac_enabled !== true) this.report(node, R.AKS_ENTRA_RBAC);
    if (!net?.network_policy) this.report(node, R.AKS_NETWORK_POLICY);
    if (c.oidc_issuer_enabled !== true || c.workload_identity_enabled !== true) this.report(node, R.AKS_WORKLOAD_IDENTITY);
    if (pool?.node_public_ip_enabled === true) this.report(node, R.AKS_NO_PUBLIC_NODE_IPS);
    if (c.private_cluster_enabled !== true && ((api?.authorized_ip_ranges as unknown[] | undefined) ?? []).length === 0)
      this.report(node, R.AKS_API_SERVER_ACCESS, 'the API server is public and unrestricted');
    if (!c.automatic_upgrade_channel || c.automatic_upgrade_channel === 'none') this.report(node, R.AKS_UPGRADE_CHANNEL);
    if (c.azure_policy_enabled !== true) this.report(node, R.AKS_AZURE_POLICY);
    if (!exportsAuditLog(node as TerraformResource)) this.report(node, R.AKS_AUDIT_LOGS);
  }

  private checkVm(node: IConstruct, c: Json, scaleSet: boolean): void {
    const size = String(c.size ?? c.sku ?? '');
    if (!ConfidentialVmSize.isConfidential(size)) this.report(node, R.CVM_SIZE, `size ${JSON.stringify(size)}`);
    if (c.vtpm_enabled !== true) this.report(node, R.CVM_VTPM);
    const disk = c.os_disk as Json | undefined;
    const encryption = disk?.security_encryption_type;
    if (encryption !== 'VMGuestStateOnly' && encryption !== 'DiskWithVMGuestState') this.report(node, R.CVM_DISK_ENCRYPTION);
    if (encryption === 'DiskWithVMGuestState' && c.secure_boot_enabled !== true) this.report(node, R.CVM_SECURE_BOOT);
    // A VM says allow_extension_operations, a scale set extension_operations_enabled; both default to true.
    const extensions = scaleSet ? c.extension_operations_enabled : c.allow_extension_operations;
    const channels = [
      ...(extensions !== false ? ['extension operations are allowed'] : []),
      // The VM agent (default on) is what runs extensions and run commands inside the VM.
      ...(c.provision_vm_agent !== false ? ['the VM agent is provisioned'] : []),
      ...(asList(c.extension).length > 0 ? ['the scale set has extensions'] : []),
      ...(c.boot_diagnostics !== undefined ? ['boot diagnostics are on (serial console)'] : []),
    ];
    if (channels.length > 0) this.report(node, R.CVM_NO_CONTROL_PLANE_COMMANDS, channels.join('; '));
  }

  private checkRoleAssignment(node: IConstruct, c: Json): void {
    const name = typeof c.role_definition_name === 'string' ? c.role_definition_name : '';
    const id = typeof c.role_definition_id === 'string' ? c.role_definition_id : '';
    // Azure matches role names case-insensitively; by id, a built-in role is its GUID under any scope prefix.
    const privileged = PRIVILEGED_ROLES.find(
      (r) => r.name.toLowerCase() === name.trim().toLowerCase() || id.toLowerCase().endsWith(`/roledefinitions/${r.id}`),
    );
    if (privileged) this.report(node, R.IAM_NO_PRIVILEGED_ROLES, `role ${privileged.name}${name ? '' : ` (${id})`}`);
    const scope = String(c.scope ?? '');
    if (/^\/subscriptions\/[^/]+\/?$/.test(scope) || /^\/providers\/Microsoft\.Management\//i.test(scope)) {
      const builtIn = name !== '' || BUILT_IN_ROLE_ID.test(id);
      if (builtIn) this.report(node, R.IAM_SUBSCRIPTION_SCOPE, `built-in role ${JSON.stringify(name || id)} at ${scope}`);
    }
  }

  private checkPool(pool: ConfidentialVmPool): void {
    if (pool.providerConfig.DISABLECVM === 'true') this.report(pool, R.CVM_POD_VMS, `instance sizes ${pool.instanceSizes.join(', ')}`);
  }

  private checkTrustee(trustee: Trustee): void {
    this.report(trustee, R.KBS_OUTSIDE_CLUSTER, `namespace ${trustee.namespace}`);
    this.checkKbs(trustee, trustee.kbsConfig);
    const service = configOf(trustee.service);
    const annotations = ((service.metadata as Json | undefined)?.annotations as Json | undefined) ?? {};
    const type = (service.spec as Json | undefined)?.type;
    if (type === 'NodePort' || (type === 'LoadBalancer' && annotations['service.beta.kubernetes.io/azure-load-balancer-internal'] !== 'true')) {
      this.report(trustee.service, R.KBS_INTERNAL_SERVICE, `Service type ${String(type)} without the internal annotation`);
    }
  }

  private checkTrusteeVm(vm: TrusteeVm): void {
    this.checkKbs(vm, vm.kbsConfig);
    const shared = subscriptionsSharedWithCluster(vm);
    if (shared.length > 0) this.report(vm, R.KBS_OWN_SUBSCRIPTION, shared.join('; '));
  }

  /** The rules every KBS placement that runs Trustee shares: its configuration and its resource policy. */
  private checkKbs(kbs: Trustee | TrusteeVm, config: Trustee['kbsConfig']): void {
    const byRule = new Map<BaselineRule, string[]>();
    for (const f of kbsConfigFindings(config)) {
      const r = f.key.startsWith('http_server')
        ? R.KBS_HTTPS
        : f.key.startsWith('admin')
          ? R.KBS_ADMIN_AUTH
          : f.key.startsWith('storage')
            ? R.KBS_PERSISTENT_STORAGE
            : R.KBS_TOKEN_TRUST;
      byRule.set(r, [...(byRule.get(r) ?? []), `${f.key} ${f.message}`]);
    }
    for (const [r, details] of byRule) this.report(kbs, r, details.join('; '));
    const policy = kbs.state.resourcePolicy();
    if (!policy.includes('default allow := false') || !policy.includes('submod["ear.status"] == "affirming"')) this.report(kbs, R.KBS_AFFIRMING_ONLY);
  }

  private checkWorkload(workload: ConfidentialWorkload): void {
    const spec = podSpecOf(configOf(workload.resource));
    if (spec.runtime_class_name !== PEER_PODS_RUNTIME_CLASS)
      this.report(workload, R.WL_KATA_REMOTE, `runtime class ${JSON.stringify(spec.runtime_class_name)}`);
    if (workload.agentPolicy.isInsecure) this.report(workload, R.WL_RESTRICTIVE_POLICY, `preset ${workload.agentPolicy.preset}`);
    const rego = workload.agentPolicy.rego;
    if (!/^default ExecProcessRequest := false$/m.test(rego) || /^ExecProcessRequest\b.*\{/m.test(rego)) this.report(workload, R.WL_NO_EXEC);
    const containers = [...asList(spec.container), ...asList(spec.init_container)];
    for (const c of containers) {
      const sc = (c.security_context as Json | undefined) ?? {};
      if (sc.privileged === true || sc.allow_privilege_escalation !== false)
        this.report(workload, R.WL_NOT_PRIVILEGED, `container ${String(c.name)}`);
      const env = asList(c.env);
      if (
        env.some((e) => (e.value_from as Json | undefined)?.secret_key_ref !== undefined) ||
        asList(c.env_from).some((e) => e.secret_ref !== undefined)
      ) {
        this.report(workload, R.WL_SECRETS_VIA_CDH, `container ${String(c.name)} reads a Kubernetes Secret from its environment`);
      }
    }
    for (const v of asList(spec.volume)) {
      if (v.host_path !== undefined) this.report(workload, R.WL_NO_HOST_PATHS, `volume ${String(v.name)}`);
      if (v.secret !== undefined || v.projected !== undefined)
        this.report(workload, R.WL_SECRETS_VIA_CDH, `volume ${String(v.name)} mounts a Secret`);
    }
  }

  private report(node: IConstruct, rule: BaselineRule, detail?: string): void {
    const suppression = suppressionOf(node, rule.id);
    const message = `${rule.id} ${rule.title}${detail ? ` (${detail})` : ''}. Fix: ${rule.fix}.`;
    if (suppression) Annotations.of(node).addInfo(`${rule.id} suppressed: ${suppression}`);
    else if (rule.severity === 'error') Annotations.of(node).addError(message);
    else Annotations.of(node).addWarning(message);
  }
}

// Built-in roles that can change access or every resource (ids are the same in every Azure tenant).
const PRIVILEGED_ROLES = [
  { name: 'Owner', id: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' },
  { name: 'Contributor', id: 'b24988ac-6180-42a0-ab88-20f7382dd24c' },
  { name: 'User Access Administrator', id: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9' },
  { name: 'Role Based Access Control Administrator', id: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168' },
] as const;

// A built-in role definition id: `/providers/Microsoft.Authorization/roleDefinitions/<guid>`, optionally under a subscription.
const BUILT_IN_ROLE_ID = /^(\/subscriptions\/[^/]+)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/i;

/** True when a diagnostic setting of the cluster's stack exports kube-audit or kube-audit-admin of this cluster. */
function exportsAuditLog(cluster: TerraformResource): boolean {
  const clusterId = `${cluster.terraformResourceType}.${cluster.friendlyUniqueId}.id`;
  return TerraformStack.of(cluster)
    .node.findAll()
    .some((c) => {
      if (!(c instanceof TerraformResource) || c.terraformResourceType !== 'azurerm_monitor_diagnostic_setting') return false;
      const config = configOf(c);
      if (referenceOf(config.target_resource_id) !== clusterId) return false;
      return asList(config.enabled_log).some(
        (l) => (AKS_AUDIT_CATEGORIES as readonly string[]).includes(String(l.category)) || ['audit', 'allLogs'].includes(String(l.category_group)),
      );
    });
}

/** The Terraform address a value refers to when it is exactly one attribute reference (`type.name.attr`). */
function referenceOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const fragments = Tokenization.reverseString(value);
  const token = fragments.firstToken as { identifier?: unknown } | undefined;
  return fragments.length === 1 && typeof token?.identifier === 'string' ? token.identifier : undefined;
}

function suppressionOf(node: IConstruct, ruleId: string): string | undefined {
  for (const scope of [...node.node.scopes].reverse()) {
    for (const entry of scope.node.metadata) {
      const data = entry.data as { ruleId?: string; reason?: string };
      if (entry.type === SUPPRESSION && data.ruleId === ruleId) return data.reason;
    }
  }
  return undefined;
}

/** The resource's own attributes, as they will be synthesized (escape-hatch overrides included). */
function configOf(resource: TerraformResource): Json {
  const json = resource.toTerraform() as { resource?: Record<string, Record<string, Json>> };
  return Object.values(Object.values(json.resource ?? {})[0] ?? {})[0] ?? {};
}

function podSpecOf(deployment: Json): Json {
  const spec = first(deployment.spec);
  return first(first(spec.template).spec);
}

function first(value: unknown): Json {
  return ((Array.isArray(value) ? value[0] : value) as Json | undefined) ?? {};
}

function asList(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : value ? [value as Json] : [];
}
