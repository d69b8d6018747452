import { Lb } from '@cdktf/provider-azurerm/lib/lb';
import { LbBackendAddressPool } from '@cdktf/provider-azurerm/lib/lb-backend-address-pool';
import { LbProbe } from '@cdktf/provider-azurerm/lib/lb-probe';
import { LbRule } from '@cdktf/provider-azurerm/lib/lb-rule';
import { NetworkInterface } from '@cdktf/provider-azurerm/lib/network-interface';
import { NetworkInterfaceBackendAddressPoolAssociation } from '@cdktf/provider-azurerm/lib/network-interface-backend-address-pool-association';
import { NetworkInterfaceSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/network-interface-security-group-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { Ipv4Block, isUsableAzureAddress, parseIpv4 } from '../azure/cidr';
import { Construct } from '../internal/cdktf';
import type { TrusteeVmCommon } from './trustee-vm-props';

/** One KBS replica: where it sits and the construct ids and names of its VM and NIC. */
export interface TrusteeVmReplica {
  /** 0-based. */
  readonly index: number;
  /** Its private address (staticIp itself when there is one replica and no load balancer). */
  readonly ip: string;
  /** Its availability zone. @default - none (regional) */
  readonly zone?: string;
  /** Construct-id suffix: '' for replica 0 (the ids of a single-VM TrusteeVm, kept so it is not replaced), else the index. */
  readonly suffix: string;
}

/** The address `n` after `ip` (dotted quad). */
function addressAfter(ip: string, n: number): string {
  const v = parseIpv4(ip)! + n;
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}

/**
 * The replicas of a TrusteeVm, or the message of what is wrong (field, then message). One replica is the VM at
 * `staticIp` (no load balancer: the plan of a single-VM TrusteeVm stays as it was); more sit behind an internal load
 * balancer whose frontend is `staticIp`, each at its own address (`replicaIps`, or the addresses right after `staticIp`)
 * and, when zones are given, in a zone of its own.
 */
export function trusteeVmReplicas(
  subnet: Ipv4Block,
  staticIp: string,
  replicas: number,
  zones: readonly string[] | undefined,
  replicaIps: readonly string[] | undefined,
): TrusteeVmReplica[] | { field: string; message: string } {
  if (zones !== undefined) {
    if (new Set(zones).size !== zones.length) return { field: 'zones', message: `[${zones.join(', ')}] names a zone twice; list each zone once` };
    if (replicas > zones.length) {
      return {
        field: 'replicas',
        message:
          `${replicas} replicas in ${zones.length} zone(s) [${zones.join(', ')}]: each replica needs a zone of its own ` +
          '(one zone down must leave the others up); give more zones, or fewer replicas',
      };
    }
  }
  if (replicas === 1) {
    if (replicaIps !== undefined) {
      return { field: 'replicaIps', message: 'is for replicas > 1 (behind the load balancer); one replica is the VM at staticIp: remove it' };
    }
    return [{ index: 0, ip: staticIp, zone: zones?.[0], suffix: '' }];
  }
  if (replicaIps !== undefined && replicaIps.length !== replicas) {
    return { field: 'replicaIps', message: `lists ${replicaIps.length} address(es) for ${replicas} replicas; give one per replica` };
  }
  const ips = replicaIps ?? Array.from({ length: replicas }, (_, i) => addressAfter(staticIp, i + 1));
  const field = replicaIps ? 'replicaIps' : 'replicas';
  for (const ip of ips) {
    if (!isUsableAzureAddress(subnet, ip)) {
      return {
        field,
        message:
          `replica address ${ip} is not a usable address of ${subnet.cidr} (Azure reserves the first four and the last)` +
          (replicaIps ? '' : `: the replicas take the addresses after staticIp, so give replicaIps, or a lower staticIp`),
      };
    }
    if (ip === staticIp) return { field, message: `replica address ${ip} is staticIp, the load balancer's frontend; give another address` };
  }
  if (new Set(ips).size !== ips.length) return { field, message: `[${ips.join(', ')}] lists an address twice; give each replica its own` };
  return ips.map((ip, index) => ({ index, ip, zone: zones?.[index], suffix: index === 0 ? '' : String(index) }));
}

/** What the network of a TrusteeVm is built from. */
export interface TrusteeVmNetworkInput extends TrusteeVmCommon {
  readonly name: string;
  readonly subnetId: string;
  readonly staticIp: string;
  readonly port: number;
  readonly podVmCidr: string;
  readonly replicas: readonly TrusteeVmReplica[];
  /** The zones of the load balancer's frontend. @default - none */
  readonly zones?: readonly string[];
}

/** The network a TrusteeVm's replicas sit in. */
export interface TrusteeVmNetwork {
  readonly nsg: NetworkSecurityGroup;
  /** Each replica's NIC, by index. */
  readonly nics: NetworkInterface[];
  /** The internal load balancer in front of more than one replica. */
  readonly loadBalancer?: Lb;
}

/**
 * The NSG, the NICs and, for more than one replica, the internal Standard load balancer (frontend `staticIp`, every
 * NIC in its pool, an HTTPS probe of the KBS's `/healthz`, and a rule with source-IP affinity, since a KBS session
 * lives in the replica that opened it). The NSG admits the KBS port from the pod-VM subnet and, behind a load
 * balancer, its probe (service tag AzureLoadBalancer), and denies everything else.
 */
export function createTrusteeVmNetwork(scope: Construct, p: TrusteeVmNetworkInput): TrusteeVmNetwork {
  const common = { resourceGroupName: p.resourceGroupName, location: p.location, tags: p.tags };
  const balanced = p.replicas.length > 1;
  // The load balancer does not rewrite the source (pod VMs keep their own addresses) and delivers to the replica's
  // address; one replica alone is reached at staticIp.
  const destinations = p.replicas.map((r) => r.ip);
  const nsg = new NetworkSecurityGroup(scope, 'Nsg', { ...common, name: `${p.name}-nsg` });
  const rule = (rid: string, priority: number, access: 'Allow' | 'Deny', sources: string[] | string, ports: string, name: string): void => {
    new NetworkSecurityRule(scope, rid, {
      name,
      resourceGroupName: p.resourceGroupName,
      networkSecurityGroupName: nsg.name,
      priority,
      direction: 'Inbound',
      access,
      protocol: access === 'Allow' ? 'Tcp' : '*',
      sourcePortRange: '*',
      destinationPortRange: ports,
      // A service tag goes in the single-prefix field.
      ...(typeof sources === 'string' ? { sourceAddressPrefix: sources } : { sourceAddressPrefixes: sources }),
      ...(balanced ? { destinationAddressPrefixes: destinations } : { destinationAddressPrefix: p.staticIp }),
    });
  };
  rule('AllowPodVms', 100, 'Allow', [p.podVmCidr], String(p.port), 'allow-kbs-from-pod-vms');
  if (balanced) rule('AllowLbProbe', 110, 'Allow', 'AzureLoadBalancer', String(p.port), 'allow-kbs-probe-from-azure-lb');
  // Azure's default rules admit the whole VNet (and peered ones) and the load balancer; nothing else may reach the VMs.
  rule('DenyOthers', 4000, 'Deny', ['0.0.0.0/0'], '*', 'deny-all-other-inbound');

  const nics = p.replicas.map((r) => {
    const nic = new NetworkInterface(scope, `Nic${r.suffix}`, {
      ...common,
      name: `${p.name}-nic${r.suffix ? `-${r.suffix}` : ''}`,
      ipConfiguration: [{ name: 'kbs', subnetId: p.subnetId, privateIpAddressAllocation: 'Static', privateIpAddress: r.ip }],
    });
    new NetworkInterfaceSecurityGroupAssociation(scope, `NicNsg${r.suffix}`, { networkInterfaceId: nic.id, networkSecurityGroupId: nsg.id });
    return nic;
  });
  if (!balanced) return { nsg, nics };

  const loadBalancer = new Lb(scope, 'Lb', {
    ...common,
    name: `${p.name}-lb`,
    sku: 'Standard',
    frontendIpConfiguration: [
      {
        name: 'kbs',
        subnetId: p.subnetId,
        privateIpAddressAllocation: 'Static',
        privateIpAddress: p.staticIp,
        privateIpAddressVersion: 'IPv4',
        ...(p.zones ? { zones: [...p.zones] } : {}),
      },
    ],
  });
  const pool = new LbBackendAddressPool(scope, 'LbPool', { name: 'kbs-replicas', loadbalancerId: loadBalancer.id });
  nics.forEach((nic, i) => {
    new NetworkInterfaceBackendAddressPoolAssociation(scope, `NicPool${p.replicas[i].suffix}`, {
      networkInterfaceId: nic.id,
      ipConfigurationName: 'kbs',
      backendAddressPoolId: pool.id,
    });
  });
  // Trustee answers GET /healthz with 200 (kbs/src/api_server.rs:187 at v0.21.0); the probe does not check the certificate.
  const probe = new LbProbe(scope, 'LbProbe', {
    name: 'kbs-healthz',
    loadbalancerId: loadBalancer.id,
    protocol: 'Https',
    port: p.port,
    requestPath: '/healthz',
    intervalInSeconds: 5,
    probeThreshold: 2,
  });
  new LbRule(scope, 'LbRule', {
    name: 'kbs',
    loadbalancerId: loadBalancer.id,
    frontendIpConfigurationName: 'kbs',
    protocol: 'Tcp',
    frontendPort: p.port,
    backendPort: p.port,
    backendAddressPoolIds: [pool.id],
    probeId: probe.id,
    // A KBS session (auth, attest, then resource requests) lives on the replica that opened it: a pod VM's requests
    // must all reach the same replica. Pod VMs dial from their own private addresses across the peering, so the
    // source address identifies one pod VM.
    loadDistribution: 'SourceIP',
    // The replicas reach the internet through the subnet's NAT gateway, not through the load balancer.
    disableOutboundSnat: true,
  });
  return { nsg, nics, loadBalancer };
}
