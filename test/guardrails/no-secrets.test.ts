import { resolve } from 'node:path';
import { ByoClusterStack } from '../../examples/byo-cluster/byo-cluster-stack';
import { ClusterStack } from '../../examples/reference/cluster-stack';
import { InfraStack } from '../../examples/reference/infra-stack';
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

function scan(stacks: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const [stack, text] of Object.entries(stacks)) {
    for (const [name, pattern] of SECRET_PATTERNS) if (pattern.test(text)) hits.push(`${stack}: ${name}`);
  }
  return hits;
}

describe('no secrets in the plan', () => {
  test('the reference app synthesizes no secret into any stack', () => {
    const stacks = synthApp((app) => new ClusterStack(app, 'cluster', new InfraStack(app, 'infra')));
    expect(Object.keys(stacks)).toEqual(['cluster', 'infra']);
    expect(scan(stacks)).toEqual([]);
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
      ...synthApp((app) => new ClusterStack(app, 'cluster', new InfraStack(app, 'infra'))),
      ...synthApp((app) => new ByoClusterStack(app, 'byo')),
    };
    for (const [name, text] of Object.entries(stacks)) expect(`${name}: ${text.includes(root) ? 'contains ' + root : 'clean'}`).toBe(`${name}: clean`);
  });
});
