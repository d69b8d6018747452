import { Testing, TerraformStack } from 'cdktf';
import { KbsKeyVaultAccess, KbsKeyVaultAccessProps, PeerPodNetwork, ResourceSource, Trustee, collectAnnotations } from '../../src';
import { baseInfra } from '../azure/fixtures';
import { emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';
import { trusteeProps } from '../kubernetes/fixtures';

const VAULT_ID = '/subscriptions/s/resourceGroups/owner/providers/Microsoft.KeyVault/vaults/model-owner-kv';

/** The test vault's access props, for `cluster`. */
const vaultProps = (cluster: KbsKeyVaultAccessProps['cluster'], more: Partial<KbsKeyVaultAccessProps> = {}): KbsKeyVaultAccessProps => ({
  cluster,
  keyVaultId: VAULT_ID,
  keyVaultName: 'model-owner-kv',
  location: 'westeurope',
  resourceGroupName: 'rg',
  ...more,
});

describe('Key Vault resources', () => {
  const json = synth((stack) => {
    const { network, cluster } = baseInfra(stack);
    const keyVault = new KbsKeyVaultAccess(stack, 'kv', vaultProps(cluster, { secretNames: ['model-key'] }));
    const trustee = new Trustee(stack, 'trustee', { ...trusteeProps(network), keyVault });
    trustee.declareResource('kbs:///enkrypt/model/key', ResourceSource.azureKeyVault('model-key'));
  });

  test('the KBS identity is federated with the kbs service account and reads only the named secret', () => {
    expect(resourceOf(json, 'azurerm_federated_identity_credential', 'kv')).toMatchObject({
      subject: 'system:serviceaccount:trustee:kbs',
      audience: ['api://AzureADTokenExchange'],
    });
    expect(resourceOf(json, 'azurerm_role_assignment', 'kv')).toMatchObject({
      role_definition_name: 'Key Vault Secrets User',
      scope: `${VAULT_ID}/secrets/model-key`,
    });
  });

  test('a SecretProviderClass mounts the secret under a fixed alias, with the KBS identity', () => {
    const manifest = resourceOf(json, 'kubernetes_manifest').manifest as { spec: { provider: string; parameters: Record<string, string> } };
    expect(manifest.spec.provider).toBe('azure');
    expect(manifest.spec.parameters).toMatchObject({
      usePodIdentity: 'false',
      keyvaultName: 'model-owner-kv',
      clientID: expect.stringContaining('client_id'),
    });
    const objects = JSON.parse(manifest.spec.parameters.objects) as { array: string[] };
    expect(objects.array.map((o) => JSON.parse(o))).toEqual([{ objectName: 'model-key', objectType: 'secret', objectAlias: 'resource-0' }]);
  });

  test('the init container copies the mounted secret to the flat LocalFs name', () => {
    const deployment = resourceOf(json, 'kubernetes_deployment_v1');
    const spec = (deployment.spec as Record<string, Record<string, unknown>>).template as Record<string, Record<string, unknown>>;
    expect(spec.metadata.labels).toMatchObject({ 'azure.workload.identity/use': 'true' });
    const podSpec = spec.spec as Record<string, unknown>;
    expect(podSpec.volume).toContainEqual({
      name: 'keyvault',
      csi: { driver: 'secrets-store.csi.k8s.io', read_only: true, volume_attributes: { secretProviderClass: 'kbs-keyvault' } },
    });
    const script = ((podSpec.init_container as Array<Record<string, unknown>>)[0].command as string[])[2];
    expect(script).toContain("cp '/kbs-keyvault/resource-0' '/opt/confidential-containers/storage/repository/enkrypt\\x2Fmodel\\x2Fkey'");
    expect(resourcesOf(json, 'kubernetes_service_account_v1')).toEqual({
      [Object.keys(resourcesOf(json, 'kubernetes_service_account_v1'))[0]]: expect.objectContaining({
        metadata: expect.objectContaining({ annotations: { 'azure.workload.identity/client-id': expect.stringContaining('client_id') } }),
      }),
    });
  });

  test('it is development only: it warns that the cluster admin can read the vault through the service account it trusts', () => {
    const scope = emptyStack();
    const { cluster } = baseInfra(scope);
    const keyVault = new KbsKeyVaultAccess(scope, 'kv', vaultProps(cluster));
    expect(collectAnnotations(keyVault)).toEqual([
      {
        level: 'warning',
        path: 'test/kv',
        message: expect.stringMatching(
          /^KbsKeyVaultAccess is development only: the cluster admin can mint the token of the KBS service account .*TrusteeVm/,
        ),
      },
    ]);
  });

  test('synth fails when a Key Vault resource is declared without Key Vault access', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'x');
    const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    const trustee = new Trustee(stack, 't', trusteeProps(network));
    trustee.declareResource('a/b/c', ResourceSource.azureKeyVault('secret'));
    expect(() => Testing.synth(stack, true)).toThrow(/resources come from Azure Key Vault, but the Trustee has no keyVault access/);
  });

  test('runs Trustee in the namespace and service account the identity trusts, and refuses another namespace', () => {
    const scope = emptyStack();
    const { network, cluster } = baseInfra(scope);
    const keyVault = new KbsKeyVaultAccess(scope, 'kv', vaultProps(cluster, { namespace: 'kbs-system' }));
    const trustee = new Trustee(scope, 't', { ...trusteeProps(network), keyVault });
    expect(trustee.namespace).toBe('kbs-system');
    expect(() => new Trustee(scope, 't2', { ...trusteeProps(network), keyVault, namespace: 'trustee' })).toThrow(
      'Trustee test/t2: namespace: is "trustee", but keyVault trusts the service account ' +
        'of namespace "kbs-system"; drop namespace (it follows keyVault) or give both the same',
    );
  });

  test.each([['bad name!'], ['']])('fails for the Key Vault secret name %p', (name) => {
    expect(() => ResourceSource.azureKeyVault(name)).toThrow(/must be a Key Vault secret name: 1-127 letters, digits and "-"/);
  });
});
