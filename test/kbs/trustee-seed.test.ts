import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReferenceValues, ResourcePath } from '../../src';
import { renderTrusteeSeed } from '../../src/kbs/trustee-seed';
import { hex32 } from '../attestation/fixtures/values';

describe('Trustee seed', () => {
  const records = new ReferenceValues({ measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('x') } }], initdataPcr8: [hex32('w')] }).records(
    '2027-01-01T00:00:00Z',
  );

  test('the init script, run by sh, writes every file under the flat LocalFs name Trustee reads', () => {
    // GIVEN a seed rendered for a storage directory and a Secret-backed resource
    const root = mkdtempSync(join(tmpdir(), 'kbs-seed-'));
    const storage = join(root, 'storage');
    const seedDir = join(root, 'seed');
    const secretFile = join(root, 'resources', '0', 'value');
    mkdirSync(join(root, 'resources', '0'), { recursive: true });
    writeFileSync(secretFile, 'model-key-bytes');
    const seed = renderTrusteeSeed({
      storageDir: storage,
      seedMount: seedDir,
      resourcePolicy: 'package policy\n',
      attestationPolicy: 'package policy\n# cpu\n',
      referenceValues: records,
      secretResources: [{ resource: ResourcePath.parse('default/key/k1'), mountedFile: secretFile }],
    });
    mkdirSync(seedDir);
    for (const [key, content] of Object.entries(seed.configMapData)) writeFileSync(join(seedDir, key), content);
    mkdirSync(join(storage, 'reference_value'), { recursive: true });
    writeFileSync(join(storage, 'reference_value', 'stale.pcr08'), 'old');

    // WHEN the script runs
    execFileSync('sh', ['-c', seed.script]);

    // THEN the files are where Trustee v0.21.0 looks for them, stale reference values are gone
    expect(readFileSync(join(storage, 'kbs', 'resource-policy.rego'), 'utf8')).toBe('package policy\n');
    expect(readFileSync(join(storage, 'attestation_service_policy', 'default_cpu.rego'), 'utf8')).toContain('# cpu');
    expect(readdirSync(join(storage, 'reference_value')).sort()).toEqual(['az-snp-vtpm.pcr11', 'initdata.pcr08']);
    expect(JSON.parse(readFileSync(join(storage, 'reference_value', 'initdata.pcr08'), 'utf8'))).toMatchObject({
      name: 'initdata.pcr08',
      value: [hex32('w')],
    });
    expect(readdirSync(join(storage, 'repository'))).toEqual(['default\\x2Fkey\\x2Fk1']);
    expect(readFileSync(join(storage, 'repository', 'default\\x2Fkey\\x2Fk1'), 'utf8')).toBe('model-key-bytes');
    expect(existsSync(join(storage, 'repository', 'default'))).toBe(false);
  });

  test('ConfigMap keys are valid Kubernetes keys', () => {
    const seed = renderTrusteeSeed({
      storageDir: '/opt/confidential-containers/storage',
      resourcePolicy: 'a',
      attestationPolicy: 'b',
      referenceValues: records,
      secretResources: [],
    });
    for (const key of Object.keys(seed.configMapData)) expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
  });

  test('the checksum changes with any seeded byte and not otherwise', () => {
    const base = { storageDir: '/opt/s', resourcePolicy: 'a', attestationPolicy: 'b', referenceValues: records, secretResources: [] };
    expect(renderTrusteeSeed(base).checksum).toBe(renderTrusteeSeed({ ...base }).checksum);
    expect(renderTrusteeSeed({ ...base, resourcePolicy: 'a ' }).checksum).not.toBe(renderTrusteeSeed(base).checksum);
  });

  test('fails for a storage directory that could break out of the script quoting', () => {
    expect(() =>
      renderTrusteeSeed({
        storageDir: "/opt/x'; rm -rf /; '",
        resourcePolicy: 'a',
        attestationPolicy: 'b',
        referenceValues: [],
        secretResources: [],
      }),
    ).toThrow(/must be an absolute path/);
  });
});
