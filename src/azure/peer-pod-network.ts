import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import * as v from 'valibot';
import { Construct, IConstruct } from '../internal/cdktf';
import {
  ConstructInterface,
  ConstructValidationError,
  int,
  isToken,
  literalString,
  strictObject,
  parseProps,
  str,
  stringMap,
  attributesObject,
} from '../internal/validation';
import { Ipv4Block, contains, overlaps, parseCidr } from './cidr';
import { azureLocation, resourceGroupName } from './azure-names';

/** The ports the adaptor and pod traffic use between the node subnet and pod VMs. */
export const PEER_POD_PORTS = { agentProtocolForwarder: 15150, vxlan: 4789 } as const;

/** What the peer-pods constructs need of a network: a `PeerPodNetwork`, or `PeerPodNetwork.fromPeerPodNetworkAttributes`. */
export interface IPeerPodNetwork extends IConstruct, PeerPodNetworkAttributes {}

/**
 * A peer-pod network whose pod-VM subnet CIDR is known at synth time: what a KBS takes, since it admits
 * attestation only from that subnet. A `PeerPodNetwork` is one; an import is one when given `podVmSubnetCidr`.
 */
export interface IPeerPodNetworkWithSubnetCidr extends IPeerPodNetwork {
  /** CIDR of the pod-VM subnet, a literal (the only source a KBS admits). */
  readonly podVmSubnetCidr: string;
}

/** The mark of an `IPeerPodNetwork`: implementing constructs set it, and props that take one check it. */
export const PEER_POD_NETWORK = new ConstructInterface<IPeerPodNetwork>(
  'IPeerPodNetwork',
  'a PeerPodNetwork or PeerPodNetwork.fromPeerPodNetworkAttributes(...)',
);

/** The attributes of a network peer pods can use (`PeerPodNetwork.fromPeerPodNetworkAttributes` takes them). */
export interface PeerPodNetworkAttributes {
  /** ARM id of the VNet. */
  readonly vnetId: string;
  /** ARM id of the subnet of the AKS nodes. */
  readonly nodeSubnetId: string;
  /** ARM id of the subnet pod VMs are placed in. */
  readonly podVmSubnetId: string;
  /** ARM id of the NSG guarding the pod-VM subnet, if any. */
  readonly podVmNsgId?: string;
  /** CIDR of the node subnet, when known at synth time (used to validate static IPs). */
  readonly nodeSubnetCidr?: string;
  /** Address space of the VNet, when known at synth time (AKS pod and service CIDRs must stay outside it). */
  readonly addressSpace?: string;
  /** CIDR of the pod-VM subnet, when known at synth time (the only source a KBS admits). */
  readonly podVmSubnetCidr?: string;
}

/** Props of PeerPodNetwork. */
export interface PeerPodNetworkProps {
  /** Resource group of the network resources. */
  readonly resourceGroupName: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /**
   * Name prefix of the network resources.
   * @default 'peerpods'
   */
  readonly namePrefix?: string;
  /**
   * Address space of the VNet.
   * @default '10.224.0.0/12'
   */
  readonly addressSpace?: string;
  /**
   * CIDR of the AKS node subnet, inside the address space.
   * @default '10.224.0.0/16'
   */
  readonly nodeSubnetCidr?: string;
  /**
   * CIDR of the pod-VM subnet, inside the address space and not overlapping the node subnet.
   * @default '10.225.0.0/16'
   */
  readonly podVmSubnetCidr?: string;
  /**
   * Idle timeout of the NAT gateway, in minutes.
   * @default 4
   */
  readonly natIdleTimeoutMinutes?: number;
  /** Tags on every resource. @default - none */
  readonly tags?: Record<string, string>;
}

const cidr = (what: string) =>
  literalString((s) => parseCidr(s) !== undefined, `must be an IPv4 CIDR with zero host bits, e.g. "10.224.0.0/16" (${what})`);

/** The schema of PeerPodNetworkAttributes (internal: not in the main entry). */
export const importSchema = attributesObject({
  vnetId: v.pipe(str(), v.minLength(1, 'must be the ARM id of the VNet (az network vnet show --query id)')),
  nodeSubnetId: v.pipe(str(), v.minLength(1, 'must be the ARM id of the AKS node subnet (az network vnet subnet show --query id)')),
  podVmSubnetId: v.pipe(str(), v.minLength(1, 'must be the ARM id of the pod-VM subnet (az network vnet subnet show --query id)')),
  podVmNsgId: v.optional(v.pipe(str(), v.minLength(1, 'must be the ARM id of the NSG on the pod-VM subnet, or left out'))),
  nodeSubnetCidr: v.optional(cidr('the node subnet')),
  addressSpace: v.optional(cidr('the VNet address space')),
  podVmSubnetCidr: v.optional(cidr('the pod-VM subnet')),
});

/** An existing network (`PeerPodNetwork.fromPeerPodNetworkAttributes`). */
class ImportedPeerPodNetwork extends Construct implements IPeerPodNetwork {
  public readonly vnetId: string;
  public readonly nodeSubnetId: string;
  public readonly podVmSubnetId: string;
  public readonly podVmNsgId?: string;
  public readonly nodeSubnetCidr?: string;
  public readonly addressSpace?: string;
  public readonly podVmSubnetCidr?: string;

  constructor(scope: Construct, id: string, attrs: PeerPodNetworkAttributes) {
    super(scope, id);
    const p = parseProps(this, 'PeerPodNetwork', importSchema, attrs);
    this.vnetId = p.vnetId;
    this.nodeSubnetId = p.nodeSubnetId;
    this.podVmSubnetId = p.podVmSubnetId;
    this.podVmNsgId = p.podVmNsgId;
    this.nodeSubnetCidr = p.nodeSubnetCidr;
    this.addressSpace = p.addressSpace;
    this.podVmSubnetCidr = p.podVmSubnetCidr;
    PEER_POD_NETWORK.implementedBy(this);
  }
}

/** The schema of PeerPodNetworkProps (internal: not in the main entry). */
export const schema = strictObject({
  resourceGroupName: resourceGroupName(),
  location: azureLocation,
  namePrefix: v.optional(
    literalString((s) => /^[a-z][a-z0-9-]{0,40}$/.test(s), 'must be lowercase letters, digits and "-", starting with a letter'),
    'peerpods',
  ),
  addressSpace: v.optional(cidr('the VNet address space'), '10.224.0.0/12'),
  nodeSubnetCidr: v.optional(cidr('the node subnet'), '10.224.0.0/16'),
  podVmSubnetCidr: v.optional(cidr('the pod-VM subnet'), '10.225.0.0/16'),
  natIdleTimeoutMinutes: v.optional(int(4, 120), 4),
  tags: v.optional(stringMap(), {}),
});

/**
 * The network peer pods need: one VNet with a node subnet and a pod-VM subnet, outbound access for pod VMs
 * through a NAT gateway (they pull images), and an NSG on the pod-VM subnet that admits only the adaptor's
 * agent-protocol port (15150/tcp) and VXLAN (4789/udp) from the node subnet.
 */
export class PeerPodNetwork extends Construct implements IPeerPodNetwork {
  /**
   * Imports an existing VNet and subnets (a company's own network) by their attributes. With `podVmSubnetCidr`
   * the network can be given to a KBS (`IPeerPodNetworkWithSubnetCidr`).
   */
  public static fromPeerPodNetworkAttributes(
    scope: Construct,
    id: string,
    attrs: PeerPodNetworkAttributes & { readonly podVmSubnetCidr: string },
  ): IPeerPodNetworkWithSubnetCidr;
  public static fromPeerPodNetworkAttributes(scope: Construct, id: string, attrs: PeerPodNetworkAttributes): IPeerPodNetwork;
  public static fromPeerPodNetworkAttributes(scope: Construct, id: string, attrs: PeerPodNetworkAttributes): IPeerPodNetwork {
    return new ImportedPeerPodNetwork(scope, id, attrs);
  }

  /** @deprecated use `fromPeerPodNetworkAttributes` (the same import; this name goes in the next release). */
  public static fromExisting(scope: Construct, id: string, attrs: PeerPodNetworkAttributes): IPeerPodNetwork {
    return PeerPodNetwork.fromPeerPodNetworkAttributes(scope, id, attrs);
  }

  /** The VNet (escape hatch). */
  public readonly resource: VirtualNetwork;
  /** The node subnet. */
  public readonly nodeSubnet: Subnet;
  /** The pod-VM subnet. */
  public readonly podVmSubnet: Subnet;
  /** The NSG on the pod-VM subnet. */
  public readonly podVmNsg: NetworkSecurityGroup;
  /** The NAT gateway of the pod-VM subnet. */
  public readonly natGateway: NatGateway;
  /** @inheritdoc */
  public readonly vnetId: string;
  /** @inheritdoc */
  public readonly nodeSubnetId: string;
  /** @inheritdoc */
  public readonly podVmSubnetId: string;
  /** @inheritdoc */
  public readonly podVmNsgId: string;
  /** @inheritdoc */
  public readonly nodeSubnetCidr: string;
  /** @inheritdoc */
  public readonly addressSpace: string;
  /** CIDR of the pod-VM subnet. */
  public readonly podVmSubnetCidr: string;

  constructor(scope: Construct, id: string, props: PeerPodNetworkProps) {
    super(scope, id);
    PEER_POD_NETWORK.implementedBy(this);
    const p = parseProps(this, 'PeerPodNetwork', schema, props);
    validateLayout(this, p.addressSpace, p.nodeSubnetCidr, p.podVmSubnetCidr);
    const common = { resourceGroupName: p.resourceGroupName, location: p.location, tags: p.tags };

    this.resource = new VirtualNetwork(this, 'Resource', { ...common, name: `${p.namePrefix}-vnet`, addressSpace: [p.addressSpace] });
    this.nodeSubnet = new Subnet(this, 'NodeSubnet', {
      name: `${p.namePrefix}-nodes`,
      resourceGroupName: p.resourceGroupName,
      virtualNetworkName: this.resource.name,
      addressPrefixes: [p.nodeSubnetCidr],
    });
    this.podVmSubnet = new Subnet(this, 'PodVmSubnet', {
      name: `${p.namePrefix}-podvms`,
      resourceGroupName: p.resourceGroupName,
      virtualNetworkName: this.resource.name,
      addressPrefixes: [p.podVmSubnetCidr],
      // Outbound goes through the NAT gateway only.
      defaultOutboundAccessEnabled: false,
    });

    const ip = new PublicIp(this, 'NatPublicIp', { ...common, name: `${p.namePrefix}-nat-ip`, allocationMethod: 'Static', sku: 'Standard' });
    this.natGateway = new NatGateway(this, 'NatGateway', {
      ...common,
      name: `${p.namePrefix}-nat`,
      skuName: 'Standard',
      idleTimeoutInMinutes: p.natIdleTimeoutMinutes,
    });
    new NatGatewayPublicIpAssociation(this, 'NatPublicIpAssociation', { natGatewayId: this.natGateway.id, publicIpAddressId: ip.id });
    new SubnetNatGatewayAssociation(this, 'PodVmSubnetNat', { subnetId: this.podVmSubnet.id, natGatewayId: this.natGateway.id });

    this.podVmNsg = new NetworkSecurityGroup(this, 'PodVmNsg', { ...common, name: `${p.namePrefix}-podvms-nsg` });
    const rule = (rid: string, priority: number, protocol: string, port: number, name: string): void => {
      new NetworkSecurityRule(this, rid, {
        name,
        resourceGroupName: p.resourceGroupName,
        networkSecurityGroupName: this.podVmNsg.name,
        priority,
        direction: 'Inbound',
        access: 'Allow',
        protocol,
        sourceAddressPrefix: p.nodeSubnetCidr,
        sourcePortRange: '*',
        destinationAddressPrefix: p.podVmSubnetCidr,
        destinationPortRange: String(port),
      });
    };
    rule('AllowAgentProtocolForwarder', 100, 'Tcp', PEER_POD_PORTS.agentProtocolForwarder, 'allow-apf-from-nodes');
    rule('AllowVxlan', 110, 'Udp', PEER_POD_PORTS.vxlan, 'allow-vxlan-from-nodes');
    // The default rules admit all VNet traffic; this one closes it, so only the two rules above get in.
    new NetworkSecurityRule(this, 'DenyAllOtherInbound', {
      name: 'deny-all-other-inbound',
      resourceGroupName: p.resourceGroupName,
      networkSecurityGroupName: this.podVmNsg.name,
      priority: 4096,
      direction: 'Inbound',
      access: 'Deny',
      protocol: '*',
      sourceAddressPrefix: '*',
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: '*',
    });
    new SubnetNetworkSecurityGroupAssociation(this, 'PodVmSubnetNsg', { subnetId: this.podVmSubnet.id, networkSecurityGroupId: this.podVmNsg.id });

    this.vnetId = this.resource.id;
    this.nodeSubnetId = this.nodeSubnet.id;
    this.podVmSubnetId = this.podVmSubnet.id;
    this.podVmNsgId = this.podVmNsg.id;
    this.nodeSubnetCidr = p.nodeSubnetCidr;
    this.addressSpace = p.addressSpace;
    this.podVmSubnetCidr = p.podVmSubnetCidr;
  }
}

function validateLayout(scope: Construct, space: string, node: string, podVm: string): void {
  if ([space, node, podVm].some(isToken)) return;
  const fail = (field: string, message: string): never => {
    throw new ConstructValidationError(scope.node.path, 'PeerPodNetwork', field, message);
  };
  const vnet = parseCidr(space) as Ipv4Block;
  const nodes = parseCidr(node) as Ipv4Block;
  const pods = parseCidr(podVm) as Ipv4Block;
  if (!contains(vnet, nodes)) fail('nodeSubnetCidr', `"${node}" is outside the address space "${space}"; choose a block inside it`);
  if (!contains(vnet, pods)) fail('podVmSubnetCidr', `"${podVm}" is outside the address space "${space}"; choose a block inside it`);
  if (overlaps(nodes, pods)) fail('podVmSubnetCidr', `"${podVm}" overlaps the node subnet "${node}"; choose a separate block`);
}
