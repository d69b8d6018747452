import { Testing } from 'cdktf';
import { InfraStack } from '../../examples/reference/infra-stack';
import { Synthesized, resourceOf, resourcesOf } from '../helpers/synth';

function synthInfra(): { text: string; json: Synthesized } {
  delete process.env.CAI_STATE_STORAGE_ACCOUNT;
  const app = Testing.app();
  const stack = new InfraStack(app, 'infra');
  const text = Testing.synth(stack, true);
  return { text, json: JSON.parse(text) as Synthesized };
}

describe('reference app: infra stack', () => {
  const { text, json } = synthInfra();

  test('matches the reviewed snapshot', () => {
    expect(json).toMatchSnapshot();
  });

  test('synthesizes byte-identical JSON twice', () => {
    expect(synthInfra().text).toBe(text);
  });

  test('has a V2 confidential image definition', () => {
    expect(resourceOf(json, 'azurerm_shared_image')).toMatchObject({ hyper_v_generation: 'V2', confidential_vm_supported: true, os_type: 'Linux' });
  });

  test('has an AKS cluster with OIDC, workload identity and the worker label', () => {
    expect(resourceOf(json, 'azurerm_kubernetes_cluster')).toMatchObject({
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
      default_node_pool: expect.objectContaining({ node_labels: { 'node.kubernetes.io/worker': '' } }),
    });
  });

  test('has the two federated credentials, the three least-privilege roles and the pod-VM NSG rules', () => {
    expect(Object.keys(resourcesOf(json, 'azurerm_federated_identity_credential'))).toHaveLength(2);
    const assignments = Object.keys(resourcesOf(json, 'azurerm_role_assignment'));
    for (const part of ['VmContributorOnPodVmResourceGroup', 'AttachPodVmSubnet', 'AttachPodVmNsg', 'VmSizesReaderOnSubscription']) {
      expect(assignments.some((id) => id.includes(part))).toBe(true);
    }
    const ports = Object.values(resourcesOf(json, 'azurerm_network_security_rule'))
      .filter((r) => r.access === 'Allow')
      .map((r) => `${r.destination_port_range}/${String(r.protocol).toLowerCase()}`);
    expect(ports).toEqual(['15150/tcp', '4789/udp']);
  });

  test('takes subscription, admin group and image blob as variables, not hard-coded values', () => {
    const vars = (json as { variable?: Record<string, unknown> }).variable ?? {};
    expect(Object.keys(vars).sort()).toEqual(['admin_group_object_id', 'pod_vm_image_storage_account_id', 'pod_vm_image_vhd_uri', 'subscription_id']);
  });
});
