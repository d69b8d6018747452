import { ConfidentialAksCluster, ConfidentialVmSize, IPeerPodNetwork, PeerPodNetwork, PeerPodsRuntime, PodVmImage } from '../../src';
import { BOTH_TEES } from './fixtures';
import { emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';

describe('PeerPodNetwork', () => {
  const json = synth((stack) => new PeerPodNetwork(stack, 'network', { resourceGroupName: 'rg', location: 'westeurope' }));

  test('creates a VNet with a node subnet and a pod-VM subnet', () => {
    expect(resourceOf(json, 'azurerm_virtual_network')).toMatchObject({ address_space: ['10.224.0.0/12'], location: 'westeurope' });
    expect(resourceOf(json, 'azurerm_subnet', 'NodeSubnet')).toMatchObject({ address_prefixes: ['10.224.0.0/16'] });
    expect(resourceOf(json, 'azurerm_subnet', 'PodVmSubnet')).toMatchObject({
      address_prefixes: ['10.225.0.0/16'],
      default_outbound_access_enabled: false,
    });
  });

  test('gives pod VMs outbound access through a NAT gateway with a Standard static public IP', () => {
    expect(resourceOf(json, 'azurerm_public_ip')).toMatchObject({ sku: 'Standard', allocation_method: 'Static' });
    expect(resourceOf(json, 'azurerm_nat_gateway')).toMatchObject({ sku_name: 'Standard' });
    expect(resourceOf(json, 'azurerm_subnet_nat_gateway_association')).toMatchObject({
      subnet_id: expect.stringContaining('PodVmSubnet'),
      nat_gateway_id: expect.stringContaining('NatGateway'),
    });
  });

  test('the pod-VM NSG admits 15150/tcp and 4789/udp from the node subnet and denies all other inbound', () => {
    const rules = Object.values(resourcesOf(json, 'azurerm_network_security_rule'));
    const allow = rules.filter((r) => r.access === 'Allow');
    expect(allow).toEqual([
      expect.objectContaining({
        direction: 'Inbound',
        protocol: 'Tcp',
        destination_port_range: '15150',
        source_address_prefix: '10.224.0.0/16',
        destination_address_prefix: '10.225.0.0/16',
      }),
      expect.objectContaining({
        direction: 'Inbound',
        protocol: 'Udp',
        destination_port_range: '4789',
        source_address_prefix: '10.224.0.0/16',
        destination_address_prefix: '10.225.0.0/16',
      }),
    ]);
    expect(rules.filter((r) => r.access === 'Deny')).toEqual([
      expect.objectContaining({ direction: 'Inbound', protocol: '*', source_address_prefix: '*', destination_port_range: '*', priority: 4096 }),
    ]);
    expect(resourceOf(json, 'azurerm_subnet_network_security_group_association')).toMatchObject({
      subnet_id: expect.stringContaining('PodVmSubnet'),
    });
  });

  test.each([
    [{ nodeSubnetCidr: '10.0.0.0/16' }, /PeerPodNetwork test\/n: nodeSubnetCidr: "10.0.0.0\/16" is outside the address space "10.224.0.0\/12"/],
    [{ podVmSubnetCidr: '10.224.128.0/17' }, /podVmSubnetCidr: "10.224.128.0\/17" overlaps the node subnet "10.224.0.0\/16"/],
    [{ addressSpace: '10.224.0.1/12' }, /addressSpace: must be an IPv4 CIDR with zero host bits.*\(got "10.224.0.1\/12"\)/],
    [{ namePrefix: 'Bad_Prefix' }, /namePrefix: must be lowercase letters/],
  ])('fails when %p', (override, message) => {
    expect(() => new PeerPodNetwork(emptyStack(), 'n', { resourceGroupName: 'rg', location: 'westeurope', ...override })).toThrow(message);
  });

  test('fromExisting imports a company network by id, as a construct other constructs accept', () => {
    const scope = emptyStack();
    const net = PeerPodNetwork.fromPeerPodNetworkAttributes(scope, 'existing', {
      vnetId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/corp',
      nodeSubnetId: '/subscriptions/s/.../subnets/aks',
      podVmSubnetId: '/subscriptions/s/.../subnets/podvms',
      nodeSubnetCidr: '10.1.0.0/24',
    });
    expect(net.podVmSubnetId).toBe('/subscriptions/s/.../subnets/podvms');
    expect(net.node.path).toBe('test/existing');
    expect(scope.node.tryFindChild('existing')).toBe(net);
    expect(() => PeerPodNetwork.fromPeerPodNetworkAttributes(emptyStack(), 'x', { vnetId: 'v', nodeSubnetId: '', podVmSubnetId: 'p' })).toThrow(
      /PeerPodNetwork test\/x: nodeSubnetId:/,
    );
  });

  test('a look-alike object is not a network: every prop that takes one names the way to get one', () => {
    const scope = emptyStack();
    const lookAlike = { vnetId: 'v', nodeSubnetId: 'n', podVmSubnetId: 'p', podVmSubnetCidr: '10.225.0.0/16' };
    const props = {
      resourceGroupName: 'rg',
      location: 'westeurope',
      name: 'aks',
      network: lookAlike as unknown as IPeerPodNetwork,
      adminGroupObjectIds: ['00000000-0000-0000-0000-000000000001'],
    };
    expect(() => new ConfidentialAksCluster(scope, 'aks', props)).toThrow(
      'ConfidentialAksCluster test/aks: network: must be a PeerPodNetwork or PeerPodNetwork.fromPeerPodNetworkAttributes(...)',
    );
  });
});

test('the earlier import names remain, deprecated, and build the same imports', () => {
  const stack = emptyStack();
  const network = { vnetId: 'v', nodeSubnetId: 'n', podVmSubnetId: 'p', podVmNsgId: 'g', nodeSubnetCidr: '10.1.0.0/24' };
  expect(PeerPodNetwork.fromExisting(stack, 'a', network).podVmSubnetId).toBe('p');
  const cluster = { clusterId: 'id', clusterName: 'c', clusterResourceGroupName: 'rg', clusterOidcIssuerUrl: 'https://oidc.example/' };
  expect(ConfidentialAksCluster.fromExisting(stack, 'b', cluster).clusterName).toBe('c');
  const image = PodVmImage.fromImageId(stack, 'c', { imageId: '/CommunityGalleries/g/Images/i/Versions/1.0.0', measurements: BOTH_TEES });
  expect(image.imageId).toBe('/CommunityGalleries/g/Images/i/Versions/1.0.0');
  const size = ConfidentialVmSize.STANDARD_DC2AS_V5;
  const attributes = {
    namespace: 'confidential-containers-system',
    instanceSizes: [size],
    defaultInstanceSize: size,
    evidenceTypes: [size.evidenceType!],
  };
  const runtime = PeerPodsRuntime.alreadyInstalled(stack, 'd', attributes);
  expect(runtime.runtimeClassName).toBe('kata-remote');
});
