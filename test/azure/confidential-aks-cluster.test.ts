import { ConfidentialAksCluster, PeerPodNetwork } from '../../src';
import { emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';
import { baseInfra } from './fixtures';

describe('ConfidentialAksCluster', () => {
  const json = synth((stack) => baseInfra(stack));
  const cluster = resourceOf(json, 'azurerm_kubernetes_cluster');

  test('enables the OIDC issuer and workload identity', () => {
    expect(cluster).toMatchObject({ oidc_issuer_enabled: true, workload_identity_enabled: true });
  });

  test('runs Ubuntu workers labelled node.kubernetes.io/worker="" in the node subnet, without public IPs', () => {
    expect(cluster.default_node_pool).toMatchObject({
      os_sku: 'Ubuntu',
      node_labels: { 'node.kubernetes.io/worker': '' },
      vnet_subnet_id: expect.stringContaining('NodeSubnet'),
      node_public_ip_enabled: false,
    });
  });

  test('disables local accounts and uses Entra ID with Azure RBAC', () => {
    expect(cluster).toMatchObject({
      local_account_disabled: true,
      role_based_access_control_enabled: true,
      azure_active_directory_role_based_access_control: {
        azure_rbac_enabled: true,
        admin_group_object_ids: ['00000000-0000-0000-0000-000000000001'],
      },
    });
  });

  test('uses Azure CNI overlay with a network policy and automatic patch upgrades', () => {
    expect(cluster.network_profile).toMatchObject({ network_plugin: 'azure', network_plugin_mode: 'overlay', network_policy: 'cilium' });
    expect(cluster.automatic_upgrade_channel).toBe('patch');
  });

  test('lets the control plane join the node subnet, and nothing more', () => {
    expect(resourceOf(json, 'azurerm_role_assignment', 'NodeSubnetNetworkContributor')).toMatchObject({
      role_definition_name: 'Network Contributor',
      scope: expect.stringContaining('NodeSubnet'),
    });
  });

  test('restricts the API server to authorized ranges when given', () => {
    const restricted = synth((stack) => {
      const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
      new ConfidentialAksCluster(stack, 'c', {
        resourceGroupName: 'rg',
        location: 'westeurope',
        name: 'coco',
        network,
        adminGroupObjectIds: ['g'],
        apiServerAuthorizedIpRanges: ['203.0.113.0/24'],
      });
    });
    expect(resourceOf(restricted, 'azurerm_kubernetes_cluster').api_server_access_profile).toEqual({ authorized_ip_ranges: ['203.0.113.0/24'] });
  });

  test('exports the control-plane audit log (admin writes and Entra ID decisions) to a new workspace kept 90 days', () => {
    const workspace = resourceOf(json, 'azurerm_log_analytics_workspace');
    expect(workspace).toMatchObject({
      name: 'coco-audit',
      sku: 'PerGB2018',
      retention_in_days: 90,
      local_authentication_enabled: false,
      location: 'westeurope',
    });
    expect(resourceOf(json, 'azurerm_monitor_diagnostic_setting')).toEqual({
      name: 'control-plane-audit',
      target_resource_id: expect.stringMatching(/^\$\{azurerm_kubernetes_cluster\.cluster_\w+\.id\}$/),
      log_analytics_workspace_id: expect.stringMatching(/^\$\{azurerm_log_analytics_workspace\.cluster_AuditWorkspace_\w+\.id\}$/),
      log_analytics_destination_type: 'Dedicated',
      enabled_log: [{ category: 'kube-audit-admin' }, { category: 'guard' }],
    });
  });

  test('sends the audit log to an existing workspace, or keeps it as long as asked, with the categories asked', () => {
    const WS = '/subscriptions/x/resourceGroups/security/providers/Microsoft.OperationalInsights/workspaces/soc';
    const build = (auditLogs: object, name = 'coco') =>
      synth((stack) => {
        const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
        new ConfidentialAksCluster(stack, 'c', {
          resourceGroupName: 'rg',
          location: 'westeurope',
          name,
          network,
          adminGroupObjectIds: ['g'],
          auditLogs,
        });
      });
    const existing = build({ logAnalyticsWorkspaceId: WS, categories: ['kube-audit', 'guard'] });
    expect(resourcesOf(existing, 'azurerm_log_analytics_workspace')).toEqual({});
    expect(resourceOf(existing, 'azurerm_monitor_diagnostic_setting')).toMatchObject({
      log_analytics_workspace_id: WS,
      enabled_log: [{ category: 'kube-audit' }, { category: 'guard' }],
    });
    const kept = build({ retentionInDays: 730 }, `a_${'b'.repeat(61)}`);
    expect(resourceOf(kept, 'azurerm_log_analytics_workspace')).toMatchObject({ retention_in_days: 730, name: `a-${'b'.repeat(55)}-audit` });
    expect((resourceOf(kept, 'azurerm_log_analytics_workspace').name as string).length).toBe(63);
  });

  test('exports nothing only when told so insecurely, with a warning', () => {
    let cluster: ConfidentialAksCluster | undefined;
    const json = synth((stack) => {
      const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
      cluster = new ConfidentialAksCluster(stack, 'c', {
        resourceGroupName: 'rg',
        location: 'westeurope',
        name: 'coco',
        network,
        adminGroupObjectIds: ['g'],
        disableAuditLogsInsecure: true,
      });
    });
    expect(resourcesOf(json, 'azurerm_monitor_diagnostic_setting')).toEqual({});
    expect(cluster!.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringContaining('disableAuditLogsInsecure: the AKS control plane exports no audit log'),
    );
  });

  test.each([
    [{ adminGroupObjectIds: [] }, /ConfidentialAksCluster test\/c: adminGroupObjectIds: must name at least one Entra ID admin group/],
    [{ name: '-bad' }, /name: must be an AKS cluster name: 2-63 letters/],
    [
      { privateCluster: true, apiServerAuthorizedIpRanges: ['1.2.3.0/24'] },
      /apiServerAuthorizedIpRanges: a private cluster has no public API server/,
    ],
    [{ network: 'subnet-id' }, /network: must be a PeerPodNetwork/],
    [
      { serviceCidr: '10.224.0.0/16' },
      /serviceCidr: "10.224.0.0\/16" overlaps the VNet address space "10.224.0.0\/12"; choose a range outside the VNet/,
    ],
    [{ podCidr: '10.230.0.0/16' }, /podCidr: "10.230.0.0\/16" overlaps the VNet address space/],
    [{ podCidr: '10.0.0.0/16' }, /serviceCidr: "10.0.0.0\/16" overlaps podCidr/],
    [{ dnsServiceIp: '10.1.0.10' }, /dnsServiceIp: "10.1.0.10" is not a usable address of serviceCidr "10.0.0.0\/16"/],
    [{ serviceCidr: '10.0.0.0/33' }, /serviceCidr: must be an IPv4 CIDR/],
    [{ apiServerAuthorizedIpRanges: ['not-a-cidr'] }, /apiServerAuthorizedIpRanges\[0\]: must be an IPv4 address or CIDR/],
    [
      { apiServerAuthorizedIpRanges: ['0.0.0.0/0'] },
      /apiServerAuthorizedIpRanges\[0\]: must not be 0.0.0.0\/0, which opens the API server to the internet/,
    ],
    [{ location: 'north-europe' }, /location: must be the region's API name: write "northeurope"/],
    [{ location: 'West Europe' }, /location: must be the region's API name: write "westeurope"/],
    [{ location: 'atlantis' }, /location: must be an Azure region name such as "westeurope"/],
    [{ resourceGroupName: 'rg.' }, /resourceGroupName: must be 1-90 letters/],
    [{ auditLogs: { retentionInDays: 7 } }, /auditLogs.retentionInDays: must be 30-730 days \(Log Analytics\) \(got 7\)/],
    [{ auditLogs: { logAnalyticsWorkspaceId: 'soc' } }, /auditLogs.logAnalyticsWorkspaceId: must be the ARM id of a Log Analytics workspace/],
    [
      {
        auditLogs: {
          logAnalyticsWorkspaceId: '/subscriptions/x/resourceGroups/s/providers/Microsoft.OperationalInsights/workspaces/w',
          retentionInDays: 90,
        },
      },
      /auditLogs.retentionInDays: sets the retention of the workspace this construct creates; an existing workspace keeps its own/,
    ],
    [{ auditLogs: { categories: ['kube-audit', 'kube-audit'] } }, /auditLogs.categories: must not repeat a category/],
    [{ auditLogs: { categories: ['audit'] } }, /auditLogs.categories\[0\]: must be one of kube-apiserver, kube-audit, kube-audit-admin/],
    [{ auditLogs: { categories: [] } }, /auditLogs.categories: must name at least one category; to export nothing, set disableAuditLogsInsecure/],
    [{ auditLogs: { retentionDays: 90 } }, /auditLogs.retentionDays: is not a known key/],
    [{ auditLogs: {}, disableAuditLogsInsecure: true }, /auditLogs: configures the audit logs that disableAuditLogsInsecure turns off/],
  ])('fails when %p', (override, message) => {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    expect(
      () =>
        new ConfidentialAksCluster(scope, 'c', {
          resourceGroupName: 'rg',
          location: 'westeurope',
          name: 'coco',
          network,
          adminGroupObjectIds: ['g'],
          ...(override as object),
        }),
    ).toThrow(message);
  });

  test('accepts a single address as authorized range, and a one-character resource group', () => {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'r', location: 'westeurope' });
    expect(
      () =>
        new ConfidentialAksCluster(scope, 'c', {
          resourceGroupName: 'r',
          location: 'westeurope',
          name: 'coco',
          network,
          adminGroupObjectIds: ['g'],
          apiServerAuthorizedIpRanges: ['203.0.113.7'],
        }),
    ).not.toThrow();
  });

  test('fromExisting needs the https OIDC issuer URL', () => {
    const attrs = {
      clusterId: '/subscriptions/s/.../managedClusters/c',
      clusterName: 'c',
      clusterResourceGroupName: 'rg',
      clusterOidcIssuerUrl: 'https://westeurope.oic.prod-aks.azure.com/t/u/',
    };
    expect(ConfidentialAksCluster.fromClusterAttributes(emptyStack(), 'c', attrs).clusterOidcIssuerUrl).toBe(attrs.clusterOidcIssuerUrl);
    expect(() => ConfidentialAksCluster.fromClusterAttributes(emptyStack(), 'c', { ...attrs, clusterOidcIssuerUrl: 'westeurope.oic' })).toThrow(
      /clusterOidcIssuerUrl: must be the https OIDC issuer URL/,
    );
  });
});
