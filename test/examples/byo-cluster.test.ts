import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { Synthesized, resourceOf, resourcesOf, synthApp } from '../helpers/synth';

describe('byo-cluster example', () => {
  const text = synthApp((app) => new ByoClusterStack(app, 'byo'));
  const json = JSON.parse(text.byo) as Synthesized;

  test('matches the reviewed snapshot', () => {
    expect(json).toMatchSnapshot();
  });

  test('adds no network, cluster or image: only what the company is missing', () => {
    for (const type of ['azurerm_virtual_network', 'azurerm_subnet', 'azurerm_kubernetes_cluster', 'azurerm_shared_image']) {
      expect(resourcesOf(json, type)).toEqual({});
    }
    expect(Object.keys(resourcesOf(json, 'azurerm_federated_identity_credential'))).toHaveLength(3);
  });

  test('wires the pool to the existing ids and skips cert-manager the platform already runs', () => {
    expect(resourceOf(json, 'azurerm_role_assignment', 'AttachPodVmSubnet').scope).toContain('/subnets/pod-vms');
    expect(Object.keys(resourcesOf(json, 'helm_release'))).toEqual([expect.stringMatching(/^PeerPods_[0-9A-F]{8}$/)]);
  });

  test('reads the model owner key and the registry credentials from Key Vault with a narrowly scoped identity', () => {
    expect(resourceOf(json, 'azurerm_role_assignment', 'SecretsUser-Secret-key-manager')).toMatchObject({ role_definition_name: 'Key Vault Secrets User', scope: expect.stringMatching(/\/vaults\/model-owner-kv\/secrets\/key-manager-private-key$/) });
    expect(resourceOf(json, 'azurerm_role_assignment', 'SecretsUser-Secret-platformacr')).toMatchObject({ role_definition_name: 'Key Vault Secrets User', scope: expect.stringMatching(/\/secrets\/platformacr-pull$/) });
    expect(resourceOf(json, 'kubernetes_manifest').manifest).toMatchObject({ kind: 'SecretProviderClass' });
  });
});
