import { IConstruct, TerraformProvider, TerraformStack, Token } from '../internal/cdktf';
import { AKS_CLUSTER } from '../azure/confidential-aks-cluster';
import { CONFIDENTIAL_WORKLOAD } from '../kbs/key-broker';
import { PEER_PODS_RUNTIME } from '../kubernetes/peer-pods-runtime';
import { VM_POOL } from '../azure/confidential-vm-pool';

/** The constructs that make a stack the cluster side, imports included, each with how a finding names it. */
const CLUSTER_SIDE = [
  { is: (c: IConstruct) => AKS_CLUSTER.isImplementedBy(c), label: 'AKS cluster' },
  { is: (c: IConstruct) => VM_POOL.isImplementedBy(c), label: 'confidential VM pool' },
  { is: (c: IConstruct) => PEER_PODS_RUNTIME.isImplementedBy(c), label: 'peer-pods runtime' },
  { is: (c: IConstruct) => CONFIDENTIAL_WORKLOAD.isImplementedBy(c), label: 'confidential workload' },
] as const;

/**
 * How the stack of `kbs` shares a subscription with a stack of the cluster side, one sentence per stack: it is
 * that stack, or an azurerm provider of each names the same literal subscription id. A subscription that is a
 * Terraform token (a variable) or left to the environment cannot be compared at synth, and is not reported.
 */
export function subscriptionsSharedWithCluster(kbs: IConstruct): string[] {
  const kbsStack = TerraformStack.of(kbs);
  const clusterSide = new Map<TerraformStack, string>();
  for (const c of kbs.node.root.node.findAll()) {
    const side = CLUSTER_SIDE.find((s) => s.is(c));
    if (side === undefined) continue;
    const stack = TerraformStack.of(c);
    if (!clusterSide.has(stack)) clusterSide.set(stack, `${side.label} ${c.node.path}`);
  }
  const own = literalSubscriptions(kbsStack);
  const shared: string[] = [];
  for (const [stack, example] of clusterSide) {
    if (stack === kbsStack) {
      shared.push(`the ${example} is in the same stack ${stack.node.path}`);
      continue;
    }
    const both = literalSubscriptions(stack).filter((id) => own.includes(id));
    if (both.length > 0) shared.push(`stack ${stack.node.path} (${example}) deploys to the same subscription ${both.join(', ')}`);
  }
  return shared;
}

/** The literal subscription ids the azurerm providers of `stack` name (escape-hatch overrides included). */
function literalSubscriptions(stack: TerraformStack): string[] {
  const ids: string[] = [];
  for (const c of stack.node.findAll()) {
    if (!(c instanceof TerraformProvider) || c.terraformResourceType !== 'azurerm') continue;
    const json = c.toTerraform() as { provider?: { azurerm?: Array<{ subscription_id?: unknown }> } };
    for (const config of json.provider?.azurerm ?? []) {
      const id = config.subscription_id;
      // Azure compares subscription ids (GUIDs) case-insensitively.
      if (typeof id === 'string' && id.trim() !== '' && !Token.isUnresolved(id)) ids.push(id.trim().toLowerCase());
    }
  }
  return ids;
}
