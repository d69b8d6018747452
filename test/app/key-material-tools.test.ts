import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import { PeerPodNetwork, TrusteeVm, WorkloadTls, readKbsPublicMaterial } from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { TRUSTEE_VM_SECRETS } from '../../src/kbs/trustee-vm-secrets';
import { vmProps } from '../kbs/fixtures';

const ROOT = join(__dirname, '..', '..');
const CREATE = join(ROOT, 'bin', 'create-key-material.sh');
const MINT = join(ROOT, 'bin', 'mint-admin-token.mjs');

describe('cai-create-key-material and cai-mint-admin-token (shipped as package bins)', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'kbs-pki-')), 'secrets');
  const log = execFileSync('bash', [CREATE, out], {
    env: { ...process.env, KBS_IP: '10.40.15.250', VAULT_NAME: 'owner-kbs-kv' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** `[secret name, file]` of each `az keyvault secret set` command a text prints, in order. */
  const uploads = (text: string, vault: string) =>
    [...text.matchAll(/^\s*az keyvault secret set --vault-name (\S+) --name (\S+) --file "?([^"\s]+)"? --output none$/gm)].map((m) => {
      expect(m[1]).toBe(vault);
      return [m[2], m[3]];
    });
  const cert = (name: string) => new X509Certificate(readFileSync(join(out, name)));

  test('GIVEN a new directory WHEN run THEN the KBS server certificate is issued by its CA for the static IP', () => {
    const ca = cert('kbs-ca.pem');
    const server = cert('kbs-https.crt');
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('10.40.15.250')).toBe('10.40.15.250');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  test('the token signer is an EC P-256 key certified by its CA, with the chain the KBS reads', () => {
    const signer = cert('token-signer.crt');
    expect(signer.verify(cert('token-signer-ca.pem').publicKey)).toBe(true);
    expect(signer.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    expect(readFileSync(join(out, 'token-signer-chain.pem'), 'utf8')).toBe(
      readFileSync(join(out, 'token-signer.crt'), 'utf8') + readFileSync(join(out, 'token-signer-ca.pem'), 'utf8'),
    );
  });

  test('private keys are readable by the owner only', () => {
    expect(statSync(out).mode & 0o777).toBe(0o700);
    for (const key of ['kbs-ca.key', 'kbs-https.key', 'token-signer.key', 'admin.key']) expect(statSync(join(out, key)).mode & 0o077).toBe(0);
  });

  test('by default it hands no key to the cluster: it prints the Key Vault uploads of the Trustee VM, and to keep the keys offline', () => {
    expect(log).not.toMatch(/kubectl/);
    expect(uploads(log, 'owner-kbs-kv')).toEqual([
      [TRUSTEE_VM_SECRETS.httpsKey, `${out}/kbs-https.key`],
      [TRUSTEE_VM_SECRETS.httpsCert, `${out}/kbs-https.crt`],
      [TRUSTEE_VM_SECRETS.signerKey, `${out}/token-signer.key`],
      [TRUSTEE_VM_SECRETS.signerChain, `${out}/token-signer-chain.pem`],
    ]);
    expect(log).toMatch(/keep every \*\.key file offline/);
  });

  test('the script uploads exactly the secrets TrusteeVm reads, from the same files its uploadKeyMaterialCommands names', () => {
    const uploaded = uploads(log, 'owner-kbs-kv');
    const { state, ...ownerUploads } = TRUSTEE_VM_SECRETS;
    expect(uploaded.map(([name]) => name).sort()).toEqual(Object.values(ownerUploads).sort());
    expect(uploaded.map(([name]) => name)).not.toContain(state);
    const stack = new TerraformStack(Testing.app(), 'owner');
    const network = new PeerPodNetwork(stack, 'network', { resourceGroupName: 'rg', location: 'westeurope' });
    const vm = new TrusteeVm(stack, 'Kbs', vmProps(network));
    const fromConstruct = vm
      .uploadKeyMaterialCommands(out)
      .map((c) => c.replace(/--vault-name \S+/, '--vault-name owner-kbs-kv'))
      .join('\n');
    expect(uploads(fromConstruct, 'owner-kbs-kv')).toEqual(uploaded);
  });

  test('without VAULT_NAME the vault is a placeholder it points out; a VAULT_NAME that is not a vault name is refused', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kbs-pki-')), 'secrets');
    const { VAULT_NAME: _unset, ...inherited } = process.env;
    const env = { ...inherited, KBS_IP: '10.40.15.250' };
    const r = spawnSync('bash', [CREATE, dir], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(uploads(r.stdout, '<key-vault-name>')).toHaveLength(4);
    expect(r.stdout).toMatch(/<key-vault-name> is a placeholder: run with VAULT_NAME=/);
    const bad = spawnSync('bash', [CREATE, join(dir, 'other')], { env: { ...env, VAULT_NAME: 'kv; rm -rf ~' }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/VAULT_NAME must be a Key Vault name/);
  });

  test('--in-cluster-insecure prints the kubectl Secrets of the in-cluster Trustee, warning that the cluster admin then holds the keys', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kbs-pki-')), 'secrets');
    const r = spawnSync('bash', [CREATE, '--in-cluster-insecure', dir], {
      env: { ...process.env, KBS_IP: '10.224.0.250', NAMESPACE: 'kbs', VAULT_NAME: 'owner-kbs-kv' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DEVELOPMENT ONLY \(--in-cluster-insecure\)/);
    expect(r.stdout).toMatch(/The cluster admin then holds the keys/);
    expect(r.stdout).toContain(`kubectl -n kbs create secret tls kbs-https --cert="${dir}/kbs-https.crt" --key="${dir}/kbs-https.key"`);
    expect(r.stdout).toContain(
      `kubectl -n kbs create secret tls kbs-token-signer --cert="${dir}/token-signer-chain.pem" --key="${dir}/token-signer.key"`,
    );
    // Material the cluster admin has seen is not offered for the model owner's Key Vault.
    expect(uploads(r.stdout, 'owner-kbs-kv')).toEqual([]);
  });

  test('readKbsPublicMaterial reads the public halves only', () => {
    const material = readKbsPublicMaterial(out);
    expect(material.kbsCaPem).toBe(readFileSync(join(out, 'kbs-ca.pem'), 'utf8'));
    expect(createPublicKey(material.adminPublicKeyPem).asymmetricKeyType).toBe('ed25519');
    expect(JSON.stringify(material)).not.toMatch(/PRIVATE KEY/);
    expect(() => readKbsPublicMaterial(join(out, 'missing'))).toThrow(
      /kbs-ca.pem .* cannot be read; create the key material first: npx cai-create-key-material/,
    );
  });

  test('GIVEN the admin key WHEN a token is minted THEN it is an EdDSA JWT with role admin that the admin public key verifies', () => {
    const token = execFileSync('node', [MINT, join(out, 'admin.key'), '5'], { encoding: 'utf8' }).trim();
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims.role).toBe('admin');
    expect(claims.exp - claims.iat).toBe(300);
    const publicKey = createPublicKey(readFileSync(join(out, 'admin-public.pem')));
    expect(verify(null, Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  test.each([
    ['an existing directory', [CREATE], () => [out], { KBS_IP: '10.0.0.1' }, 1, /exists; remove it first/],
    ['no directory', [CREATE], () => [], {}, 2, /usage: KBS_IP=.*\[--in-cluster-insecure\] <new directory>/],
    ['an unknown flag', [CREATE], () => ['--in-cluster', join(out, 'new')], {}, 2, /usage: KBS_IP=/],
    ['two directories', [CREATE], () => [join(out, 'a'), join(out, 'b')], {}, 2, /usage: KBS_IP=/],
    ['a KBS_IP that is not an address', [CREATE], () => [join(out, 'new')], { KBS_IP: 'kbs.local' }, 2, /KBS_IP must be the IPv4 address/],
    ['no KBS_IP (the certificate would name a guessed address)', [CREATE], () => [join(out, 'new')], { KBS_IP: '' }, 2, /KBS_IP is required/],
  ])('create refuses %s', (_what, script, args, env, status, message) => {
    const r = spawnSync('bash', [...script, ...args()], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
  });

  test.each([
    ['no key', () => [], 2, /usage: cai-mint-admin-token/],
    ['a lifetime that is not minutes', () => [join(out, 'admin.key'), 'soon'], 2, /usage: cai-mint-admin-token/],
    ['a missing key', () => [join(out, 'nope.key')], 1, /cannot read the admin private key/],
    ['a key that is not Ed25519', () => [join(out, 'kbs-ca.key')], 1, /is a ec key; the KBS admin key is Ed25519/],
  ])('mint refuses %s', (_what, args, status, message) => {
    const r = spawnSync('node', [MINT, ...args()], { encoding: 'utf8' });
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('cai-create-workload-certs (workload TLS identities)', () => {
  const CERTS = join(ROOT, 'bin', 'create-workload-certs.sh');
  const dir = join(mkdtempSync(join(tmpdir(), 'workload-tls-')), 'tls');
  const run = (...args: string[]) => spawnSync('bash', [CERTS, ...args], { encoding: 'utf8' });
  const first = run(dir, 'key-manager=key-manager.confidential-ai.svc.cluster.local');
  const caBefore = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const second = run(dir, 'inference=inference.confidential-ai.svc.cluster.local,inference');
  const cert = (name: string) => new X509Certificate(readFileSync(join(dir, name)));

  test('GIVEN a new directory WHEN run THEN each workload certificate is issued by the workload CA for its DNS names, server and client auth', () => {
    expect([first.status, second.status]).toEqual([0, 0]);
    const ca = cert('ca.pem');
    for (const [name, dns] of [
      ['key-manager', 'key-manager.confidential-ai.svc.cluster.local'],
      ['inference', 'inference.confidential-ai.svc.cluster.local'],
    ]) {
      const c = cert(`${name}.crt`);
      expect(c.verify(ca.publicKey)).toBe(true);
      expect(c.subject).toBe(`CN=${name}`);
      expect(c.checkHost(dns)).toBe(dns);
      expect(c.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
      expect(c.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
      expect(statSync(join(dir, `${name}.key`)).mode & 0o077).toBe(0);
    }
    expect(cert('inference.crt').checkHost('inference')).toBe('inference');
  });

  test('a second run adds workloads under the same CA, and never overwrites an identity', () => {
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(caBefore);
    const again = run(dir, 'key-manager=key-manager.example');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/key-manager.key exists; a workload identity is never overwritten/);
  });

  test('GIVEN user:<name> WHEN run THEN the user certificate comes from a users CA of its own, client auth only, and never the workload CA', () => {
    const r = run(dir, 'user:alice');
    expect(r.status).toBe(0);
    const users = cert(join('users', 'ca.pem'));
    const alice = cert(join('users', 'alice.crt'));
    expect(users.ca).toBe(true);
    expect(users.subject).not.toBe(cert('ca.pem').subject);
    expect(alice.subject).toBe('CN=alice');
    expect(alice.verify(users.publicKey)).toBe(true);
    expect(alice.verify(cert('ca.pem').publicKey)).toBe(false);
    expect(alice.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(statSync(join(dir, 'users', 'alice.key')).mode & 0o077).toBe(0);
    expect(readFileSync(join(dir, 'ca.pem'), 'utf8')).toBe(caBefore);
    // WorkloadTls reads the users CA from the same directory.
    expect(WorkloadTls.fromDirectory(dir, { proxyImage: pinned('ghostunnel') }).usersCaCertPem).toBe(
      readFileSync(join(dir, 'users', 'ca.pem'), 'utf8'),
    );
    expect(run(dir, 'user:alice').stderr).toMatch(/users\/alice.key exists; a user identity is never overwritten/);
  });

  test.each([[['only-a-directory']], [['d', 'Key_Manager=x']], [['d', 'km=UPPER.example']], [['d', 'user:Alice']]])('refuses %p', (args) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage: cai-create-workload-certs|is not <workload>=<dns name>|is not user:<name>/);
  });
});
