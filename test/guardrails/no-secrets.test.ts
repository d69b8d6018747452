import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { TerraformStack } from 'cdktf';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { buildReferenceApp } from '../../examples/reference/app';
import {
  ConfidentialVmSize,
  ExternalKbs,
  KeyManager,
  PeerPodNetwork,
  ResourceSource,
  Trustee,
  TrusteeVm,
  WorkloadTls,
  configureAksProviders,
  readKbsPublicMaterial,
  renderAaToml,
} from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { vmProps } from '../kbs/fixtures';
import { PROXY_IMAGE, PUBLIC_MATERIAL, WORKLOAD_TLS, clusterParts, trusteeProps } from '../kubernetes/fixtures';
import { adminJwt, bodyLines, privateKeyVariants } from '../helpers/private-keys';
import { synth, synthApp } from '../helpers/synth';

// What a secret looks like in text: key material, passwords and credentials, bearer tokens and JWTs, Azure
// storage keys and connection strings, client secrets.
const SECRET_PATTERNS: ReadonlyArray<[string, RegExp]> = [
  ['PEM private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['OpenSSH private key', /-----BEGIN OPENSSH PRIVATE KEY-----/],
  ['password attribute', /"[a-z_]*password[a-z_]*"\s*:\s*"(?!\$\{)[^"]+"/i],
  ['client secret', /"[a-z_]*client_secret"\s*:\s*"(?!\$\{)[^"]+"/i],
  ['AZURE_CLIENT_SECRET', /AZURE_CLIENT_SECRET/],
  ['JWT', /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/],
  ['bearer token', /Bearer [A-Za-z0-9._-]{20,}/],
  ['storage account key', /AccountKey=[A-Za-z0-9+/=]{20,}/],
  ['SAS token', /[?&]sig=[A-Za-z0-9%]{20,}/],
];

/** The stack's text with its encoded payloads decoded: VM custom data (base64) and Key Vault secrets (gzip+base64). */
function withDecodedPayloads(text: string): string {
  let json: { resource?: Record<string, Record<string, Record<string, unknown>>> };
  try {
    json = JSON.parse(text);
  } catch {
    return text;
  }
  const decoded: string[] = [];
  for (const vm of Object.values(json.resource?.azurerm_linux_virtual_machine ?? {})) {
    if (typeof vm.custom_data === 'string') decoded.push(Buffer.from(vm.custom_data, 'base64').toString('utf8'));
  }
  for (const secret of Object.values(json.resource?.azurerm_key_vault_secret ?? {})) {
    if (typeof secret.value !== 'string') continue;
    const bytes = Buffer.from(secret.value, 'base64');
    decoded.push(bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : secret.value);
  }
  return [text, ...decoded].join('\n');
}

function scan(stacks: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [stack, raw] of Object.entries(stacks)) {
    const text = withDecodedPayloads(raw);
    for (const [name, pattern] of SECRET_PATTERNS) if (pattern.test(text)) hits.push(`${stack}: ${name}`);
  }
  return hits;
}

describe('no secrets in the plan', () => {
  test('the reference app synthesizes no secret into any stack', () => {
    const stacks = synthApp((app) => void buildReferenceApp(app));
    expect(Object.keys(stacks)).toEqual(['cluster', 'infra', 'trust']);
    expect(scan(stacks)).toEqual([]);
    // The trust stack's encoded payloads are read too: a key planted in them would be found.
    const trust = JSON.parse(stacks.trust);
    const vm = Object.values(trust.resource.azurerm_linux_virtual_machine)[0] as { custom_data: string };
    vm.custom_data = Buffer.from(`${Buffer.from(vm.custom_data, 'base64').toString()}-----BEGIN EC PRIVATE KEY-----`).toString('base64');
    const state = Object.values(trust.resource.azurerm_key_vault_secret)[0] as { value: string };
    state.value = gzipSync('{"files":{"x":"Bearer abcdefghijklmnopqrstuvwxyz"}}').toString('base64');
    expect(scan({ trust: JSON.stringify(trust) })).toEqual(['trust: PEM private key', 'trust: bearer token']);
  });

  test('the byo-cluster example synthesizes no secret', () => {
    expect(scan(synthApp((app) => new ByoClusterStack(app, 'byo')))).toEqual([]);
  });

  test('the scanner finds each kind of secret it looks for', () => {
    const planted = {
      a: '"-----BEGIN EC PRIVATE KEY-----"',
      b: '"admin_password": "hunter2hunter2"',
      c: '"client_secret": "abc"',
      d: 'AZURE_CLIENT_SECRET',
      e: 'eyJhbGciOiJFZERTQSJ9x.eyJyb2xlIjoiYWRtaW4ifQxx.c2lnbmF0dXJl',
      f: 'Bearer abcdefghijklmnopqrstuvwxyz',
      g: 'AccountKey=abcdefghijklmnopqrstuvwxyz012345==',
      h: 'https://x.blob.core.windows.net/c/b?sv=2024&sig=abcdefghijklmnopqrstuvwxyz',
      i: '-----BEGIN OPENSSH PRIVATE KEY-----',
    };
    const found = new Set(scan(planted).map((hit) => hit.split(': ')[1]));
    expect([...found].sort()).toEqual(SECRET_PATTERNS.map(([name]) => name).sort());
  });
});

describe('determinism across machines', () => {
  test('no synthesized stack mentions where the repository is checked out', () => {
    const root = resolve(__dirname, '..', '..');
    const stacks = {
      ...synthApp((app) => void buildReferenceApp(app)),
      ...synthApp((app) => new ByoClusterStack(app, 'byo')),
    };
    for (const [name, text] of Object.entries(stacks))
      expect(`${name}: ${text.includes(root) ? 'contains ' + root : 'clean'}`).toBe(`${name}: clean`);
  });
});

const KEYS = privateKeyVariants();

/** The default network of the test stack. */
const networkOf = (stack: TerraformStack) => new PeerPodNetwork(stack, 'net', { resourceGroupName: 'rg', location: 'westeurope' });
/** The message of the error `run` fails with. */
function errorOf(run: () => void): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error: the value was accepted';
}

describe('no error quotes a secret, wherever the value sits', () => {
  const JWT = adminJwt();
  const KEY = KEYS.find((k) => k.name === 'Ed25519 PKCS#8')!;
  const TOKEN_SHOWN = '<a bearer token, not shown>';
  const KEY_SHOWN = '<a PEM private key (PRIVATE KEY), not shown>';

  /** A TrusteeVm of the test stack with `override`. */
  const trusteeVm = (override: object) => () => void synth((stack) => new TrusteeVm(stack, 'Kbs', { ...vmProps(networkOf(stack)), ...override }));

  test.each<[string, () => void, string]>([
    [
      'a token for a prop with a message of its own',
      trusteeVm({ keyVaultName: JWT }),
      `TrusteeVm test/Kbs: keyVaultName: must be a Key Vault name: 3-24 letters`,
    ],
    [
      'a token in an array item',
      trusteeVm({ adminSourceRanges: [JWT] }),
      'TrusteeVm test/Kbs: adminSourceRanges[0]: must be an IPv4 address or CIDR',
    ],
    ['a key in an array item of a union', trusteeVm({ keyVaultAllowedIpRanges: ['203.0.113.7', KEY.text] }), 'keyVaultAllowedIpRanges[1]: '],
    ['a key in a nested field', trusteeVm({ snpTcbFloor: { bootloader: KEY.text, tee: 0, snp: 24, microcode: 219 } }), 'snpTcbFloor.bootloader: '],
    [
      'a token for a prop with a type check',
      () => void synth((stack) => configureAksProviders(stack, { name: 'aks', resourceGroupName: 'rg', login: JWT as never })),
      'configureAksProviders test: login: must be one of "azurecli", "workloadidentity", "msi", "spn", "azd", "azurepipelines" (got <a bearer token',
    ],
    [
      'a token as a Key Vault secret name',
      () => ResourceSource.azureKeyVault(JWT),
      'azureKeyVault.secretName: must be a Key Vault secret name: 1-127 letters, digits and "-", got <a bearer token, not shown>',
    ],
    [
      'a key as a Key Vault secret name',
      () => ResourceSource.azureKeyVault(KEY.text),
      'azureKeyVault.secretName: must be a Key Vault secret name: 1-127 letters, digits and "-", got <a PEM private key (PRIVATE KEY), not shown>',
    ],
    ['a key as a VM size', () => ConfidentialVmSize.of(KEY.text), 'ConfidentialVmSize.of: <a PEM private key (PRIVATE KEY), not shown> is not'],
  ])('GIVEN %s WHEN refused THEN the error names the field and describes the value, never quoting it', (_name, run, names) => {
    const message = errorOf(run);
    expect(message).toContain(names);
    expect(message.includes(TOKEN_SHOWN) || message.includes(KEY_SHOWN)).toBe(true);
    for (const part of [...JWT.split('.'), ...bodyLines(KEY.text)]) expect(message).not.toContain(part);
  });
});

const SSH_PUBLIC_KEY = vmProps(undefined as never).adminSshPublicKey;
const TLS_DIR = resolve(__dirname, '..', 'fixtures', 'workload-tls', 'main');
/** Where the files with keys planted in them are written; removed after the tests. */
const SCRATCH = mkdtempSync(join(tmpdir(), 'public-material-'));
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

/** One use of a value: what its error must begin with (construct, path and field, or file), and the use itself. */
interface Attempt {
  readonly named: string;
  readonly run: () => void;
}

/** A prop (or file) that takes public material. */
interface PublicInput {
  readonly name: string;
  /** A valid value, which a key is appended to. */
  readonly valid: string;
  /** How `value` is passed: build and synthesize, or read. */
  readonly attempt: (value: string) => Attempt;
}

const trusteeVmProp = (field: 'httpsCaCertPem' | 'adminPublicKeyPem' | 'tokenSignerCaCertPem' | 'adminSshPublicKey', valid: string): PublicInput => ({
  name: `TrusteeVm.${field}`,
  valid,
  attempt: (value) => ({
    named: `TrusteeVm test/Kbs: ${field}: `,
    run: () => void synth((stack) => new TrusteeVm(stack, 'Kbs', { ...vmProps(networkOf(stack)), [field]: value })),
  }),
});

const trusteeProp = (field: 'httpsCaCertPem' | 'adminPublicKeyPem' | 'tokenSignerCaCertPem', valid: string): PublicInput => ({
  name: `Trustee.${field}`,
  valid,
  attempt: (value) => ({
    named: `Trustee test/Kbs: ${field}: `,
    run: () => void synth((stack) => new Trustee(stack, 'Kbs', { ...trusteeProps(networkOf(stack)), [field]: value })),
  }),
});

/** A copy of the test workload TLS directory with `file` holding `value`. */
function tlsDirWith(file: string, value: string): string {
  const dir = mkdtempSync(join(SCRATCH, 'workload-tls-'));
  cpSync(TLS_DIR, dir, { recursive: true });
  writeFileSync(join(dir, file), value);
  return dir;
}

/** KBS public material as cai-create-key-material writes it, with `file` holding `value`. */
const kbsFile = (file: string, valid: string): PublicInput => ({
  name: `readKbsPublicMaterial ${file}`,
  valid,
  attempt: (value) => {
    const dir = mkdtempSync(join(SCRATCH, 'kbs-public-'));
    writeFileSync(join(dir, 'kbs-ca.pem'), PUBLIC_MATERIAL.kbsCa);
    writeFileSync(join(dir, 'token-signer-ca.pem'), PUBLIC_MATERIAL.signerCa);
    writeFileSync(join(dir, 'admin-public.pem'), PUBLIC_MATERIAL.adminPublicKey);
    writeFileSync(join(dir, file), value);
    return { named: `readKbsPublicMaterial: ${join(dir, file)} `, run: () => void readKbsPublicMaterial(dir) };
  },
});

/** Every prop of every construct, every value and every file that takes a certificate or a public key. */
const PUBLIC_INPUTS: PublicInput[] = [
  trusteeVmProp('httpsCaCertPem', PUBLIC_MATERIAL.kbsCa),
  trusteeVmProp('adminPublicKeyPem', PUBLIC_MATERIAL.adminPublicKey),
  trusteeVmProp('tokenSignerCaCertPem', PUBLIC_MATERIAL.signerCa),
  trusteeVmProp('adminSshPublicKey', SSH_PUBLIC_KEY),
  trusteeProp('httpsCaCertPem', PUBLIC_MATERIAL.kbsCa),
  trusteeProp('adminPublicKeyPem', PUBLIC_MATERIAL.adminPublicKey),
  trusteeProp('tokenSignerCaCertPem', PUBLIC_MATERIAL.signerCa),
  {
    name: 'ExternalKbs.caCertPem',
    valid: PUBLIC_MATERIAL.kbsCa,
    attempt: (value) => ({
      named: 'ExternalKbs test/Kbs: caCertPem: ',
      run: () =>
        void synth(
          (stack) =>
            new ExternalKbs(stack, 'Kbs', { url: 'https://kbs.example:8443', caCertPem: value, referenceValuesExpire: '2027-12-31T00:00:00Z' }),
        ),
    }),
  },
  {
    name: 'KeyManager.tls.identity.certPem (an identity built by hand)',
    valid: WORKLOAD_TLS.identity('key-manager').certPem,
    attempt: (value) => ({
      named: 'KeyManager test/km: tls.identity.certPem: ',
      run: () =>
        void synth((stack) => {
          const parts = clusterParts(stack);
          const identity = { ...WORKLOAD_TLS.identity('key-manager'), certPem: value };
          new KeyManager(stack, 'km', {
            runtime: parts.runtime,
            kbs: parts.trustee,
            image: pinned('km'),
            command: ['/km'],
            runAsUser: 1000,
            tls: { identity },
          });
        }),
    }),
  },
  {
    name: 'WorkloadTls caCertPem',
    valid: WORKLOAD_TLS.caCertPem,
    attempt: (value) => ({ named: 'caCertPem: ', run: () => new WorkloadTls({ caCertPem: value, proxyImage: PROXY_IMAGE }) }),
  },
  {
    name: 'WorkloadTls.identity certPem',
    valid: WORKLOAD_TLS.identity('app').certPem,
    attempt: (value) => ({ named: 'identity(app): ', run: () => WORKLOAD_TLS.identity('app', value) }),
  },
  {
    name: 'WorkloadTls.fromDirectory ca.pem',
    valid: WORKLOAD_TLS.caCertPem,
    attempt: (value) => {
      const dir = tlsDirWith('ca.pem', value);
      return { named: `caCertPem: ${join(dir, 'ca.pem')} `, run: () => WorkloadTls.fromDirectory(dir, { proxyImage: PROXY_IMAGE }) };
    },
  },
  {
    name: 'WorkloadTls.fromDirectory users/ca.pem',
    valid: readFileSync(join(TLS_DIR, 'users', 'ca.pem'), 'utf8'),
    attempt: (value) => {
      const dir = tlsDirWith(join('users', 'ca.pem'), value);
      return { named: `usersCaCertPem: ${join(dir, 'users', 'ca.pem')} `, run: () => WorkloadTls.fromDirectory(dir, { proxyImage: PROXY_IMAGE }) };
    },
  },
  {
    name: 'WorkloadTls.fromDirectory <workload>.crt',
    valid: WORKLOAD_TLS.identity('app').certPem,
    attempt: (value) => {
      const dir = tlsDirWith('app.crt', value);
      return {
        named: `identity(app): ${join(dir, 'app.crt')} `,
        run: () => WorkloadTls.fromDirectory(dir, { proxyImage: PROXY_IMAGE }).identity('app'),
      };
    },
  },
  kbsFile('kbs-ca.pem', PUBLIC_MATERIAL.kbsCa),
  kbsFile('token-signer-ca.pem', PUBLIC_MATERIAL.signerCa),
  kbsFile('admin-public.pem', PUBLIC_MATERIAL.adminPublicKey),
  {
    name: 'a KBS endpoint given to the attestation core',
    valid: PUBLIC_MATERIAL.kbsCa,
    attempt: (value) => ({ named: 'kbs.caCertPem: ', run: () => renderAaToml({ url: 'https://10.0.0.5:8080', caCertPem: value }) }),
  },
];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('public material refuses private keys, and no error quotes one', () => {
  test.each(PUBLIC_INPUTS.map((i) => [i.name, i] as const))(
    'GIVEN %s WHEN it holds any kind of private key THEN it fails naming it',
    (_name, input) => {
      expect(errorOf(input.attempt(input.valid).run)).toBe('no error: the value was accepted');
      for (const key of KEYS) {
        for (const [how, value] of [
          ['alone', key.text],
          ['after a valid value', `${input.valid.trimEnd()}\n${key.text}`],
        ]) {
          const { named, run } = input.attempt(value);
          const message = `${key.name} ${how}: ${errorOf(run)}`;
          expect(message).toMatch(new RegExp(`^${escape(`${key.name} ${how}: ${named}holds ${key.described}; pass `)}`));
          for (const line of bodyLines(key.text)) expect(message.includes(line) ? `${message} quotes ${line}` : 'quotes none').toBe('quotes none');
        }
      }
    },
  );
});
