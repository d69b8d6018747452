import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import * as v from 'valibot';
import { Construct } from '../internal/cdktf';
import { fieldCheck, int, isToken, list, literalString, strictObject } from '../internal/validation';

/** The AKS control-plane log categories a diagnostic setting can export. */
export const AKS_LOG_CATEGORIES = [
  'kube-apiserver',
  'kube-audit',
  'kube-audit-admin',
  'kube-controller-manager',
  'kube-scheduler',
  'cluster-autoscaler',
  'cloud-controller-manager',
  'guard',
  'csi-azuredisk-controller',
  'csi-azurefile-controller',
  'csi-snapshot-controller',
] as const;

/** An AKS control-plane log category. */
export type AksLogCategory = (typeof AKS_LOG_CATEGORIES)[number];

/** The audit categories: without one of them, nothing records what the cluster admin did. */
export const AKS_AUDIT_CATEGORIES: readonly AksLogCategory[] = ['kube-audit', 'kube-audit-admin'];

/** What a cluster exports by default: every change to the cluster, and Entra ID sign-ins and RBAC decisions. */
export const DEFAULT_AKS_LOG_CATEGORIES: readonly AksLogCategory[] = ['kube-audit-admin', 'guard'];

/** Where the AKS control-plane audit logs go. */
export interface AksAuditLogs {
  /**
   * An existing Log Analytics workspace (its ARM id) to send the logs to, e.g. one the security team owns
   * outside this subscription's admins' reach.
   * @default - a new workspace in the cluster's resource group, named `<cluster name>-audit`
   */
  readonly logAnalyticsWorkspaceId?: string;
  /**
   * Retention of the new workspace, 30-730 days (an existing workspace keeps its own).
   * @default 90
   */
  readonly retentionInDays?: number;
  /**
   * The categories exported. `kube-audit-admin` records every request that changes the cluster (create,
   * update, patch, delete, exec); `kube-audit` adds every read too (much more volume); `guard` records Entra
   * ID sign-ins and Azure RBAC decisions.
   * @default ['kube-audit-admin', 'guard']
   */
  readonly categories?: AksLogCategory[];
}

/** The schema of AksAuditLogs (with its defaults). */
export const aksAuditLogsSchema = v.pipe(
  strictObject({
    logAnalyticsWorkspaceId: v.optional(
      literalString(
        (s) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i.test(s),
        'must be the ARM id of a Log Analytics workspace ' +
          '("/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>")',
      ),
    ),
    retentionInDays: v.optional(int(30, 730, 'must be 30-730 days (Log Analytics)')),
    categories: v.optional(
      v.pipe(
        list(v.picklist(AKS_LOG_CATEGORIES, `must be one of ${AKS_LOG_CATEGORIES.join(', ')}`)),
        v.minLength(1, 'must name at least one category; to export nothing, set disableAuditLogsInsecure'),
        v.check((c) => new Set(c).size === c.length, 'must not repeat a category'),
      ),
      [...DEFAULT_AKS_LOG_CATEGORIES],
    ),
  }),
  fieldCheck(
    'retentionInDays',
    (a) => !(a.logAnalyticsWorkspaceId !== undefined && a.retentionInDays !== undefined),
    'sets the retention of the workspace this construct creates; an existing workspace keeps its own: drop retentionInDays',
  ),
);

/** The cluster whose control-plane logs are exported. */
export interface AuditedCluster {
  readonly clusterId: string;
  readonly clusterName: string;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly tags: Record<string, string>;
}

/**
 * Exports the control-plane logs of `cluster` through a diagnostic setting (`AuditLogs`) into resource-specific
 * Log Analytics tables, to the workspace given or to a new one (`AuditWorkspace`) with Entra ID-only queries.
 */
export function exportControlPlaneLogs(
  scope: Construct,
  cluster: AuditedCluster,
  audit: v.InferOutput<typeof aksAuditLogsSchema> = { categories: [...DEFAULT_AKS_LOG_CATEGORIES] },
): { workspace?: LogAnalyticsWorkspace; setting: MonitorDiagnosticSetting } {
  const workspace =
    audit.logAnalyticsWorkspaceId === undefined
      ? new LogAnalyticsWorkspace(scope, 'AuditWorkspace', {
          // Workspace names are 4-63 letters, digits and "-".
          name: `${isToken(cluster.clusterName) ? cluster.clusterName : cluster.clusterName.replace(/_/g, '-').slice(0, 57)}-audit`,
          location: cluster.location,
          resourceGroupName: cluster.resourceGroupName,
          sku: 'PerGB2018',
          retentionInDays: audit.retentionInDays ?? 90,
          // Queries authenticate with Entra ID; no shared workspace keys.
          localAuthenticationEnabled: false,
          tags: cluster.tags,
        })
      : undefined;
  const setting = new MonitorDiagnosticSetting(scope, 'AuditLogs', {
    name: 'control-plane-audit',
    targetResourceId: cluster.clusterId,
    logAnalyticsWorkspaceId: audit.logAnalyticsWorkspaceId ?? workspace!.id,
    // Resource-specific tables (AKSAudit, AKSAuditAdmin, AKSControlPlane) rather than AzureDiagnostics.
    logAnalyticsDestinationType: 'Dedicated',
    enabledLog: audit.categories.map((category) => ({ category })),
  });
  return { ...(workspace ? { workspace } : {}), setting };
}
