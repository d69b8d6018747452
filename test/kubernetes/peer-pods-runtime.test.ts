import { ConfidentialVmPool, ConfidentialVmSize, PeerPodsRuntime, PeerPodsRuntimeAttributes } from '../../src';
import { baseInfra } from '../azure/fixtures';
import { emptyStack, resourceOf, synth } from '../helpers/synth';
import { clusterParts } from './fixtures';

describe('PeerPodsRuntime', () => {
  let runtime: PeerPodsRuntime | undefined;
  const json = synth((stack) => {
    runtime = clusterParts(stack).runtime;
  });
  const peerpods = resourceOf(json, 'helm_release', /^runtime_[0-9A-F]{8}$/);
  const certManager = resourceOf(json, 'helm_release', 'CertManager');

  test('installs cert-manager, pinned, with its CRDs', () => {
    expect(certManager).toMatchObject({
      chart: 'cert-manager',
      repository: 'https://charts.jetstack.io',
      version: 'v1.19.1',
      namespace: 'cert-manager',
      create_namespace: true,
      set: [{ name: 'crds.enabled', value: 'true' }],
    });
  });

  test('installs the pinned peerpods chart after cert-manager and the secret', () => {
    expect(peerpods).toMatchObject({
      chart: 'peerpods',
      repository: 'oci://ghcr.io/confidential-containers/cloud-api-adaptor/charts',
      version: '0.4.0',
      timeout: 900,
      wait: true,
    });
    expect(peerpods.depends_on).toEqual([
      expect.stringContaining('kubernetes_secret_v1.runtime_PeerPodsSecret'),
      expect.stringContaining('helm_release.runtime_CertManager'),
    ]);
  });

  test('writes peer-pods-secret with the pool identity ids and no client secret', () => {
    const secret = resourceOf(json, 'kubernetes_secret_v1');
    expect(secret.metadata).toMatchObject({ name: 'peer-pods-secret' });
    expect(Object.keys(secret.data as object).sort()).toEqual(['AZURE_CLIENT_ID', 'AZURE_TENANT_ID']);
    expect((secret.data as Record<string, string>).AZURE_CLIENT_ID).toContain('azurerm_user_assigned_identity.pool');
  });

  test('uses the namespace the federated credentials trust', () => {
    expect(resourceOf(json, 'kubernetes_namespace_v1', 'runtime').metadata).toMatchObject({ name: 'confidential-containers-system' });
    expect(runtime!.namespace).toBe('confidential-containers-system');
    expect(runtime!.runtimeClassName).toBe('kata-remote');
  });

  test('chart values: azure provider, reference secret, workload identity on the adaptor and peerpod-ctrl, pinned image, string config', () => {
    expect(String((peerpods.values as string[])[0])).toMatch(/^\$\{yamlencode\(/);
    const values = runtime!.chartValues as Record<string, Record<string, unknown>>;
    expect(values.provider).toBe('azure');
    expect(values.secrets).toEqual({ mode: 'reference', existingSecretName: 'peer-pods-secret' });
    expect(values.image).toEqual({ name: 'quay.io/confidential-containers/cloud-api-adaptor', tag: '61b1aba91df646a663e60ab6b55c6a7dc93cd167' });
    for (const part of ['daemonset', 'resourceCtrl']) {
      expect(values[part]).toMatchObject({
        podLabels: { 'azure.workload.identity/use': 'true' },
        serviceAccount: { annotations: { 'azure.workload.identity/client-id': expect.any(String) } },
      });
    }
    const azure = (values.providerConfigs as { azure: Record<string, unknown> }).azure;
    expect(Object.values(azure).every((v) => typeof v === 'string')).toBe(true);
    expect(azure).toMatchObject({ AZURE_INSTANCE_SIZES: 'Standard_DC2as_v5,Standard_DC2es_v6', PEERPODS_LIMIT_PER_NODE: '10', DISABLECVM: 'false' });
  });

  test.each([
    [{ adaptorImage: { name: 'quay.io/confidential-containers/cloud-api-adaptor', tag: 'latest' } }, /adaptorImage.tag: must pin a release/],
    [{ certManager: { version: '1.x' } }, /certManager.version: must pin an exact release/],
    [{ timeoutSeconds: 60 }, /timeoutSeconds: must leave kata-deploy at least 300 s/],
  ])('fails when %p', (override, message) => {
    const scope = emptyStack();
    const infra = baseInfra(scope);
    const pool = new ConfidentialVmPool(scope, 'pool', { location: 'westeurope', podVmResourceGroupName: 'podvms', ...infra });
    expect(() => new PeerPodsRuntime(scope, 'runtime', { pool, ...(override as object) })).toThrow(message);
  });

  test('fails when a provider config value would break the chart ConfigMap', () => {
    const scope = emptyStack();
    const infra = baseInfra(scope);
    // The pool takes a quote in a tag value (Azure does); the chart would write it unescaped into peer-pods-cm.
    const pool = new ConfidentialVmPool(scope, 'pool', {
      location: 'westeurope',
      podVmResourceGroupName: 'podvms',
      podVmTags: { team: 'a"b' },
      ...infra,
    });
    expect(() => new PeerPodsRuntime(scope, 'runtime', { pool })).toThrow(
      /PeerPodsRuntime test\/runtime: pool.providerConfig.TAGS: "team=a\\"b" contains a quote/,
    );
  });

  test('fromRuntimeAttributes describes a runtime managed elsewhere', () => {
    const rt = PeerPodsRuntime.fromRuntimeAttributes(emptyStack(), 'rt', {
      namespace: 'confidential-containers-system',
      instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5],
      defaultInstanceSize: ConfidentialVmSize.STANDARD_DC2AS_V5,
      evidenceTypes: ['az-snp-vtpm'],
    });
    expect(rt).toMatchObject({ runtimeClassName: 'kata-remote', installedBy: [], namespace: 'confidential-containers-system' });
    expect(rt.node.path).toBe('test/rt');
  });

  test.each<[object, RegExp]>([
    [{ namespace: 'Not A Name' }, /PeerPodsRuntime test\/rt: namespace: must be the runtime namespace/],
    [{ instanceSizes: [] }, /instanceSizes: must give the sizes the pool offers/],
    [{ defaultInstanceSize: ConfidentialVmSize.STANDARD_DC4AS_V5 }, /defaultInstanceSize: "Standard_DC4as_v5" is not one of instanceSizes/],
    [{ evidenceTypes: ['sgx'] }, /evidenceTypes\[0\]: /],
    [{ image: { imageId: 'x', measurements: [] } }, /image: must be a PodVmImage or PodVmImage.fromImageAttributes\(...\)/],
  ])('fromRuntimeAttributes fails on %p', (override, message) => {
    const attrs = {
      namespace: 'confidential-containers-system',
      instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5],
      defaultInstanceSize: ConfidentialVmSize.STANDARD_DC2AS_V5,
      evidenceTypes: ['az-snp-vtpm'],
      ...override,
    };
    expect(() => PeerPodsRuntime.fromRuntimeAttributes(emptyStack(), 'rt', attrs as PeerPodsRuntimeAttributes)).toThrow(message);
  });
});
