import fc from 'fast-check';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { gunzipSync } from 'node:zlib';
import {
  ConfidentialAksCluster,
  ConfidentialInference,
  ConfidentialVmPool,
  ConfidentialVmSize,
  ConfidentialWorkload,
  ExternalKbs,
  Initdata,
  KbsKeyVaultAccess,
  KeyManager,
  ModelSource,
  PeerPodNetwork,
  PeerPodsRuntime,
  PodVmImage,
  Trustee,
  TrusteeVm,
  WorkloadNamespace,
  parseKbsConfig,
} from '../../src';
import { vmProps } from '../kbs/fixtures';
import { BOTH_TEES, baseInfra } from '../azure/fixtures';
import { pinned } from '../attestation/fixtures/values';
import { PUBLIC_MATERIAL, clusterParts, tlsOf, trusteeProps } from '../kubernetes/fixtures';
import { adminJwt, bodyLines, privateKeyVariants } from '../helpers/private-keys';

// Secrets a careless caller could paste anywhere: no error may quote them.
const KEY = privateKeyVariants().find((k) => k.name === 'EC P-256 SEC1')!.text;
const JWT = adminJwt();
const SECRET_PARTS = [...bodyLines(KEY), ...JWT.split('.'), 'BEGIN PRIVATE KEY', 'BEGIN EC PRIVATE KEY'];

// Values a careless or hostile caller could pass for any prop.
const chaos = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '"',
    "'",
    '\n',
    '-',
    'latest',
    '${TfToken[TOKEN.7]}',
    '0.0.0.0/0',
    '10.224.0.1',
    '999.1.1.1/8',
    'Standard_D2s_v5',
    'kbs:///a/b',
    'ABCDEF',
    '-----BEGIN PRIVATE KEY-----',
    KEY,
    JWT,
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.integer({ min: -5, max: 70000 }),
  fc.constantFrom(Number.NaN, -8e298, 0, 1.5),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.constant({}),
);

type Build = (scope: Construct, props: Record<string, unknown>) => Construct;

interface Case {
  readonly name: string;
  /** The construct type its errors name. @default name */
  readonly type?: string;
  readonly base: (scope: Construct) => Record<string, unknown>;
  readonly build: Build;
  /** Checks a successful synth for format-valid output. */
  readonly verify?: (built: Construct) => void;
}

const CASES: Case[] = [
  {
    name: 'PeerPodNetwork.fromExisting',
    type: 'PeerPodNetwork',
    base: () => ({
      vnetId: 'v',
      nodeSubnetId: 'n',
      podVmSubnetId: 'p',
      podVmNsgId: 'g',
      nodeSubnetCidr: '10.1.0.0/24',
      addressSpace: '10.1.0.0/16',
      podVmSubnetCidr: '10.1.1.0/24',
    }),
    build: (s, p) => PeerPodNetwork.fromPeerPodNetworkAttributes(s, 'x', p as never),
  },
  {
    name: 'ConfidentialAksCluster.fromExisting',
    type: 'ConfidentialAksCluster',
    base: () => ({ clusterId: 'id', clusterName: 'c', clusterResourceGroupName: 'rg', clusterOidcIssuerUrl: 'https://oidc.example/' }),
    build: (s, p) => ConfidentialAksCluster.fromClusterAttributes(s, 'x', p as never),
  },
  {
    name: 'PodVmImage.fromImageId',
    type: 'PodVmImage',
    base: () => ({ imageId: '/CommunityGalleries/g/Images/i/Versions/1.0.0', measurements: BOTH_TEES }),
    build: (s, p) => PodVmImage.fromImageAttributes(s, 'x', p as never),
  },
  {
    name: 'PeerPodsRuntime.alreadyInstalled',
    type: 'PeerPodsRuntime',
    base: () => ({
      runtimeClassName: 'kata-remote',
      namespace: 'confidential-containers-system',
      instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5],
      defaultInstanceSize: ConfidentialVmSize.STANDARD_DC2AS_V5,
      evidenceTypes: ['az-snp-vtpm'],
    }),
    build: (s, p) => PeerPodsRuntime.fromRuntimeAttributes(s, 'x', p as never),
  },
  {
    name: 'PeerPodNetwork',
    base: () => ({
      resourceGroupName: 'rg',
      location: 'westeurope',
      namePrefix: 'pp',
      addressSpace: '10.224.0.0/12',
      nodeSubnetCidr: '10.224.0.0/16',
      podVmSubnetCidr: '10.225.0.0/16',
      natIdleTimeoutMinutes: 4,
      tags: {},
    }),
    build: (s, p) => new PeerPodNetwork(s, 'x', p as never),
  },
  {
    name: 'ConfidentialAksCluster',
    base: (s) => ({
      resourceGroupName: 'rg',
      location: 'westeurope',
      name: 'coco',
      network: new PeerPodNetwork(s, 'n', { resourceGroupName: 'rg', location: 'westeurope' }),
      adminGroupObjectIds: ['g'],
      nodeCount: 2,
      apiServerAuthorizedIpRanges: [],
      privateCluster: false,
      auditLogs: { retentionInDays: 90 },
      serviceCidr: '10.0.0.0/16',
    }),
    build: (s, p) => new ConfidentialAksCluster(s, 'x', p as never),
  },
  {
    name: 'PodVmImage',
    base: () => ({
      resourceGroupName: 'rg',
      location: 'westeurope',
      galleryName: 'g1',
      version: '1.0.0',
      vhdBlobUri: 'https://a.blob.core.windows.net/v/p.vhd',
      storageAccountId: 'sa',
      measurements: BOTH_TEES,
    }),
    build: (s, p) => new PodVmImage(s, 'x', p as never),
  },
  {
    name: 'ConfidentialVmPool',
    base: (s) => ({
      location: 'westeurope',
      podVmResourceGroupName: 'pv',
      ...baseInfra(s),
      instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5],
      limitPerNode: 10,
      podVmTags: { a: 'b' },
      runtimeNamespace: 'confidential-containers-system',
    }),
    build: (s, p) => new ConfidentialVmPool(s, 'x', p as never),
  },
  {
    name: 'KbsKeyVaultAccess',
    base: (s) => ({
      cluster: baseInfra(s).cluster,
      keyVaultId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv1',
      keyVaultName: 'kv1',
      location: 'westeurope',
      resourceGroupName: 'rg',
      namespace: 'trustee',
    }),
    build: (s, p) => new KbsKeyVaultAccess(s, 'x', p as never),
  },
  {
    name: 'PeerPodsRuntime',
    base: (s) => ({
      pool: new ConfidentialVmPool(s, 'pool', { location: 'westeurope', podVmResourceGroupName: 'pv', ...baseInfra(s) }),
      timeoutSeconds: 900,
    }),
    build: (s, p) => new PeerPodsRuntime(s, 'x', p as never),
  },
  {
    name: 'Trustee',
    base: (s) => ({ ...trusteeProps(new PeerPodNetwork(s, 'n', { resourceGroupName: 'rg', location: 'westeurope' })), port: 8080, replicas: 1 }),
    build: (s, p) => new Trustee(s, 'x', p as never),
    verify: (t) => expect(parseKbsConfig((t as Trustee).kbsConfigToml)).toEqual((t as Trustee).kbsConfig),
  },
  {
    name: 'WorkloadNamespace',
    base: () => ({ name: 'ns' }),
    build: (s, p) => new WorkloadNamespace(s, 'x', p as never),
  },
  {
    name: 'ConfidentialWorkload',
    base: (s) => {
      const parts = clusterParts(s);
      return {
        runtime: parts.runtime,
        kbs: parts.trustee,
        name: 'app',
        namespace: 'apps',
        containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000 }],
        resources: [],
        replicas: 1,
        allowLogStreaming: false,
        scratchVolumes: [],
      };
    },
    build: (s, p) => new ConfidentialWorkload(s, 'x', p as never),
    verify: (w) => {
      const workload = w as ConfidentialWorkload;
      expect(Initdata.fromToml(gunzipSync(Buffer.from(workload.initdata.annotation, 'base64')).toString('utf8')).digest).toBe(
        workload.initdata.digest,
      );
    },
  },
  {
    name: 'KeyManager',
    base: (s) => {
      const parts = clusterParts(s);
      return {
        runtime: parts.runtime,
        kbs: parts.trustee,
        image: pinned('km'),
        command: ['/app/server'],
        runAsUser: 1000,
        name: 'key-manager',
        port: 8080,
        privateKey: 'kbs:///enkrypt/key-manager/private-key',
        probes: {},
        ...tlsOf('key-manager'),
      };
    },
    build: (s, p) => new KeyManager(s, 'x', p as never),
  },
  {
    name: 'ConfidentialInference',
    base: (s) => {
      const parts = clusterParts(s);
      return {
        runtime: parts.runtime,
        kbs: parts.trustee,
        image: pinned('inf'),
        command: ['/app/server'],
        runAsUser: 1000,
        model: ModelSource.encryptedImage({ decryptionKey: 'kbs:///m/k/v' }),
        port: 8000,
        signedImagePolicy: 'kbs:///m/p/images',
        ...tlsOf('inference'),
      };
    },
    build: (s, p) => new ConfidentialInference(s, 'x', p as never),
  },
];

/** Synthesizes, or returns the error; a TypeError, RangeError or ReferenceError fails the property. */
function attempt(c: Case, key: string, value: unknown): void {
  const app = Testing.app();
  const stack = new TerraformStack(app, 's');
  const props = { ...c.base(stack), [key]: value };
  try {
    const built = c.build(stack, props);
    Testing.synth(stack, true);
    c.verify?.(built);
  } catch (e) {
    const error = e as Error;
    if (error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError) {
      throw new Error(`${c.name}.${key} = ${JSON.stringify(value)} crashed with ${error.name}: ${error.message}`);
    }
    const ours = ['ConstructValidationError', 'AttestationInputError'].includes(error.name) || error.message.startsWith('Validation failed');
    if (!ours) throw new Error(`${c.name}.${key} = ${JSON.stringify(value)} threw a foreign error: ${error.message}`);
    const quoted = SECRET_PARTS.find((part) => error.message.includes(part));
    if (quoted !== undefined) throw new Error(`${c.name}.${key}: the error quotes a secret (${quoted}): ${error.message}`);
    // The construct built, or one it created (KeyManager's workload), names itself and the field.
    if (error.name === 'ConstructValidationError')
      expect(error.message).toMatch(new RegExp(`^(${c.type ?? c.name} s/x|ConfidentialWorkload s/x/Workload): [A-Za-z]`));
  }
}

describe('bad input never crashes: every public construct either synthesizes or throws its own error naming the field, quoting no secret', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const keys = Object.keys(c.base(new TerraformStack(Testing.app(), 'probe')));
    fc.assert(
      fc.property(fc.constantFrom(...keys), chaos, (key, value) => attempt(c, key, value)),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 12) },
    );
  });

  test('ConfidentialWorkload with hostile container and resource fields', () => {
    const c = CASES.find((x) => x.name === 'ConfidentialWorkload')!;
    const field = fc.constantFrom(
      'name',
      'image',
      'imageFacts',
      'command',
      'args',
      'workingDir',
      'env',
      'ports',
      'resources',
      'runAsUser',
      'runAsGroup',
      'readOnlyRootFilesystem',
      'readinessProbe',
      'livenessProbe',
      'startupProbe',
    );
    const pull = fc.constantFrom('registryCredentials', 'signaturePolicy', 'sigstoreConfig');
    fc.assert(
      fc.property(field, chaos, chaos, pull, (key, value, resource, pullKey) => {
        attempt(c, 'containers', [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000, [key]: value }]);
        attempt(c, 'resources', [resource]);
        attempt(c, 'imagePull', { [pullKey]: resource });
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 12) },
    );
  });

  test('a mutated prop is named in the error', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    expect(() => new PeerPodNetwork(stack, 'x', { resourceGroupName: 'rg', location: 'westeurope', nodeSubnetCidr: 42 as never })).toThrow(
      /^PeerPodNetwork s\/x: nodeSubnetCidr: /,
    );
  });
});

describe('every construct refuses a prop it does not know, naming it and the nearest known one', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const stack = new TerraformStack(Testing.app(), 's');
    const base = c.base(stack);
    const known = Object.keys(base).sort((a, b) => b.length - a.length || (a < b ? -1 : 1))[0];
    const typo = `${known}s`;
    expect(() => c.build(stack, { ...base, [typo]: base[known] })).toThrow(
      `${c.type ?? c.name} s/x: ${typo}: is not a known key; did you mean "${known}"?`,
    );
  });
});

test('the KBS placements refuse a prop they do not know too', () => {
  const stack = new TerraformStack(Testing.app(), 's');
  const { network } = baseInfra(stack);
  expect(() => new TrusteeVm(stack, 'x', { ...vmProps(network), highAvailability: true } as never)).toThrow(
    'TrusteeVm s/x: highAvailability: is not a known key; check its spelling',
  );
  expect(() => new TrusteeVm(stack, 'y', { ...vmProps(network), keyVaultNme: 'kv' } as never)).toThrow(
    'TrusteeVm s/y: keyVaultNme: is not a known key; did you mean "keyVaultName"?',
  );
  expect(
    () =>
      new ExternalKbs(stack, 'z', {
        url: 'https://kbs.example',
        caCertPem: PUBLIC_MATERIAL.kbsCa,
        referenceValuesExpire: '2027-12-31T00:00:00Z',
        urls: [],
      } as never),
  ).toThrow('ExternalKbs s/z: urls: is not a known key; did you mean "url"?');
});
