import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Testing, TerraformStack } from 'cdktf';
import { ResourceSource, TrusteeVm } from '../../src';
import { KBS_SYNC_SCRIPT, TrusteeVmStateDocument, encodeTrusteeVmState, trusteeVmStateDocument } from '../../src/kbs/trustee-vm-boot';
import { baseInfra } from '../azure/fixtures';
import { TestWorkload } from '../helpers/workload-identity';
import { vmProps } from './fixtures';

// kbs-sync is run by bash on the bytes the VM would fetch; nothing here reaches Azure.

const MODEL_KEY = 'kbs:///enkrypt/model/key';
const CREDENTIALS = 'kbs:///enkrypt/registry/credentials';
const REVOKED = 'kbs:///enkrypt/model/old-key';

/** A key with every byte value, line endings included: only a binary-safe path keeps it. */
const BINARY_KEY = Buffer.from([...Array(256).keys()].map((i) => (i * 7) % 256).concat([13, 10, 0, 255]));
const AUTH_JSON = '{"auths": {"example.azurecr.io": {"auth": "dXNlcjp0b2tlbg=="}}}\n';

/** The state a Trustee VM serving two out-of-band resources and one Key Vault resource writes into `kbs-state`. */
function stateDocument(): { doc: TrusteeVmStateDocument; kbs: TrusteeVm } {
  const stack = new TerraformStack(Testing.app(), 's');
  const { network, image } = baseInfra(stack);
  const kbs = new TrusteeVm(stack, 'Kbs', vmProps(network));
  kbs.trustImage(image);
  const resources = [
    kbs.declareResource(MODEL_KEY, ResourceSource.outOfBand()),
    kbs.declareResource(CREDENTIALS, ResourceSource.azureKeyVault('registry-auth')),
    kbs.declareResource(REVOKED, ResourceSource.outOfBand()),
  ];
  kbs.grantResources(new TestWorkload(stack, 'w', 'a'.repeat(64), ['az-snp-vtpm']), ...resources);
  // What the VM fetches: the state secret's value, decoded as the script decodes it.
  const secret = encodeTrusteeVmState(trusteeVmStateDocument(kbs.state, '2027-12-31T00:00:00Z'));
  return { doc: JSON.parse(gunzipSync(Buffer.from(secret, 'base64')).toString()) as TrusteeVmStateDocument, kbs };
}

/**
 * A secret as Key Vault's GET returns it. `az keyvault secret set --file f --encoding base64` stores Python's
 * base64.encodebytes of the file (lines of 76 characters, each ending in a newline) and tags it file-encoding=base64.
 */
function bundle(bytes: Buffer | string, encoding?: 'base64' | 'hex'): string {
  const raw = Buffer.from(bytes);
  const value =
    encoding === 'base64'
      ? (raw.toString('base64').match(/.{1,76}/g) ?? []).map((l) => `${l}\n`).join('')
      : encoding === 'hex'
        ? raw.toString('hex')
        : raw.toString();
  return JSON.stringify({
    value,
    id: 'https://owner-kbs-kv.vault.azure.net/secrets/x/0123456789abcdef0123456789abcdef',
    attributes: { enabled: true },
    ...(encoding ? { tags: { 'file-encoding': encoding } } : {}),
  });
}

/** A VM's directories: the script, its sync.env, the tmpfs for keys and the LocalFs storage, under one temp root. */
function vm(): string {
  const root = mkdtempSync(join(tmpdir(), 'kbs-vm-'));
  writeFileSync(join(root, 'kbs-sync'), KBS_SYNC_SCRIPT);
  writeFileSync(join(root, 'sync.env'), `VAULT_NAME=owner-kbs-kv\nSTORAGE_DIR=${root}/storage\nSECRETS_DIR=${root}/secrets\n`);
  return root;
}

/** What a fetch leaves: the key files, state.json, and per resource its Key Vault answer (`res/<i>.json`) or `absent`. */
function fetched(dir: string, doc: TrusteeVmStateDocument, answers: Array<string | 'absent'>): string {
  mkdirSync(join(dir, 'res'), { recursive: true });
  for (const name of ['https.key', 'https.crt', 'signer.key', 'signer.crt']) writeFileSync(join(dir, name), `${name} bytes\n`);
  writeFileSync(join(dir, 'state.json'), JSON.stringify(doc));
  answers.forEach((a, i) => writeFileSync(join(dir, 'res', a === 'absent' ? `${i}.absent` : `${i}.json`), a === 'absent' ? '' : a));
  return dir;
}

/** Runs `kbs-sync place <dir>` and returns the paths it printed as changed, relative to the root. */
function place(root: string, dir: string): string[] {
  const out = execFileSync('bash', [join(root, 'kbs-sync'), 'place', dir], { env: { ...process.env, KBS_CONFIG_DIR: root }, encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.slice(root.length + 1))
    .sort();
}

const stored = (root: string, uri: string): string => join(root, 'storage', 'repository', uri.slice('kbs:///'.length).replace(/\//g, '\\x2F'));

describe('kbs-sync place', () => {
  const { doc } = stateDocument();

  // The state lists resources by path: model/key, model/old-key, registry/credentials; a fetch answers in that order.
  test('the state names every resource with its Key Vault secret, in path order', () => {
    expect(doc.resources).toEqual([
      { file: 'repository/enkrypt\\x2Fmodel\\x2Fkey', secret: 'res-enkrypt--model--key' },
      { file: 'repository/enkrypt\\x2Fmodel\\x2Fold-key', secret: 'res-enkrypt--model--old-hkey' },
      { file: 'repository/enkrypt\\x2Fregistry\\x2Fcredentials', secret: 'registry-auth' },
    ]);
  });

  test('GIVEN a fresh VM WHEN the state is placed THEN keys land in the tmpfs directory, resources byte for byte, an absent one nowhere', () => {
    const root = vm();
    const changed = place(root, fetched(join(root, 'f1'), doc, [bundle(BINARY_KEY, 'base64'), 'absent', bundle(AUTH_JSON)]));
    expect(changed).toEqual(
      [
        ...['https.crt', 'https.key', 'signer.crt', 'signer.key'].map((f) => `secrets/${f}`),
        ...Object.keys(doc.files).map((f) => `storage/${f}`),
        'storage/repository/enkrypt\\x2Fmodel\\x2Fkey',
        'storage/repository/enkrypt\\x2Fregistry\\x2Fcredentials',
      ].sort(),
    );
    for (const [name, content] of Object.entries(doc.files)) expect(readFileSync(join(root, 'storage', name), 'utf8')).toBe(content);
    // Uploaded with --encoding base64: the exact bytes. Uploaded as text (no tag): the value as it is.
    expect(readFileSync(stored(root, MODEL_KEY)).equals(BINARY_KEY)).toBe(true);
    expect(readFileSync(stored(root, CREDENTIALS), 'utf8')).toBe(AUTH_JSON);
    expect(existsSync(stored(root, REVOKED))).toBe(false);

    // Nothing changed: nothing is rewritten, so the KBS is not restarted.
    expect(place(root, fetched(join(root, 'f2'), doc, [bundle(BINARY_KEY, 'base64'), 'absent', bundle(AUTH_JSON)]))).toEqual([]);
  });

  test('GIVEN a placed resource WHEN its secret gets a new version THEN the file changes; WHEN deleted THEN the file goes, the rest stays', () => {
    const root = vm();
    place(root, fetched(join(root, 'f1'), doc, [bundle(BINARY_KEY, 'base64'), bundle('old key'), bundle(AUTH_JSON)]));
    expect(readFileSync(stored(root, REVOKED), 'utf8')).toBe('old key');

    const rotated = Buffer.concat([BINARY_KEY, Buffer.from([1])]);
    expect(place(root, fetched(join(root, 'f2'), doc, [bundle(rotated, 'base64'), bundle('old key'), bundle(AUTH_JSON)]))).toEqual([
      'storage/repository/enkrypt\\x2Fmodel\\x2Fkey',
    ]);
    expect(readFileSync(stored(root, MODEL_KEY)).equals(rotated)).toBe(true);

    // Deleted in Key Vault (HTTP 404): the sync goes on, and the KBS no longer serves it.
    expect(place(root, fetched(join(root, 'f3'), doc, [bundle(rotated, 'base64'), 'absent', bundle(AUTH_JSON)]))).toEqual([
      'storage/repository/enkrypt\\x2Fmodel\\x2Fold-key',
    ]);
    expect(existsSync(stored(root, REVOKED))).toBe(false);
    expect(readFileSync(stored(root, CREDENTIALS), 'utf8')).toBe(AUTH_JSON);
  });

  test('GIVEN a resource or reference value the state no longer lists WHEN placed THEN its file is removed', () => {
    const root = vm();
    place(root, fetched(join(root, 'f1'), doc, [bundle(BINARY_KEY, 'base64'), bundle('old key'), bundle(AUTH_JSON)]));
    const fewer: TrusteeVmStateDocument = {
      ...doc,
      files: Object.fromEntries(Object.entries(doc.files).filter(([n]) => n !== 'reference_value/initdata.pcr08')),
      resources: doc.resources.filter((r) => !r.file.includes('old-key')),
    };
    expect(place(root, fetched(join(root, 'f2'), fewer, [bundle(BINARY_KEY, 'base64'), bundle(AUTH_JSON)]))).toEqual([
      'storage/reference_value/initdata.pcr08',
      'storage/repository/enkrypt\\x2Fmodel\\x2Fold-key',
    ]);
    expect(readdirSync(join(root, 'storage', 'reference_value'))).not.toContain('initdata.pcr08');
    expect(readdirSync(join(root, 'storage', 'repository')).sort()).toEqual(['enkrypt\\x2Fmodel\\x2Fkey', 'enkrypt\\x2Fregistry\\x2Fcredentials']);
  });

  test('fails when a secret has an encoding it cannot decode, and places nothing of it', () => {
    const root = vm();
    const run = spawnSync(
      'bash',
      [join(root, 'kbs-sync'), 'place', fetched(join(root, 'f1'), doc, [bundle(BINARY_KEY, 'hex'), 'absent', bundle(AUTH_JSON)])],
      {
        env: { ...process.env, KBS_CONFIG_DIR: root },
        encoding: 'utf8',
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('unsupported file-encoding hex (upload with --encoding base64)');
    expect(existsSync(stored(root, MODEL_KEY))).toBe(false);
  });
});

/**
 * A stand-in for curl on PATH, for the two calls kbs-sync makes: the IMDS token, and a Key Vault secret fetched with
 * `-o FILE -w '%{http_code}'`, answered from `$KV/<name>.json` with the status in `$KV/<name>.status` (404 without
 * one). Every secret URL asked for is appended to `$KV/requests`.
 */
const CURL = String.raw`#!/bin/bash
out='' url=''
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -w | -H | --retry) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case $url in
  http://169.254.169.254/*) echo '{"access_token":"test-token"}' ;;
  https://owner-kbs-kv.vault.azure.net/secrets/*)
    echo "$url" >> "$KV/requests"
    name=${'${'}url#*/secrets/}
    name=${'${'}name%%\?*}
    name=${'${'}name%%/*}
    if [ -f "$KV/$name.json" ]; then cp "$KV/$name.json" "$out"; else echo '{"error":{"code":"SecretNotFound"}}' > "$out"; fi
    cat "$KV/$name.status" 2> /dev/null || printf 404
    ;;
  *) exit 6 ;;
esac
`;

describe('kbs-sync fetch (Key Vault answered by a stand-in for curl)', () => {
  const { doc, kbs } = stateDocument();
  const state = encodeTrusteeVmState(trusteeVmStateDocument(kbs.state, '2027-12-31T00:00:00Z'));

  /** A VM whose Key Vault holds the key material, the state and `resources` (secret name -> [status, body]). */
  function vault(resources: Record<string, [number, string]>): { root: string; env: NodeJS.ProcessEnv } {
    const root = vm();
    const kv = join(root, 'kv');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(kv);
    writeFileSync(join(root, 'bin', 'curl'), CURL);
    chmodSync(join(root, 'bin', 'curl'), 0o755);
    const secrets: Record<string, [number, string]> = {
      'kbs-https-key': [200, bundle('-----BEGIN PRIVATE KEY-----\nhttps\n-----END PRIVATE KEY-----\n', undefined)],
      'kbs-https-cert': [200, bundle('https cert\n')],
      'kbs-token-signer-key': [200, bundle('signer key\n')],
      'kbs-token-signer-chain': [200, bundle('signer chain\n')],
      'kbs-state': [200, JSON.stringify({ value: state })],
      ...resources,
    };
    for (const [name, [status, body]] of Object.entries(secrets)) {
      writeFileSync(join(kv, `${name}.status`), String(status));
      writeFileSync(join(kv, `${name}.json`), body);
    }
    return { root, env: { ...process.env, KBS_CONFIG_DIR: root, KV: kv, PATH: `${join(root, 'bin')}:${process.env.PATH}` } };
  }

  test('GIVEN one resource secret is missing (404) WHEN fetched and placed THEN the others arrive and the sync succeeds', () => {
    const { root, env } = vault({
      'res-enkrypt--model--key': [200, bundle(BINARY_KEY, 'base64')],
      'registry-auth': [200, bundle(AUTH_JSON)],
      'res-enkrypt--model--old-hkey': [404, '{"error":{"code":"SecretNotFound"}}'],
    });
    const dir = join(root, 'f');
    mkdirSync(dir);
    execFileSync('bash', [join(root, 'kbs-sync'), 'fetch', dir], { env });
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual(doc);
    expect(readFileSync(join(dir, 'https.key'), 'utf8')).toContain('BEGIN PRIVATE KEY');
    expect(readdirSync(join(dir, 'res')).sort()).toEqual(['0.json', '1.absent', '2.json']);
    expect(readFileSync(join(root, 'kv', 'requests'), 'utf8')).toContain('/secrets/res-enkrypt--model--key?api-version=7.4');

    place(root, dir);
    expect(readFileSync(stored(root, MODEL_KEY)).equals(BINARY_KEY)).toBe(true);
    expect(existsSync(stored(root, REVOKED))).toBe(false);
  });

  test.each<[string, Record<string, [number, string]>, string]>([
    ['a resource secret is forbidden (403)', { 'registry-auth': [403, '{"error":{"code":"Forbidden"}}'] }, 'HTTP 403 for secret registry-auth'],
    ['Key Vault fails (500)', { 'registry-auth': [500, '{}'] }, 'HTTP 500 for secret registry-auth'],
    ['the HTTPS key was never uploaded (404)', { 'kbs-https-key': [404, '{}'] }, 'secret kbs-https-key does not exist (yet)'],
  ])('fails when %s: only a missing resource secret is skipped', (_case, answers, message) => {
    const { root, env } = vault({
      'res-enkrypt--model--key': [200, bundle(BINARY_KEY, 'base64')],
      'registry-auth': [200, bundle(AUTH_JSON)],
      ...answers,
    });
    const dir = join(root, 'f');
    mkdirSync(dir);
    const run = spawnSync('bash', [join(root, 'kbs-sync'), 'fetch', dir], { env, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(message);
  });
});

describe('rotation: a new Key Vault secret version reaches the KBS, no VM is replaced', () => {
  const { kbs } = stateDocument();
  const state = encodeTrusteeVmState(trusteeVmStateDocument(kbs.state, '2027-12-31T00:00:00Z'));

  /** Fetches and places from a vault holding `secrets`, and returns the paths that changed (a restart follows). */
  function syncWith(root: string, secrets: Record<string, string>): string[] {
    const kv = join(root, 'kv');
    mkdirSync(kv, { recursive: true });
    mkdirSync(join(root, 'bin'), { recursive: true });
    writeFileSync(join(root, 'bin', 'curl'), CURL);
    chmodSync(join(root, 'bin', 'curl'), 0o755);
    for (const [name, body] of Object.entries(secrets)) {
      writeFileSync(join(kv, `${name}.status`), '200');
      writeFileSync(join(kv, `${name}.json`), body);
    }
    const dir = mkdtempSync(join(root, 'f-'));
    const env = { ...process.env, KBS_CONFIG_DIR: root, KV: kv, PATH: `${join(root, 'bin')}:${process.env.PATH}` };
    execFileSync('bash', [join(root, 'kbs-sync'), 'fetch', dir], { env });
    return place(root, dir);
  }
  const v1: Record<string, string> = {
    'kbs-https-key': bundle('https key v1\n'),
    'kbs-https-cert': bundle('https cert v1\n'),
    'kbs-token-signer-key': bundle('signer key v1\n'),
    'kbs-token-signer-chain': bundle('signer chain v1\n'),
    'kbs-state': JSON.stringify({ value: state }),
    'res-enkrypt--model--key': bundle(BINARY_KEY, 'base64'),
    'registry-auth': bundle(AUTH_JSON),
    'res-enkrypt--model--old-hkey': bundle('old key'),
  };

  test('GIVEN new versions of the model key, the HTTPS pair, then the signer WHEN the timer runs THEN only those files change', () => {
    const root = vm();
    syncWith(root, v1);
    const rotations: Array<[Record<string, string>, string[]]> = [
      [{ 'res-enkrypt--model--key': bundle(Buffer.from('model key v2'), 'base64') }, ['storage/repository/enkrypt\\x2Fmodel\\x2Fkey']],
      [{ 'kbs-https-key': bundle('https key v2\n'), 'kbs-https-cert': bundle('https cert v2\n') }, ['secrets/https.crt', 'secrets/https.key']],
      [
        { 'kbs-token-signer-key': bundle('signer key v2\n'), 'kbs-token-signer-chain': bundle('signer chain v2\n') },
        ['secrets/signer.crt', 'secrets/signer.key'],
      ],
    ];
    // Each change printed means a KBS restart; the VM itself is never touched.
    let current = v1;
    for (const [v2, changed] of rotations) {
      current = { ...current, ...v2 };
      expect(syncWith(root, current)).toEqual(changed);
    }
    // The latest version is read: no version in the URL of a secret the state does not pin.
    expect(readFileSync(join(root, 'kv', 'requests'), 'utf8')).not.toMatch(/\/secrets\/[a-z-]+\/[0-9a-f]{32}/);
  });

  test('the key material never enters the plan: the only Key Vault secret Terraform writes is the state', () => {
    const json = JSON.parse(Testing.synth(kbs.node.scope as TerraformStack)) as { resource: Record<string, Record<string, unknown>> };
    expect(Object.values(json.resource.azurerm_key_vault_secret ?? {}).map((s) => (s as { name: string }).name)).toEqual(['kbs-state']);
    expect(kbs.uploadKeyMaterialCommands()).toEqual([
      expect.stringMatching(/^az keyvault secret set --vault-name .* --name kbs-https-key --file \.secrets\/kbs-https\.key --output none$/),
      expect.stringContaining('--name kbs-https-cert'),
      expect.stringContaining('--name kbs-token-signer-key'),
      expect.stringContaining('--name kbs-token-signer-chain'),
    ]);
  });
});
