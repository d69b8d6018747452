import { resolve } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { buildReferenceApp } from '../../examples/reference/app';
import { synthApp } from '../helpers/synth';

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
