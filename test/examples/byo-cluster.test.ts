import { Testing } from 'cdktf';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { describeNoSideDoors } from '../helpers/side-doors';
import { Synthesized, resourceOf, resourcesOf, synthApp } from '../helpers/synth';

describe('byo-cluster example', () => {
  const text = synthApp((app) => new ByoClusterStack(app, 'byo'));
  const json = JSON.parse(text.byo) as Synthesized;

  test('matches the reviewed snapshot', () => {
    expect(json).toMatchSnapshot();
  });

  describeNoSideDoors(() => json, ['key-manager']);

  test('adds no network, cluster or image: only what the company is missing', () => {
    for (const type of ['azurerm_virtual_network', 'azurerm_subnet', 'azurerm_kubernetes_cluster', 'azurerm_shared_image']) {
      expect(resourcesOf(json, type)).toEqual({});
    }
    expect(Object.keys(resourcesOf(json, 'azurerm_federated_identity_credential'))).toHaveLength(2);
  });

  test('wires the pool to the existing ids and skips cert-manager the platform already runs', () => {
    expect(resourceOf(json, 'azurerm_role_assignment', 'AttachPodVmSubnet').scope).toContain('/subnets/pod-vms');
    expect(Object.keys(resourcesOf(json, 'helm_release'))).toEqual([expect.stringMatching(/^PeerPods_[0-9A-F]{8}$/)]);
  });

  test("tells the model owner's KBS what to trust through a bundle, and puts no KBS in the platform's cluster", () => {
    const stack = new ByoClusterStack(Testing.app(), 'byo2');
    Testing.synth(stack);
    const bundle = stack.kbs.bundle();
    expect(JSON.parse(bundle['reference-values.json'])['initdata.pcr08']).toHaveLength(1);
    expect(bundle['resource-policy.rego']).toContain('"enkrypt/key-manager/private-key"');
    expect(bundle['apply.sh']).toContain('set-resource --path platform/registry/credentials');
    expect(Object.keys(resourcesOf(json, 'kubernetes_deployment_v1'))).toEqual([expect.stringMatching(/^KeyManager_Workload/)]);
  });
});
