import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { Testing, TerraformStack } from 'cdktf';
import { ConfidentialAksCluster, PeerPodNetwork, SecurityBaseline, collectAnnotations, configureAksProviders, synthAndReport } from '../../src';
import { formatAnnotation } from '../../src/app/annotations';
import { emptyStack } from '../helpers/synth';

/** An app whose cluster exports no audit log (a warning) and, when asked, allows every local account (an error). */
function app(withError: boolean) {
  const a = Testing.app();
  const stack = new TerraformStack(a, 'infra');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  const network = new PeerPodNetwork(stack, 'Network', { resourceGroupName: 'rg', location: 'westeurope' });
  const cluster = new ConfidentialAksCluster(stack, 'Cluster', {
    resourceGroupName: 'rg',
    location: 'westeurope',
    name: 'coco',
    network,
    adminGroupObjectIds: ['g'],
    apiServerAuthorizedIpRanges: ['203.0.113.0/24'],
    disableAuditLogsInsecure: true,
  });
  if (withError) cluster.resource.addOverride('local_account_disabled', false);
  SecurityBaseline.applyTo(a);
  return a;
}

describe('synthAndReport', () => {
  test('GIVEN warnings WHEN the app synthesizes THEN each is printed on one line and returned', () => {
    const lines: string[] = [];
    const annotations = synthAndReport(app(false), { print: (l) => lines.push(l) });
    expect(annotations).toEqual([
      {
        level: 'warning',
        path: 'infra/Cluster',
        message: expect.stringMatching(/^disableAuditLogsInsecure: the AKS control plane exports no audit log/),
      },
      {
        level: 'warning',
        path: 'infra/Cluster/Resource',
        message: expect.stringMatching(
          /^CAI-AKS-9 AKS exports its control-plane audit log\. Fix: ConfidentialAksCluster: keep the default auditLogs/,
        ),
      },
    ]);
    expect(lines).toEqual(annotations.map(formatAnnotation));
    expect(lines[0]).toMatch(/^\[WARNING\] infra\/Cluster: disableAuditLogsInsecure/);
  });

  test('GIVEN an error WHEN synth fails THEN the warnings are printed once, the error only by the thrown exception', () => {
    const lines: string[] = [];
    expect(() => synthAndReport(app(true), { print: (l) => lines.push(l) })).toThrow(/CAI-AKS-1 AKS local accounts are disabled/);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => l.startsWith('[WARNING] '))).toBe(true);
  });

  test('prints to standard output by default (the cdktf CLI shows standard error as errors)', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = jest.spyOn(process.stderr, 'write');
    try {
      synthAndReport(app(false));
      expect(write.mock.calls.map(([text]) => String(text))).toEqual([
        expect.stringMatching(/^\[WARNING\] infra\/Cluster: /),
        expect.stringMatching(/^\[WARNING\] infra\/Cluster\/Resource: CAI-AKS-9/),
      ]);
      expect(errors).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
      errors.mockRestore();
    }
  });

  test('GIVEN the cdktf CLI runs the app WHEN it synthesizes THEN it prints nothing (the CLI prints them once) and returns all', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = 'true';
    try {
      const annotations = synthAndReport(app(false));
      expect(write).not.toHaveBeenCalled();
      expect(annotations.map((a) => a.level)).toEqual(['warning', 'warning']);
    } finally {
      delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
      write.mockRestore();
    }
  });

  test('collectAnnotations serves test assertions after Testing.synth', () => {
    const a = app(false);
    const stack = a.node.findChild('infra') as TerraformStack;
    Testing.synth(stack);
    expect(collectAnnotations(stack).map((x) => x.level)).toEqual(['warning', 'warning']);
  });
});

describe('configureAksProviders', () => {
  test('reads the cluster by name and signs both providers in through kubelogin with the mode asked', () => {
    const stack = new TerraformStack(Testing.app(), 'cluster');
    new AzurermProvider(stack, 'azurerm', { features: [{}] });
    configureAksProviders(stack, { name: 'coco', resourceGroupName: 'rg', login: 'workloadidentity' });
    const json = JSON.parse(Testing.synth(stack, true));
    expect(json.data.azurerm_kubernetes_cluster.Aks).toMatchObject({ name: 'coco', resource_group_name: 'rg' });
    const exec = {
      api_version: 'client.authentication.k8s.io/v1beta1',
      command: 'kubelogin',
      args: ['get-token', '--login', 'workloadidentity', '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630'],
    };
    expect(json.provider.kubernetes[0]).toMatchObject({ host: '${data.azurerm_kubernetes_cluster.Aks.kube_config[0].host}', exec: [exec] });
    expect(json.provider.helm[0].kubernetes).toMatchObject({ exec });
  });

  test.each([
    [{ name: 'a', resourceGroupName: 'rg' }, /configureAksProviders test: name: must be an AKS cluster name/],
    [{ name: 'coco', resourceGroupName: 'rg', login: 'devicecode' }, /login: must be one of "azurecli", "workloadidentity", .* \(got "devicecode"\)/],
  ])('fails on %p', (options, message) => {
    expect(() => configureAksProviders(emptyStack() as TerraformStack, options as never)).toThrow(message);
  });
});
