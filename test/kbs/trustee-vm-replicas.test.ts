import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { ResourceSource, TrusteeVm, TrusteeVmProps } from '../../src';
import { baseInfra } from '../azure/fixtures';
import { Synthesized, emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';
import { findings } from '../helpers/baseline';
import { TestWorkload } from '../helpers/workload-identity';
import { vmProps } from './fixtures';

const HA: Partial<TrusteeVmProps> = { replicas: 2, zones: ['1', '2', '3'] };

/** A KBS of two replicas granting a model key to one workload (its PCR 8 is `pcr8`). */
function replicated(scope: Construct, pcr8 = 'a'.repeat(64), extra: Partial<TrusteeVmProps> = {}): TrusteeVm {
  const infra = baseInfra(scope);
  const kbs = new TrusteeVm(scope, 'Kbs', { ...vmProps(infra.network), ...HA, ...extra });
  kbs.trustImage(infra.image);
  const key = kbs.declareResource('kbs:///enkrypt/model/key', ResourceSource.outOfBand());
  kbs.grantResources(new TestWorkload(scope, 'w', pcr8, ['az-snp-vtpm']), key);
  return kbs;
}

const vms = (json: Synthesized) =>
  Object.values(resourcesOf(json, 'azurerm_linux_virtual_machine')).sort((a, b) => String(a.name).localeCompare(String(b.name)));
const nicIps = (json: Synthesized) =>
  Object.values(resourcesOf(json, 'azurerm_network_interface'))
    .map((n) => (n.ip_configuration as Array<{ private_ip_address: string }>)[0].private_ip_address)
    .sort();
const kbsRules = (json: Synthesized) =>
  Object.entries(resourcesOf(json, 'azurerm_network_security_rule'))
    .filter(([id]) => id.startsWith('Kbs_'))
    .map(([, r]) => r)
    .sort((a, b) => Number(a.priority) - Number(b.priority));

describe('TrusteeVm with replicas', () => {
  let kbs: TrusteeVm | undefined;
  const json = synth((stack) => {
    kbs = replicated(stack);
  });

  test('builds one confidential VM per replica, each in its own zone, all from the same custom data and identity', () => {
    const all = vms(json);
    expect(all.map((v) => [v.name, v.zone])).toEqual([
      ['trustee-vm', '1'],
      ['trustee-vm-1', '2'],
    ]);
    expect(new Set(all.map((v) => v.custom_data)).size).toBe(1);
    expect(new Set(all.map((v) => JSON.stringify(v.identity))).size).toBe(1);
    for (const v of all) {
      expect(v).toMatchObject({
        vtpm_enabled: true,
        secure_boot_enabled: true,
        allow_extension_operations: false,
        provision_vm_agent: false,
        os_disk: { security_encryption_type: 'DiskWithVMGuestState' },
      });
    }
    expect(kbs!.vms).toHaveLength(2);
    expect(kbs!.vm).toBe(kbs!.vms[0]);
  });

  test('puts an internal Standard load balancer at staticIp, the KBS URL host, with every NIC in its pool', () => {
    const lb = resourceOf(json, 'azurerm_lb');
    expect(lb).toMatchObject({ sku: 'Standard' });
    expect(lb.frontend_ip_configuration).toEqual([
      expect.objectContaining({
        name: 'kbs',
        private_ip_address: '10.250.0.10',
        private_ip_address_allocation: 'Static',
        subnet_id: expect.stringContaining('/subnets/kbs'),
        zones: ['1', '2', '3'],
      }),
    ]);
    expect(lb).not.toHaveProperty('frontend_ip_configuration.0.public_ip_address_id');
    expect(kbs!.kbsEndpoint.url).toBe('https://10.250.0.10:8080');
    expect(nicIps(json)).toEqual(['10.250.0.11', '10.250.0.12']);
    const pool = Object.values(resourcesOf(json, 'azurerm_network_interface_backend_address_pool_association'));
    expect(pool).toHaveLength(2);
    expect(pool.map((a) => a.network_interface_id).sort()).toEqual(
      Object.keys(resourcesOf(json, 'azurerm_network_interface')).map((id) => `\${azurerm_network_interface.${id}.id}`),
    );
  });

  test('probes GET /healthz over HTTPS and balances by source IP (a KBS session lives in one replica)', () => {
    expect(resourceOf(json, 'azurerm_lb_probe')).toMatchObject({ protocol: 'Https', port: 8080, request_path: '/healthz' });
    expect(resourceOf(json, 'azurerm_lb_rule')).toMatchObject({
      protocol: 'Tcp',
      frontend_port: 8080,
      backend_port: 8080,
      load_distribution: 'SourceIP',
      frontend_ip_configuration_name: 'kbs',
      probe_id: expect.stringContaining('azurerm_lb_probe.'),
    });
  });

  test('its NSG admits the KBS port from the pod-VM subnet and the load balancer probe, and denies everything else', () => {
    const rules = kbsRules(json).map((r) => ({
      access: r.access,
      priority: r.priority,
      from: r.source_address_prefixes ?? r.source_address_prefix,
      to: r.destination_address_prefixes,
      port: r.destination_port_range,
    }));
    const to = ['10.250.0.11', '10.250.0.12'];
    expect(rules).toEqual([
      { access: 'Allow', priority: 100, from: ['10.225.0.0/16'], to, port: '8080' },
      { access: 'Allow', priority: 110, from: 'AzureLoadBalancer', to, port: '8080' },
      { access: 'Deny', priority: 4000, from: ['0.0.0.0/0'], to, port: '*' },
    ]);
    expect(Object.values(resourcesOf(json, 'azurerm_network_interface_security_group_association'))).toHaveLength(2);
  });

  test('GIVEN a different workload WHEN synthesized again THEN only the state secret changes: every VM is byte-identical', () => {
    const other = synth((stack) => {
      replicated(stack, 'b'.repeat(64));
    });
    expect(resourcesOf(other, 'azurerm_linux_virtual_machine')).toEqual(resourcesOf(json, 'azurerm_linux_virtual_machine'));
    expect(resourcesOf(other, 'azurerm_lb')).toEqual(resourcesOf(json, 'azurerm_lb'));
    expect(resourceOf(other, 'azurerm_key_vault_secret', 'State').value).not.toEqual(resourceOf(json, 'azurerm_key_vault_secret', 'State').value);
  });

  test('GIVEN replicaIps WHEN synthesized THEN each NIC takes its own', () => {
    const own = synth((stack) => {
      replicated(stack, undefined, { replicas: 3, replicaIps: ['10.250.0.20', '10.250.0.21', '10.250.0.22'] });
    });
    expect(nicIps(own)).toEqual(['10.250.0.20', '10.250.0.21', '10.250.0.22']);
    expect(vms(own).map((v) => v.zone)).toEqual(['1', '2', '3']);
  });

  test('one replica (the default) is the VM at staticIp: no load balancer, no probe rule', () => {
    const single = synth((stack) => {
      replicated(stack, undefined, { replicas: undefined, zones: undefined });
    });
    expect(resourcesOf(single, 'azurerm_lb')).toEqual({});
    expect(vms(single)).toHaveLength(1);
    expect(vms(single)[0]).not.toHaveProperty('zone');
    expect(nicIps(single)).toEqual(['10.250.0.10']);
    expect(kbsRules(single)).toHaveLength(2);
  });

  test('passes the security baseline', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    replicated(stack);
    expect(findings(stack).errors.filter((e) => e.split(' ')[1].startsWith('s/Kbs'))).toEqual([]);
  });
});

describe('TrusteeVm replicas validation', () => {
  function build(override: Partial<TrusteeVmProps>): TrusteeVm {
    const scope = emptyStack();
    const { network } = baseInfra(scope);
    return new TrusteeVm(scope, 'Kbs', { ...vmProps(network), ...override });
  }

  test.each<[string, Partial<TrusteeVmProps>, RegExp]>([
    [
      'more replicas than zones',
      { replicas: 3, zones: ['1', '2'] },
      /TrusteeVm test\/Kbs: replicas: 3 replicas in 2 zone\(s\) \[1, 2\].*give more zones/,
    ],
    ['a zone twice', { replicas: 2, zones: ['1', '1'] }, /TrusteeVm test\/Kbs: zones: \[1, 1\] names a zone twice/],
    ['a zone Azure does not have', { replicas: 2, zones: ['1', 'westeurope-2'] }, /zones.*must be Azure availability zones "1", "2" or "3"/],
    ['no replica', { replicas: 0 }, /TrusteeVm test\/Kbs: replicas:/],
    ['replicaIps with one replica', { replicaIps: ['10.250.0.20'] }, /replicaIps: is for replicas > 1/],
    ['a replica address per replica is missing', { replicas: 3, replicaIps: ['10.250.0.20'] }, /replicaIps: lists 1 address\(es\) for 3 replicas/],
    [
      'a replica address outside the subnet',
      { replicas: 2, replicaIps: ['10.250.0.20', '10.250.1.5'] },
      /replicaIps: replica address 10.250.1.5 is not a usable address of 10.250.0.0\/26/,
    ],
    [
      'a replica address is staticIp',
      { replicas: 2, replicaIps: ['10.250.0.10', '10.250.0.11'] },
      /replicaIps: replica address 10.250.0.10 is staticIp/,
    ],
    [
      'two replicas share an address',
      { replicas: 2, replicaIps: ['10.250.0.20', '10.250.0.20'] },
      /replicaIps: \[10.250.0.20, 10.250.0.20\] lists an address twice/,
    ],
    [
      'the derived addresses run past the subnet',
      { replicas: 3, staticIp: '10.250.0.60' },
      /replicas: replica address 10.250.0.63 is not a usable.*give replicaIps, or a lower staticIp/,
    ],
  ])('fails when %s', (_case, override, message) => {
    expect(() => build(override)).toThrow(message);
  });
});
