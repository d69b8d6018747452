import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { gunzipSync } from 'node:zlib';
import { ExternalKbs, KeyManager, ResourceSource, Trustee, TrusteeVm, ConfidentialInference, ModelSource } from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack, resourceOf, synth } from '../helpers/synth';
import { vmProps } from './fixtures';
import { PUBLIC_MATERIAL, clusterParts, tlsOf, trusteeProps } from '../kubernetes/fixtures';
import { TestWorkload } from '../helpers/workload-identity';

const ATTESTATION = { referenceValuesExpire: '2027-12-31T00:00:00Z', snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 } };

function external(scope: Construct): ExternalKbs {
  return new ExternalKbs(scope, 'Kbs', { url: 'https://kbs.owner.example:8443', caCertPem: PUBLIC_MATERIAL.kbsCa, ...ATTESTATION });
}

/** The same two workloads, against a KBS built by `kbsOf`. */
function deployment<K extends ExternalKbs | Trustee | TrusteeVm>(stack: TerraformStack, kbsOf: (parts: ReturnType<typeof clusterParts>) => K): K {
  const parts = clusterParts(stack);
  const kbs = kbsOf(parts);
  kbs.trustImage(parts.image);
  const km = new KeyManager(stack, 'km', {
    runtime: parts.runtime,
    kbs,
    image: pinned('key-manager'),
    command: ['/app/server'],
    runAsUser: 1000,
    ...tlsOf('key-manager'),
  });
  new ConfidentialInference(stack, 'inf', {
    runtime: parts.runtime,
    kbs,
    image: pinned('vllm'),
    command: ['/app/server'],
    runAsUser: 1000,
    model: ModelSource.encryptedImage({ decryptionKey: 'kbs:///enkrypt/model/key' }),
    keyManager: km,
    ...tlsOf('inference'),
  });
  return kbs;
}

describe('ExternalKbs', () => {
  let kbs: ExternalKbs | undefined;
  synth((stack) => {
    kbs = deployment(stack, () => external(stack));
  });
  const files = kbs!.bundle();

  test('renders the same policies and reference values as any other placement of the same deployment', () => {
    let trustee: Trustee | undefined;
    synth((stack) => {
      trustee = deployment(stack, (parts) => new Trustee(stack, 'Kbs', { ...trusteeProps(parts.network), ...ATTESTATION }));
    });
    // The initdata differs (another KBS URL and CA), so the PCR 8 values do; everything else is the same derivation.
    const pcr8s = (k: ExternalKbs | Trustee | TrusteeVm) => k.state.registeredWorkloads.map((w) => w.pcr8);
    const normalize = (text: string, k: ExternalKbs | Trustee | TrusteeVm) => pcr8s(k).reduce((t, p, i) => t.split(p).join(`<workload ${i}>`), text);
    expect(normalize(files['resource-policy.rego'], kbs!)).toBe(normalize(trustee!.state.resourcePolicy(), trustee!));
    expect(files['attestation-policy.rego']).toBe(trustee!.state.attestationPolicy());
    expect(files['attestation-policy.rego']).toBe(kbs!.state.attestationPolicy());

    // The Trustee VM of the same deployment receives the same documents through its Key Vault state secret.
    let vm: TrusteeVm | undefined;
    const vmJson = synth((stack) => {
      vm = deployment(stack, (parts) => new TrusteeVm(stack, 'Kbs', { ...vmProps(parts.network), ...ATTESTATION }));
    });
    const doc = JSON.parse(gunzipSync(Buffer.from(resourceOf(vmJson, 'azurerm_key_vault_secret', 'State').value as string, 'base64')).toString()) as {
      files: Record<string, string>;
    };
    expect(doc.files['attestation_service_policy/default_cpu.rego']).toBe(files['attestation-policy.rego']);
    expect(normalize(doc.files['kbs/resource-policy.rego'], vm!)).toBe(normalize(files['resource-policy.rego'], kbs!));
    const vmValues = Object.fromEntries(
      Object.entries(doc.files)
        .filter(([n]) => n.startsWith('reference_value/'))
        .map(([n, r]) => [n.slice('reference_value/'.length), JSON.parse(r).value]),
    );
    const bundleValues = JSON.parse(files['reference-values.json']) as Record<string, unknown>;
    expect(Object.keys(vmValues).sort()).toEqual(Object.keys(bundleValues).sort());
    for (const name of Object.keys(bundleValues).filter((n) => n !== 'initdata.pcr08'))
      expect([name, vmValues[name]]).toEqual([name, bundleValues[name]]);
  });

  test('request bodies carry exactly the documents beside them, in the encodings Trustee v0.21.0 reads', () => {
    const attestation = JSON.parse(files['requests/attestation-policy.json']);
    expect(Object.keys(attestation).sort()).toEqual(['policy', 'policy_id']);
    expect(attestation.policy_id).toBe('default_cpu');
    expect(attestation.policy).not.toMatch(/[=+/]/);
    expect(Buffer.from(attestation.policy, 'base64url').toString()).toBe(files['attestation-policy.rego']);
    expect(Buffer.from(JSON.parse(files['requests/resource-policy.json']).policy, 'base64url').toString()).toBe(files['resource-policy.rego']);
    const message = JSON.parse(files['requests/reference-values.json']);
    expect(message).toMatchObject({ version: '0.1.0', type: 'sample' });
    expect(JSON.parse(Buffer.from(message.payload, 'base64').toString())).toEqual(JSON.parse(files['reference-values.json']));
    expect(JSON.parse(files['reference-values.json'])['initdata.pcr08']).toEqual(kbs!.state.registeredWorkloads.map((w) => w.pcr8).sort());
  });

  test('the bundle pins the KBS CA, lists the out-of-band resources, and reports who receives what', () => {
    expect(files['kbs-ca.pem']).toBe(PUBLIC_MATERIAL.kbsCa.endsWith('\n') ? PUBLIC_MATERIAL.kbsCa : `${PUBLIC_MATERIAL.kbsCa}\n`);
    expect(files['apply.sh']).toContain('set-resource --path enkrypt/key-manager/private-key --resource-file <file>');
    expect(files['trust-report.md']).toMatch(/^# Trust report: KBS https:\/\/kbs.owner.example:8443/);
    expect(() => execFileSync('sh', ['-n'], { input: files['apply.sh'] })).not.toThrow();
  });

  test("the bundle's README states the availability and audit the KBS operator must provide", () => {
    expect(files['README.md']).toMatch(/^# KBS bundle for https:\/\/kbs.owner.example:8443\n/);
    for (const duty of ['More than one replica', 'session affinity', 'GET /healthz', 'one replica at a time', 'every release and refusal'])
      expect(files['README.md']).toContain(duty);
  });

  test('GIVEN a KBS admin API WHEN apply.sh runs THEN it posts each body to its endpoint with the admin token over the pinned CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbs-bundle-'));
    const written = kbs!.writeBundle(join(dir, 'bundle'));
    expect(written).toContain(join(dir, 'bundle', 'apply.sh'));
    expect(statSync(join(dir, 'bundle', 'apply.sh')).mode & 0o111).not.toBe(0);
    // A local HTTPS server with its own CA stands in for the admin API and records what it receives.
    const pki = join(dir, 'pki');
    execFileSync('bash', [join(__dirname, '..', '..', 'bin', 'create-key-material.sh'), pki], {
      env: { ...process.env, KBS_IP: '127.0.0.1' },
      stdio: 'ignore',
    });
    const received: Array<{ method: string; url: string; auth: string; type: string; body: string }> = [];
    const server = createServer({ key: readFileSync(join(pki, 'kbs-https.key')), cert: readFileSync(join(pki, 'kbs-https.crt')) }, (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({
          method: req.method!,
          url: req.url!,
          auth: String(req.headers.authorization),
          type: String(req.headers['content-type']),
          body,
        });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const token = join(dir, 'admin-token.jwt');
      writeFileSync(token, 'header.payload.signature\n');
      await promisify(execFile)('sh', [join(dir, 'bundle', 'apply.sh')], {
        env: { ...process.env, KBS_URL: `https://127.0.0.1:${port}`, KBS_CA: join(pki, 'kbs-ca.pem'), ADMIN_TOKEN_FILE: token },
      });
    } finally {
      server.close();
    }
    expect(received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /kbs/v0/reference-value',
      'POST /kbs/v0/attestation-policy',
      'POST /kbs/v0/resource-policy',
    ]);
    expect(received.every((r) => r.auth === 'Bearer header.payload.signature' && r.type === 'application/json')).toBe(true);
    expect(received.map((r) => r.body)).toEqual([
      files['requests/reference-values.json'],
      files['requests/attestation-policy.json'],
      files['requests/resource-policy.json'],
    ]);
  });

  test('synth fails when a resource comes from a source the external KBS cannot read', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const k = external(stack);
    k.declareResource('a/b/c', ResourceSource.kubernetesSecret('s', 'k'));
    k.grantResources(new TestWorkload(stack, 'w', 'a'.repeat(64)), 'a/b/c');
    expect(() => Testing.synth(stack, true)).toThrow(
      /\[s\/Kbs\] kbs:\/\/\/a\/b\/c comes from Kubernetes Secret s\[k\], which a ExternalKbs cannot read; use ResourceSource.outOfBand\(\)/,
    );
  });

  test.each([
    [{ url: 'http://10.0.0.5:8080' }, /ExternalKbs test\/Kbs: url: http:\/\/10.0.0.5:8080 is plain HTTP/],
    [{ url: 'kbs.example' }, /url: must be the KBS base URL/],
    [{ caCertPem: 'not a pem' }, /caCertPem: must be one PEM certificate .* with no text around it: the CA of the KBS/],
    [{ referenceValuesExpire: '2020-01-01T00:00:00Z' }, /referenceValuesExpire: is 2020-01-01T00:00:00Z, before Trustee v0.21.0 was even released/],
  ])('fails on %p', (override, message) => {
    expect(
      () => new ExternalKbs(emptyStack(), 'Kbs', { url: 'https://kbs.example', caCertPem: PUBLIC_MATERIAL.kbsCa, ...ATTESTATION, ...override }),
    ).toThrow(message);
  });

  test('plain HTTP only for development, with a warning', () => {
    const k = new ExternalKbs(emptyStack(), 'Kbs', {
      url: 'http://10.0.0.5:8080',
      caCertPem: PUBLIC_MATERIAL.kbsCa,
      ...ATTESTATION,
      plainHttpInsecure: true,
    });
    expect(k.node.metadata.map((m) => m.data)).toContainEqual(expect.stringContaining('plainHttpInsecure: http'));
  });

  test('the earlier spelling allowInsecureHttpForDevelopment still works, with a deprecation warning', () => {
    const k = new ExternalKbs(emptyStack(), 'Kbs', {
      url: 'http://10.0.0.5:8080',
      caCertPem: PUBLIC_MATERIAL.kbsCa,
      ...ATTESTATION,
      allowInsecureHttpForDevelopment: true,
    });
    expect(k.node.metadata.map((m) => m.data)).toContainEqual(
      'allowInsecureHttpForDevelopment is deprecated: use plainHttpInsecure (the same setting)',
    );
    expect(k.kbsEndpoint.url).toBe('http://10.0.0.5:8080');
  });
});
