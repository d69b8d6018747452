import { resolve } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { TerraformStack } from 'cdktf';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { buildReferenceApp } from '../../examples/reference/app';
import { ConfidentialVmSize, PeerPodNetwork, ResourceSource, TrusteeVm, configureAksProviders } from '../../src';
import { vmProps } from '../kbs/fixtures';
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
    ['a token for a prop with a message of its own', trusteeVm({ keyVaultName: JWT }), `TrusteeVm test/Kbs: keyVaultName: must be 3-24 letters`],
    ['a token in an array item', trusteeVm({ adminSourceRanges: [JWT] }), 'TrusteeVm test/Kbs: adminSourceRanges.0: must be an IPv4 address or CIDR'],
    ['a key in an array item of a union', trusteeVm({ keyVaultAllowedIpRanges: ['203.0.113.7', KEY.text] }), 'keyVaultAllowedIpRanges.1: '],
    ['a key in a nested field', trusteeVm({ snpTcbFloor: { bootloader: KEY.text, tee: 0, snp: 24, microcode: 219 } }), 'snpTcbFloor.bootloader: '],
    [
      "a token for a prop with valibot's own message",
      () => void synth((stack) => configureAksProviders(stack, { name: 'aks', resourceGroupName: 'rg', login: JWT as never })),
      'configureAksProviders test: login: Invalid type: Expected ("azurecli"',
    ],
    ['a token as a Key Vault secret name', () => ResourceSource.azureKeyVault(JWT), 'Key Vault secret name <a bearer token, not shown> must be'],
    [
      'a key as a Key Vault secret name',
      () => ResourceSource.azureKeyVault(KEY.text),
      'Key Vault secret name <a PEM private key (PRIVATE KEY), not shown> must be',
    ],
    ['a key as a VM size', () => ConfidentialVmSize.of(KEY.text), 'instance size <a PEM private key (PRIVATE KEY), not shown> is not'],
  ])('GIVEN %s WHEN refused THEN the error names the field and describes the value, never quoting it', (_name, run, names) => {
    const message = errorOf(run);
    expect(message).toContain(names);
    expect(message.includes(TOKEN_SHOWN) || message.includes(KEY_SHOWN)).toBe(true);
    for (const part of [...JWT.split('.'), ...bodyLines(KEY.text)]) expect(message).not.toContain(part);
  });
});
