import { ConfidentialAksCluster, PeerPodNetwork } from '../../src';
import { emptyStack, resourceOf, synth } from '../helpers/synth';
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
      azure_active_directory_role_based_access_control: { azure_rbac_enabled: true, admin_group_object_ids: ['00000000-0000-0000-0000-000000000001'] },
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
      new ConfidentialAksCluster(stack, 'c', { resourceGroupName: 'rg', location: 'westeurope', name: 'coco', network, adminGroupObjectIds: ['g'], apiServerAuthorizedIpRanges: ['203.0.113.0/24'] });
    });
    expect(resourceOf(restricted, 'azurerm_kubernetes_cluster').api_server_access_profile).toEqual({ authorized_ip_ranges: ['203.0.113.0/24'] });
  });

  test.each([
    [{ adminGroupObjectIds: [] }, /ConfidentialAksCluster test\/c: adminGroupObjectIds: must name at least one Entra ID admin group/],
    [{ name: '-bad' }, /name: must be 2-63 letters/],
    [{ privateCluster: true, apiServerAuthorizedIpRanges: ['1.2.3.0/24'] }, /apiServerAuthorizedIpRanges: a private cluster has no public API server/],
    [{ network: 'subnet-id' }, /network: must be a PeerPodNetwork/],
    [{ serviceCidr: '10.224.0.0/16' }, /serviceCidr: "10.224.0.0\/16" overlaps the VNet address space "10.224.0.0\/12"; choose a range outside the VNet/],
    [{ podCidr: '10.230.0.0/16' }, /podCidr: "10.230.0.0\/16" overlaps the VNet address space/],
    [{ podCidr: '10.0.0.0/16' }, /serviceCidr: "10.0.0.0\/16" overlaps podCidr/],
    [{ dnsServiceIp: '10.1.0.10' }, /dnsServiceIp: "10.1.0.10" is not a usable address of serviceCidr "10.0.0.0\/16"/],
    [{ serviceCidr: '10.0.0.0/33' }, /serviceCidr: must be an IPv4 CIDR/],
    [{ apiServerAuthorizedIpRanges: ['not-a-cidr'] }, /apiServerAuthorizedIpRanges.0: must be an IPv4 address or CIDR/],
    [{ apiServerAuthorizedIpRanges: ['0.0.0.0/0'] }, /apiServerAuthorizedIpRanges.0: must not be 0.0.0.0\/0, which opens the API server to the internet/],
    [{ location: 'north-europe' }, /location: must be the region's API name: write "northeurope"/],
    [{ location: 'West Europe' }, /location: must be the region's API name: write "westeurope"/],
    [{ location: 'atlantis' }, /location: must be an Azure region name such as "westeurope"/],
    [{ resourceGroupName: 'rg.' }, /resourceGroupName: must be 1-90 letters/],
  ])('fails when %p', (override, message) => {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    expect(() => new ConfidentialAksCluster(scope, 'c', { resourceGroupName: 'rg', location: 'westeurope', name: 'coco', network, adminGroupObjectIds: ['g'], ...(override as object) })).toThrow(message);
  });

  test('accepts a single address as authorized range, and a one-character resource group', () => {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'r', location: 'westeurope' });
    expect(() => new ConfidentialAksCluster(scope, 'c', { resourceGroupName: 'r', location: 'westeurope', name: 'coco', network, adminGroupObjectIds: ['g'], apiServerAuthorizedIpRanges: ['203.0.113.7'] })).not.toThrow();
  });

  test('fromExisting needs the https OIDC issuer URL', () => {
    const attrs = { clusterId: '/subscriptions/s/.../managedClusters/c', clusterName: 'c', clusterResourceGroupName: 'rg', clusterOidcIssuerUrl: 'https://westeurope.oic.prod-aks.azure.com/t/u/' };
    expect(ConfidentialAksCluster.fromExisting(emptyStack(), 'c', attrs).clusterOidcIssuerUrl).toBe(attrs.clusterOidcIssuerUrl);
    expect(() => ConfidentialAksCluster.fromExisting(emptyStack(), 'c', { ...attrs, clusterOidcIssuerUrl: 'westeurope.oic' })).toThrow(/clusterOidcIssuerUrl: must be the https OIDC issuer URL/);
  });
});
