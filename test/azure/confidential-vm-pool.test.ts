import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { ConfidentialVmPool, ConfidentialVmPoolProps, ConfidentialVmSize, collectAnnotations } from '../../src';
import { emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';
import { BOTH_TEES, baseInfra } from './fixtures';

function pool(
  stack: TerraformStack | ReturnType<typeof emptyStack>,
  override: Partial<ConfidentialVmPoolProps> = {},
  measurements = BOTH_TEES,
): ConfidentialVmPool {
  const infra = baseInfra(stack, measurements);
  return new ConfidentialVmPool(stack, 'pool', { location: 'westeurope', podVmResourceGroupName: 'coco-podvms', ...infra, ...override });
}

/** The warnings a construct attached to itself. */
const warningsOf = (construct: ConfidentialVmPool): string[] =>
  collectAnnotations(construct)
    .filter((a) => a.level === 'warning' && a.path === construct.node.path)
    .map((a) => a.message);

describe('ConfidentialVmPool', () => {
  let created: ConfidentialVmPool | undefined;
  const json = synth((stack) => {
    created = pool(stack, {
      instanceSizes: [ConfidentialVmSize.of('Standard_DC4as_v5'), ConfidentialVmSize.STANDARD_DC2ES_V6],
      podVmTags: { owner: 'ml-platform', env: 'prod' },
    });
  });

  test('federates the identity with exactly the two peer-pods service accounts of the runtime namespace', () => {
    const credentials = Object.values(resourcesOf(json, 'azurerm_federated_identity_credential'));
    expect(credentials.map((c) => c.subject).sort()).toEqual([
      'system:serviceaccount:confidential-containers-system:cloud-api-adaptor',
      'system:serviceaccount:confidential-containers-system:peerpodctrl-controller-manager',
    ]);
    for (const c of credentials) {
      expect(c).toMatchObject({
        audience: ['api://AzureADTokenExchange'],
        issuer: expect.stringContaining('oidc_issuer_url'),
        parent_id: expect.stringContaining('user_assigned_identity'),
      });
    }
  });

  test('writes the second federated credential after the first (Azure refuses concurrent writes)', () => {
    const second = resourceOf(json, 'azurerm_federated_identity_credential', 'peerpodctrl');
    expect(second.depends_on).toEqual([expect.stringContaining('Federated-cloud-api-adaptor')]);
  });

  test('grants Virtual Machine Contributor on the pod-VM resource group only', () => {
    const vmc = resourceOf(json, 'azurerm_role_assignment', 'VmContributor');
    expect(vmc).toMatchObject({
      role_definition_name: 'Virtual Machine Contributor',
      scope: expect.stringContaining('azurerm_resource_group.pool_PodVmResourceGroup'),
    });
    expect(resourceOf(json, 'azurerm_resource_group', 'PodVmResourceGroup')).toMatchObject({ name: 'coco-podvms' });
  });

  test('grants join/read on the pod-VM subnet, its NSG and the image through one narrow custom role', () => {
    const role = resourceOf(json, 'azurerm_role_definition', 'AttachRole');
    expect(role.permissions).toEqual([
      {
        actions: [
          'Microsoft.Network/virtualNetworks/subnets/join/action',
          'Microsoft.Network/virtualNetworks/subnets/read',
          'Microsoft.Network/networkSecurityGroups/join/action',
          'Microsoft.Network/networkSecurityGroups/read',
          'Microsoft.Compute/galleries/read',
          'Microsoft.Compute/galleries/images/read',
          'Microsoft.Compute/galleries/images/versions/read',
        ],
      },
    ]);
    expect(resourceOf(json, 'azurerm_role_assignment', 'AttachPodVmSubnet').scope).toContain('PodVmSubnet');
    expect(resourceOf(json, 'azurerm_role_assignment', 'AttachPodVmNsg').scope).toContain('PodVmNsg');
    expect(resourceOf(json, 'azurerm_role_assignment', 'ReadPodVmImage').scope).toContain('azurerm_shared_image_version');
  });

  test('a custom role with only vmSizes/read is assigned at subscription scope', () => {
    expect(resourceOf(json, 'azurerm_role_definition', 'VmSizes').permissions).toEqual([{ actions: ['Microsoft.Compute/locations/vmSizes/read'] }]);
    expect(resourceOf(json, 'azurerm_role_assignment', 'VmSizesReader').scope).toMatch(
      /^\/subscriptions\/\$\{data\.azurerm_client_config\.pool_Client_[0-9A-F]+\.subscription_id\}$/,
    );
  });

  test('grants nothing at subscription scope but vmSizes/read, and never Owner or Contributor', () => {
    const assignments = Object.values(resourcesOf(json, 'azurerm_role_assignment'));
    expect(assignments.filter((a) => String(a.scope).match(/^\/subscriptions\/\$\{[^}]+\}$/))).toHaveLength(1);
    expect(
      assignments
        .map((a) => a.role_definition_name)
        .filter(Boolean)
        .sort(),
    ).toEqual(['Network Contributor', 'Virtual Machine Contributor']);
  });

  test('exposes the adaptor provider configuration as strings', () => {
    expect(created!.providerConfig).toMatchObject({
      AZURE_REGION: 'westeurope',
      AZURE_RESOURCE_GROUP: 'coco-podvms',
      AZURE_INSTANCE_SIZE: 'Standard_DC4as_v5',
      AZURE_INSTANCE_SIZES: 'Standard_DC4as_v5,Standard_DC2es_v6',
      DISABLECVM: 'false',
      ENABLE_SECURE_BOOT: 'false',
      USE_PUBLIC_IP: 'false',
      PEERPODS_LIMIT_PER_NODE: '10',
      TAGS: 'env=prod,owner=ml-platform',
    });
    for (const key of ['AZURE_SUBSCRIPTION_ID', 'AZURE_SUBNET_ID', 'AZURE_IMAGE_ID', 'AZURE_NSG_ID']) {
      expect(typeof created!.providerConfig[key]).toBe('string');
    }
    expect(created!.evidenceTypes).toEqual(['az-snp-vtpm', 'az-tdx-vtpm']);
    expect(created!.runtimeNamespace).toBe('confidential-containers-system');
  });

  test('fails when the default size is not among the allowed sizes', () => {
    expect(() => pool(emptyStack(), { defaultInstanceSize: ConfidentialVmSize.of('Standard_DC8as_v5') })).toThrow(
      /ConfidentialVmPool test\/pool: defaultInstanceSize: "Standard_DC8as_v5" is not among instanceSizes \[Standard_DC2as_v5\]/,
    );
  });

  test('fails when a TDX size is allowed but the image has no TDX measurements', () => {
    expect(() => pool(emptyStack(), { instanceSizes: [ConfidentialVmSize.STANDARD_DC2ES_V6] }, [BOTH_TEES[0]])).toThrow(
      /instanceSizes: "Standard_DC2es_v6" is a TDX size, but the image has no az-tdx-vtpm measurements/,
    );
  });

  test('fails when sizes are plain strings', () => {
    expect(() => pool(emptyStack(), { instanceSizes: ['Standard_DC2as_v5' as never] })).toThrow(/instanceSizes\[0\]: must be a ConfidentialVmSize/);
  });

  test('fails when confidential and non-confidential sizes are mixed', () => {
    expect(() =>
      pool(emptyStack(), { instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5, ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5')] }),
    ).toThrow(/mixes confidential and non-confidential sizes/);
  });

  test('a non-confidential development pool sets DISABLECVM and warns', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'dev');
    const dev = pool(stack, { instanceSizes: [ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5')] });
    expect(dev.providerConfig.DISABLECVM).toBe('true');
    expect(dev.node.metadata.map((m) => m.data)).toContainEqual(expect.stringContaining('DISABLECVM=true'));
  });

  test('GIVEN a non-confidential development pool in a region no confidential family is known in THEN only DISABLECVM is warned', () => {
    const stack = new TerraformStack(Testing.app(), 'dev');
    const dev = pool(stack, { location: 'brazilsouth', instanceSizes: [ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5')] });
    expect(warningsOf(dev)).toEqual([expect.stringContaining('DISABLECVM=true')]);
  });

  test('fails when a pod VM tag contains a separator', () => {
    expect(() => pool(emptyStack(), { podVmTags: { 'a=b': 'c' } })).toThrow(/podVmTags/);
  });
});

describe('ConfidentialVmPool sizes in regions not known to offer them', () => {
  const CONTEXT_KEY = 'confidential-ai:regionOffers';
  const DC4AS = ConfidentialVmSize.STANDARD_DC4AS_V5;
  const DC4ADS = ConfidentialVmSize.of('Standard_DC4ads_v5');
  const inApp = (context: Record<string, unknown>, override: Partial<ConfidentialVmPoolProps>) =>
    pool(new TerraformStack(Testing.app({ context }), 'test'), override);

  test('GIVEN the reference sizes in westeurope THEN nothing is warned', () => {
    const p = inApp({}, { instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5, ConfidentialVmSize.STANDARD_DC2ES_V6] });
    expect(warningsOf(p)).toEqual([]);
  });

  test.each(['brazilsouth', 'southafricawest'])(
    'GIVEN Standard_DC4as_v5 in %s THEN the pool warns, naming the field, size, family and fix',
    (loc) => {
      const p = inApp({}, { location: loc, instanceSizes: [DC4AS] });
      expect(collectAnnotations(p)).toEqual([
        {
          level: 'warning',
          path: 'test/pool',
          message: expect.stringMatching(
            new RegExp(
              `^instanceSizes\\[0\\]: Standard_DC4as_v5 \\(family DCasv5\\): location ${loc} is not in the library's table of regions ` +
                'known to offer DCasv5 \\(as of 2025-07-15: ',
            ),
          ),
        },
      ]);
      const [warning] = warningsOf(p);
      expect(warning).toContain(`\`az vm list-skus --location ${loc} --size Standard_DC4as_v5 --all --output table\``);
      expect(warning).toContain(`"${CONTEXT_KEY}"`);
      expect(warning).toContain(`e.g. { "DCasv5": ["${loc}"] }`);
    },
  );

  test('GIVEN several sizes THEN each not known in the region is warned once (the default size among them)', () => {
    const p = inApp({}, { location: 'brazilsouth', instanceSizes: [DC4AS, DC4ADS, DC4AS], defaultInstanceSize: DC4ADS });
    expect(warningsOf(p).map((w) => w.slice(0, w.indexOf(':', 'instanceSizes[0]: '.length)))).toEqual([
      'instanceSizes[0]: Standard_DC4as_v5 (family DCasv5)',
      'instanceSizes[1]: Standard_DC4ads_v5 (family DCadsv5)',
    ]);
  });

  test('GIVEN a location known only at apply (a Terraform variable) THEN nothing is warned', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const location = new TerraformVariable(stack, 'location', { type: 'string' }).stringValue;
    expect(warningsOf(pool(stack, { location, instanceSizes: [DC4AS] }))).toEqual([]);
  });

  test('GIVEN the context confirms DCasv5 in brazilsouth THEN exactly that family in that region is silenced', () => {
    const context = { [CONTEXT_KEY]: { DCasv5: ['brazilsouth'] } };
    expect(warningsOf(inApp(context, { location: 'brazilsouth', instanceSizes: [DC4AS, DC4ADS] }))).toEqual([
      expect.stringMatching(/^instanceSizes\[1\]: Standard_DC4ads_v5 \(family DCadsv5\): location brazilsouth /),
    ]);
    expect(warningsOf(inApp(context, { location: 'southafricawest', instanceSizes: [DC4AS] }))).toEqual([
      expect.stringMatching(/^instanceSizes\[0\]: Standard_DC4as_v5 \(family DCasv5\): location southafricawest /),
    ]);
  });

  test('GIVEN the context set with app.node.setContext THEN it is read as well', () => {
    const app = Testing.app();
    app.node.setContext(CONTEXT_KEY, { DCasv5: ['brazilsouth'] });
    expect(warningsOf(pool(new TerraformStack(app, 'test'), { location: 'brazilsouth', instanceSizes: [DC4AS] }))).toEqual([]);
  });

  test.each([
    ['a string', 'brazilsouth', 'context["confidential-ai:regionOffers"]: must be an object of confidential VM families', '(got "brazilsouth")'],
    [
      'a family with a string',
      { DCasv5: 'brazilsouth' },
      'context["confidential-ai:regionOffers"].DCasv5: must be a list of region names',
      '(got "brazilsouth")',
    ],
    [
      'an unknown family',
      { DCasv7: ['brazilsouth'] },
      'context["confidential-ai:regionOffers"]: "DCasv7" is not a confidential VM family',
      'use one of',
    ],
  ])('GIVEN %s as the context value THEN the pool fails naming its path, the key, the value and the fix', (_, value, what, got) => {
    const build = () => inApp({ [CONTEXT_KEY]: value }, { instanceSizes: [DC4AS] });
    expect(build).toThrow(`ConfidentialVmPool test/pool: ${what}`);
    expect(build).toThrow(got);
    expect(build).toThrow(/fix it in cdktf\.json "context" or app\.node\.setContext$/);
  });
});
