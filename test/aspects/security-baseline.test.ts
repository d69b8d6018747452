import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { LinuxVirtualMachine, LinuxVirtualMachineConfig } from '@cdktf/provider-azurerm/lib/linux-virtual-machine';
import { LinuxVirtualMachineScaleSet } from '@cdktf/provider-azurerm/lib/linux-virtual-machine-scale-set';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { RoleDefinition } from '@cdktf/provider-azurerm/lib/role-definition';
import { VirtualMachineExtension } from '@cdktf/provider-azurerm/lib/virtual-machine-extension';
import { VirtualMachineRunCommand } from '@cdktf/provider-azurerm/lib/virtual-machine-run-command';
import { VirtualMachineScaleSetExtensionA as VirtualMachineScaleSetExtension } from '@cdktf/provider-azurerm/lib/virtual-machine-scale-set-extension';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { buildReferenceApp } from '../../examples/reference/app';
import {
  AgentPolicy,
  BASELINE_RULES,
  ConfidentialAksCluster,
  ConfidentialAksClusterProps,
  PeerPodNetwork,
  ConfidentialVmPool,
  ConfidentialVmSize,
  ConfidentialWorkload,
  KbsKeyVaultAccess,
  KeyManager,
  SecurityBaseline,
  Trustee,
  TrusteeProps,
  TrusteeVm,
} from '../../src';
import { BASELINE_RULE_LIST } from '../../src/aspects/baseline-rules';
import { baseInfra } from '../azure/fixtures';
import { pinned } from '../attestation/fixtures/values';
import { KBS_IMAGE, PUBLIC_MATERIAL, clusterParts, tlsOf, trusteeProps } from '../kubernetes/fixtures';
import { vmProps } from '../kbs/fixtures';
import { findings } from '../helpers/baseline';

function stack(): TerraformStack {
  return new TerraformStack(Testing.app(), 's');
}

describe('the examples pass the security baseline', () => {
  test('reference app: no errors, no warnings, one documented suppression', () => {
    const app = Testing.app();
    buildReferenceApp(app);
    const f = findings(app);
    expect(f.errors).toEqual([]);
    expect(f.warnings).toEqual([]);
    expect(f.infos).toEqual([expect.stringMatching(/^CAI-AKS-6 suppressed: reference deployment: set apiServerAuthorizedIpRanges/)]);
  });

  test('byo-cluster example: no errors', () => {
    const app = Testing.app();
    new ByoClusterStack(app, 'byo');
    expect(findings(app).errors).toEqual([]);
  });

  test(
    "GIVEN ConfidentialAksCluster's defaults WHEN the baseline runs THEN " + 'the one finding names the prop that fixes it, and setting it passes',
    () => {
      const build = (extra: Partial<ConfidentialAksClusterProps>) => {
        const s = stack();
        const network = new PeerPodNetwork(s, 'network', { resourceGroupName: 'rg', location: 'westeurope' });
        new ConfidentialAksCluster(s, 'cluster', {
          resourceGroupName: 'rg',
          location: 'westeurope',
          name: 'coco',
          network,
          adminGroupObjectIds: ['g'],
          ...extra,
        });
        const baseline = new SecurityBaseline();
        for (const c of s.node.findAll()) baseline.visit(c);
        return s.node
          .findAll()
          .flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/error' || m.type === '@cdktf/warn').map((m) => String(m.data)));
      };
      expect(build({})).toEqual([
        expect.stringMatching(/^CAI-AKS-6 .* Fix: ConfidentialAksCluster: set apiServerAuthorizedIpRanges .* or privateCluster: true/),
      ]);
      expect(build({ apiServerAuthorizedIpRanges: ['203.0.113.0/24'] })).toEqual([]);
      expect(build({ privateCluster: true })).toEqual([]);
    },
  );

  test('a violation fails synth with the rule id, the construct path and the fix', () => {
    const app = Testing.app();
    const s = new TerraformStack(app, 's');
    new AzurermProvider(s, 'azurerm', { features: [{}] });
    const { cluster } = baseInfra(s);
    cluster.resource.addOverride('local_account_disabled', false);
    SecurityBaseline.applyTo(app);
    expect(() => app.synth()).toThrow(
      'CAI-AKS-1 AKS local accounts are disabled. Fix: ConfidentialAksCluster sets it; ' +
        'on your own azurerm_kubernetes_cluster, set local_account_disabled = true',
    );
  });
});

describe('each rule fails a violating stack', () => {
  test.each([
    ['CAI-AKS-1', 'local_account_disabled', false],
    ['CAI-AKS-2', 'azure_active_directory_role_based_access_control.azure_rbac_enabled', false],
    ['CAI-AKS-3', 'network_profile.network_policy', null],
    ['CAI-AKS-4', 'workload_identity_enabled', false],
    ['CAI-AKS-5', 'default_node_pool.node_public_ip_enabled', true],
    ['CAI-AKS-6', 'api_server_access_profile', null],
    ['CAI-AKS-7', 'automatic_upgrade_channel', 'none'],
  ])('%s (AKS %s = %p)', (ruleId, path, value) => {
    const s = stack();
    const { cluster } = baseInfra(s);
    cluster.resource.addOverride(path, value);
    expect(findings(s).errors).toContain(`${ruleId} s/cluster/Resource`);
  });

  test('CAI-AKS-8 is a warning only', () => {
    const s = stack();
    const { cluster } = baseInfra(s);
    cluster.resource.addOverride('azure_policy_enabled', false);
    expect(findings(s).warnings).toContain('CAI-AKS-8 s/cluster/Resource');
  });

  test('CAI-AKS-9 is a warning when no diagnostic setting exports the audit log of the cluster', () => {
    const aks = (extra: Partial<ConfidentialAksClusterProps>) => {
      const s = stack();
      const network = new PeerPodNetwork(s, 'network', { resourceGroupName: 'rg', location: 'westeurope' });
      const cluster = new ConfidentialAksCluster(s, 'cluster', {
        resourceGroupName: 'rg',
        location: 'westeurope',
        name: 'coco',
        network,
        adminGroupObjectIds: ['g'],
        ...extra,
      });
      return { s, cluster, network };
    };
    expect(findings(aks({}).s).warnings).not.toContain('CAI-AKS-9 s/cluster/Resource');
    expect(
      findings(
        aks({
          auditLogs: { logAnalyticsWorkspaceId: '/subscriptions/x/resourceGroups/sec/providers/Microsoft.OperationalInsights/workspaces/audit' },
        }).s,
      ).warnings,
    ).not.toContain('CAI-AKS-9 s/cluster/Resource');

    const disabled = aks({ disableAuditLogsInsecure: true });
    expect(disabled.cluster.auditDiagnosticSetting).toBeUndefined();
    expect(findings(disabled.s).warnings).toContain('CAI-AKS-9 s/cluster/Resource');

    expect(findings(aks({ auditLogs: { categories: ['kube-apiserver'] } }).s).warnings).toContain('CAI-AKS-9 s/cluster/Resource');

    // A setting of another resource does not count.
    const elsewhere = aks({ disableAuditLogsInsecure: true });
    new MonitorDiagnosticSetting(elsewhere.s, 'other', {
      name: 'x',
      targetResourceId: elsewhere.network.nodeSubnetId,
      logAnalyticsWorkspaceId: 'w',
      enabledLog: [{ category: 'kube-audit' }],
    });
    expect(findings(elsewhere.s).warnings).toContain('CAI-AKS-9 s/cluster/Resource');
  });

  test.each([
    ['CAI-CVM-1', { size: 'Standard_D4s_v5' }],
    ['CAI-CVM-2', { vtpmEnabled: false }],
    ['CAI-CVM-3', { osDisk: { caching: 'ReadWrite', storageAccountType: 'Premium_LRS' } }],
    ['CAI-CVM-4', { secureBootEnabled: false }],
    ['CAI-CVM-6', { allowExtensionOperations: true }],
    ['CAI-CVM-6', { allowExtensionOperations: undefined }],
    ['CAI-CVM-6', { bootDiagnostics: {} }],
    ['CAI-CVM-6', { provisionVmAgent: true }],
  ])('%s (confidential VM with %p)', (ruleId, override) => {
    const s = stack();
    confidentialVm(s, override);
    expect(findings(s).errors).toEqual([`${ruleId} s/vm`]);
  });

  test('CAI-CVM-6 names every channel into the VM it finds', () => {
    const s = stack();
    confidentialVm(s, { allowExtensionOperations: true, bootDiagnostics: { storageAccountUri: 'https://diag.blob.core.windows.net/' } });
    expect(findings(s).errors).toEqual(['CAI-CVM-6 s/vm']);
    const message = s.node.findChild('vm').node.metadata.find((m) => m.type === '@cdktf/error')!.data;
    expect(message).toMatch(
      /^CAI-CVM-6 .* \(extension operations are allowed; boot diagnostics are on \(serial console\)\)\. Fix: TrusteeVm sets it;/,
    );
  });

  test('CAI-CVM-6 (a scale set that allows extension operations, provisions the VM agent or carries extensions)', () => {
    const scaleSet = (s: TerraformStack, id: string, extra: Record<string, unknown>) =>
      new LinuxVirtualMachineScaleSet(s, id, {
        name: id,
        resourceGroupName: 'rg',
        location: 'westeurope',
        sku: 'Standard_DC2as_v5',
        adminUsername: 'azureuser',
        vtpmEnabled: true,
        secureBootEnabled: true,
        networkInterface: [{ name: 'nic', ipConfiguration: [{ name: 'ip' }] }],
        osDisk: { caching: 'ReadWrite', storageAccountType: 'Premium_LRS', securityEncryptionType: 'DiskWithVMGuestState' },
        ...extra,
      });
    const s = stack();
    scaleSet(s, 'closed', { extensionOperationsEnabled: false, provisionVmAgent: false });
    scaleSet(s, 'agent', { extensionOperationsEnabled: false });
    scaleSet(s, 'open', {});
    scaleSet(s, 'extended', {
      extensionOperationsEnabled: false,
      extension: [{ name: 'x', publisher: 'Microsoft.CPlat.Core', type: 'RunCommandLinux', typeHandlerVersion: '1.0' }],
    });
    expect(findings(s).errors.sort()).toEqual(['CAI-CVM-6 s/agent', 'CAI-CVM-6 s/extended', 'CAI-CVM-6 s/open']);
  });

  test('CAI-CVM-6 (any VM extension or run command resource in the stack)', () => {
    const s = stack();
    const vm = confidentialVm(s, {});
    new VirtualMachineExtension(s, 'ext', {
      name: 'shell',
      virtualMachineId: vm.id,
      publisher: 'Microsoft.Azure.Extensions',
      type: 'CustomScript',
      typeHandlerVersion: '2.1',
    });
    new VirtualMachineRunCommand(s, 'run', { name: 'run', location: 'westeurope', virtualMachineId: vm.id, source: { script: 'id' } });
    new VirtualMachineScaleSetExtension(s, 'ssext', {
      name: 'shell',
      virtualMachineScaleSetId: 'vmss',
      publisher: 'Microsoft.Azure.Extensions',
      type: 'CustomScript',
      typeHandlerVersion: '2.1',
    });
    expect(findings(s).errors.sort()).toEqual(['CAI-CVM-6 s/ext', 'CAI-CVM-6 s/run', 'CAI-CVM-6 s/ssext']);
  });

  test('CAI-CVM-5 (pod VMs without a TEE)', () => {
    const s = stack();
    new ConfidentialVmPool(s, 'pool', {
      location: 'westeurope',
      podVmResourceGroupName: 'pv',
      ...baseInfraRefs(s),
      instanceSizes: [ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5')],
    });
    expect(findings(s).errors).toContain('CAI-CVM-5 s/pool');
  });

  test('CAI-IAM-1, CAI-IAM-2, CAI-IAM-3 (roles)', () => {
    const s = stack();
    new RoleAssignment(s, 'owner', { scope: '/subscriptions/x/resourceGroups/rg', roleDefinitionName: 'Owner', principalId: 'p' });
    new RoleAssignment(s, 'reader', { scope: '/subscriptions/x', roleDefinitionName: 'Reader', principalId: 'p' });
    new RoleDefinition(s, 'wild', { name: 'w', scope: '/subscriptions/x', permissions: [{ actions: ['Microsoft.Compute/*'] }] });
    expect(findings(s).errors.sort()).toEqual(['CAI-IAM-1 s/owner', 'CAI-IAM-2 s/reader', 'CAI-IAM-3 s/wild']);
  });

  test.each([
    ['the name in another case', { roleDefinitionName: 'owner' }],
    ['the name with spaces around it', { roleDefinitionName: ' User Access Administrator ' }],
    ['the built-in id', { roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635' }],
    [
      'the subscription-scoped id in upper case',
      { roleDefinitionId: '/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/B24988AC-6180-42A0-AB88-20F7382DD24C' },
    ],
    [
      'the id of Role Based Access Control Administrator',
      { roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168' },
    ],
  ])('CAI-IAM-1 catches a privileged role given by %s', (_how, role) => {
    const s = stack();
    new RoleAssignment(s, 'a', { scope: '/subscriptions/x/resourceGroups/rg', principalId: 'p', ...role });
    expect(findings(s).errors).toEqual(['CAI-IAM-1 s/a']);
  });

  test('CAI-IAM-2 catches a built-in role by id at subscription scope, not a custom role', () => {
    const s = stack();
    new RoleAssignment(s, 'builtin', {
      scope: '/subscriptions/x',
      principalId: 'p',
      roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7',
    });
    new RoleAssignment(s, 'custom', {
      scope: '/subscriptions/x',
      principalId: 'p',
      roleDefinitionId: '${azurerm_role_definition.narrow.role_definition_resource_id}',
    });
    expect(findings(s).errors).toEqual(['CAI-IAM-2 s/builtin']);
  });

  test('CAI-KBS-1, CAI-KBS-2, CAI-KBS-3, CAI-KBS-5 (an insecure KBS allowed for development)', () => {
    const s = stack();
    const parts = clusterPartsWith(s, {
      acceptKbsConfigFindingsInsecure: true,
      configure: (c) => ({
        ...c,
        http_server: { sockets: ['0.0.0.0:8080'], insecure_http: true },
        admin: { authorization_mode: 'InsecureAllowAll' },
        attestation_token: { insecure_header_jwk: true },
        storage_backend: { storage_type: 'Memory' },
      }),
    });
    expect(
      findings(s)
        .errors.filter((e) => e.startsWith('CAI-KBS') && !e.startsWith('CAI-KBS-7'))
        .sort(),
    ).toEqual([`CAI-KBS-1 ${parts.path}`, `CAI-KBS-2 ${parts.path}`, `CAI-KBS-3 ${parts.path}`, `CAI-KBS-5 ${parts.path}`]);
  });

  test('CAI-KBS-7 (a KBS in the cluster it serves), suppressible for development with a reason', () => {
    const s = stack();
    const { trustee } = clusterParts(s);
    expect(findings(s).errors).toContain('CAI-KBS-7 s/trustee');
    const dev = stack();
    const devParts = clusterParts(dev);
    SecurityBaseline.suppress(devParts.trustee, 'CAI-KBS-7', 'development cluster: no model owner keys are ever pushed to it');
    expect(findings(dev).errors).not.toContain('CAI-KBS-7 s/trustee');
    expect(findings(dev).infos).toContain('CAI-KBS-7 suppressed: development cluster: no model owner keys are ever pushed to it');
    expect(trustee).toBeDefined();
  });

  test('CAI-KBS-8 (a cluster service account federated to read the Key Vault), suppressible for development with a reason', () => {
    const build = (reason?: string) => {
      const s = stack();
      const { cluster } = baseInfra(s);
      const access = new KbsKeyVaultAccess(s, 'kv', {
        cluster,
        keyVaultId: '/subscriptions/s/resourceGroups/owner/providers/Microsoft.KeyVault/vaults/owner-kv',
        keyVaultName: 'owner-kv',
        location: 'westeurope',
        resourceGroupName: 'rg',
      });
      if (reason) SecurityBaseline.suppress(access, 'CAI-KBS-8', reason);
      return findings(s);
    };
    expect(build().errors.filter((e) => e.startsWith('CAI-KBS'))).toEqual(['CAI-KBS-8 s/kv']);
    const dev = build('development cluster: the vault holds test keys only');
    expect(dev.errors.filter((e) => e.startsWith('CAI-KBS'))).toEqual([]);
    expect(dev.infos).toContain('CAI-KBS-8 suppressed: development cluster: the vault holds test keys only');
  });

  test('the Trustee VM is held to the KBS rules too, and passes them', () => {
    const s = stack();
    const { network, image } = baseInfra(s);
    const vm = new TrusteeVm(s, 'vm', {
      resourceGroupName: 'owner',
      location: 'westeurope',
      subnetId: 'subnet',
      subnetCidr: '10.250.0.0/26',
      staticIp: '10.250.0.10',
      podVmNetwork: network,
      keyVaultName: 'owner-kv',
      tenantId: 't',
      keyVaultAllowedIpRanges: [],
      image: KBS_IMAGE,
      osImageVersion: '24.04.202510010',
      adminSshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLE',
      httpsCaCertPem: PUBLIC_MATERIAL.kbsCa,
      tokenSignerCaCertPem: PUBLIC_MATERIAL.signerCa,
      referenceValuesExpire: '2027-12-31T00:00:00Z',
      snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
    });
    vm.trustImage(image);
    expect(vm.kbsConfig.admin).toEqual({ authorization_mode: 'DenyAll' });
    expect(findings(s).errors.filter((e) => e.includes('s/vm'))).toEqual([]);
  });

  describe('CAI-KBS-9 (the KBS VM shares a subscription with the cluster)', () => {
    const SUB = '11111111-1111-1111-1111-111111111111';
    const OTHER = '22222222-2222-2222-2222-222222222222';
    type Subscription = string | 'variable' | undefined;
    const provider = (s: TerraformStack, subscription: Subscription) =>
      new AzurermProvider(s, 'azurerm', {
        features: [{}],
        subscriptionId: subscription === 'variable' ? new TerraformVariable(s, 'subscription', { type: 'string' }).stringValue : subscription,
      });
    /** A cluster stack and the owner's stack with a TrusteeVm, each provider given its subscription. */
    /** A cluster stack and a model owner's stack with the KBS VM, each with its provider's subscription. */
    const appWithKbs = (cluster: Subscription, owner: Subscription) => {
      const app = Testing.app();
      const clusterStack = new TerraformStack(app, 'cluster');
      provider(clusterStack, cluster);
      const { network } = baseInfra(clusterStack);
      const ownerStack = new TerraformStack(app, 'owner');
      provider(ownerStack, owner);
      return { app, kbs: new TrusteeVm(ownerStack, 'Kbs', vmProps(network)) };
    };
    const twoStacks = (cluster: Subscription, owner: Subscription) =>
      findings(appWithKbs(cluster, owner).app).warnings.filter((w) => w.startsWith('CAI-KBS-9'));

    test('GIVEN the same literal subscription in both stacks WHEN the baseline runs THEN it warns on the KBS VM with the fix', () => {
      expect(twoStacks(SUB, SUB)).toEqual(['CAI-KBS-9 owner/Kbs']);
      // Subscription ids are GUIDs, compared as Azure does.
      expect(twoStacks(SUB, ` ${SUB.toUpperCase()}`)).toEqual(['CAI-KBS-9 owner/Kbs']);
      const { kbs } = appWithKbs(SUB, SUB);
      new SecurityBaseline().visit(kbs);
      expect(kbs.node.metadata.map((m) => [m.type, String(m.data)])).toContainEqual([
        '@cdktf/warn',
        expect.stringMatching(
          new RegExp(
            `^CAI-KBS-9 .*\\(stack cluster \\(AKS cluster cluster/cluster\\) deploys to the same subscription ${SUB}\\)\\. ` +
              "Fix: configure the azurerm provider of the TrusteeVm's stack with the model owner's own subscription",
          ),
        ),
      ]);
    });

    test('an escape-hatch override of the subscription counts as what it synthesizes', () => {
      const app = Testing.app();
      const clusterStack = new TerraformStack(app, 'cluster');
      provider(clusterStack, SUB);
      const { network } = baseInfra(clusterStack);
      const ownerStack = new TerraformStack(app, 'owner');
      provider(ownerStack, OTHER).addOverride('subscription_id', SUB);
      new TrusteeVm(ownerStack, 'Kbs', vmProps(network));
      expect(findings(app).warnings).toContain('CAI-KBS-9 owner/Kbs');
    });

    test('different literal subscriptions do not warn', () => {
      expect(twoStacks(SUB, OTHER)).toEqual([]);
    });

    test('subscriptions that are Terraform variables, or left to the environment, cannot be compared and do not warn', () => {
      expect(twoStacks('variable', 'variable')).toEqual([]);
      expect(twoStacks(SUB, 'variable')).toEqual([]);
      expect(twoStacks(undefined, undefined)).toEqual([]);
    });

    test('a KBS VM in the stack of the cluster side warns whatever the subscription', () => {
      const s = stack();
      provider(s, 'variable');
      const { network } = baseInfra(s);
      new TrusteeVm(s, 'Kbs', vmProps(network));
      expect(findings(s).warnings).toContain('CAI-KBS-9 s/Kbs');
      const kbs = s.node.findChild('Kbs');
      expect(kbs.node.metadata.map((m) => String(m.data))).toContainEqual(expect.stringMatching(/the AKS cluster s\/cluster is in the same stack s/));
    });

    test('a suppression with a reason turns the warning into a note', () => {
      const { app, kbs } = appWithKbs(SUB, SUB);
      SecurityBaseline.suppress(kbs, 'CAI-KBS-9', 'test tenant: one subscription, no model owner keys');
      const f = findings(app);
      expect(f.warnings.filter((w) => w.startsWith('CAI-KBS-9'))).toEqual([]);
      expect(f.infos).toContain('CAI-KBS-9 suppressed: test tenant: one subscription, no model owner keys');
    });
  });

  test('CAI-KBS-4 (a public KBS Service)', () => {
    const s = stack();
    const { trustee } = clusterParts(s);
    trustee.service.addOverride('spec.type', 'NodePort');
    expect(findings(s).errors).toContain('CAI-KBS-4 s/trustee/Service');
  });

  test('CAI-KBS-6 (a resource policy that releases to any TEE)', () => {
    const s = stack();
    const { trustee } = clusterParts(s);
    trustee.state.resourcePolicy = () => 'package policy\n\ndefault allow = false\n\nallow if {\n\tinput.submods.cpu0\n}\n';
    expect(findings(s).errors).toContain('CAI-KBS-6 s/trustee');
  });

  test.each([
    ['CAI-WL-1', 'spec.template.spec.runtime_class_name', 'runc'],
    ['CAI-WL-4', 'spec.template.spec.container.0.security_context.privileged', true],
    ['CAI-WL-5', 'spec.template.spec.volume', [{ name: 'host', host_path: { path: '/' } }]],
    ['CAI-WL-6', 'spec.template.spec.container.0.env', [{ name: 'KEY', value_from: { secret_key_ref: { name: 's', key: 'k' } } }]],
  ])('%s (workload override %s)', (ruleId, path, value) => {
    const s = stack();
    const parts = clusterParts(s);
    const km = new KeyManager(s, 'km', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('km'),
      command: ['/app/server'],
      runAsUser: 1000,
      ...tlsOf('key-manager'),
    });
    km.workload.resource.addOverride(path, value);
    expect(findings(s).errors).toContain(`${ruleId} s/km/Workload`);
  });

  test('CAI-WL-2 and CAI-WL-3 (an allow-all agent policy)', () => {
    const s = stack();
    const parts = clusterParts(s);
    new ConfidentialWorkload(s, 'w', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'w',
      containers: [{ name: 'w', image: pinned('w'), command: ['/app/server'], runAsUser: 1000 }],
      agentPolicy: AgentPolicy.allowAllInsecure(),
    });
    expect(findings(s).errors.filter((e) => e.startsWith('CAI-WL'))).toEqual(['CAI-WL-2 s/w', 'CAI-WL-3 s/w']);
  });

  test('every documented rule is exercised above', () => {
    expect(BASELINE_RULE_LIST.map((r) => r.id)).toEqual(expect.arrayContaining(Object.values(BASELINE_RULES).map((r) => r.id)));
    expect(BASELINE_RULE_LIST).toHaveLength(33);
  });
});

describe('suppressions', () => {
  test('need a known rule and a reason', () => {
    const s = stack();
    expect(() => SecurityBaseline.suppress(s, 'CAI-NOPE', 'because reasons')).toThrow(/unknown baseline rule "CAI-NOPE"/);
    expect(() => SecurityBaseline.suppress(s, 'CAI-AKS-6', 'ok')).toThrow(/needs a reason/);
  });
});

/** A confidential VM that passes every CVM rule, with `override` applied. */
function confidentialVm(s: TerraformStack, override: Partial<LinuxVirtualMachineConfig>): LinuxVirtualMachine {
  return new LinuxVirtualMachine(s, 'vm', {
    name: 'vm',
    resourceGroupName: 'rg',
    location: 'westeurope',
    size: 'Standard_DC2as_v5',
    adminUsername: 'azureuser',
    networkInterfaceIds: ['nic'],
    vtpmEnabled: true,
    secureBootEnabled: true,
    osDisk: { caching: 'ReadWrite', storageAccountType: 'Premium_LRS', securityEncryptionType: 'DiskWithVMGuestState' },
    allowExtensionOperations: false,
    provisionVmAgent: false,
    ...override,
  });
}

function baseInfraRefs(s: TerraformStack) {
  const { network, cluster, image } = baseInfra(s);
  return { network, cluster, image };
}

function clusterPartsWith(s: TerraformStack, extra: Partial<TrusteeProps>): { path: string } {
  const parts = clusterParts(s);
  const t = new Trustee(s, 't2', { ...trusteeProps(parts.network), staticIp: '10.224.0.251', ...extra });
  return { path: t.node.path };
}
