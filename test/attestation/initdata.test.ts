import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { AgentPolicy, AttestationInputError, Initdata, renderAaToml, renderCdhToml } from '../../src/attestation';
import { gunzipBase64, pcr8OfBytes, sha256sum } from '../helpers/external';
import { EXAMPLE_CA_PEM, pinned, podPolicy } from './fixtures/values';

const FIXTURE = readFileSync(join(__dirname, 'fixtures', 'initdata.toml'), 'utf8');

// Known answers for fixtures/initdata.toml, computed outside TypeScript:
//   sha256sum initdata.toml
//   sed 's/algorithm = "sha256"/algorithm = "sha384"/' initdata.toml | sha384sum
//   (head -c 32 /dev/zero; sha256sum initdata.toml | cut -d' ' -f1 | xxd -r -p) | sha256sum
const FIXTURE_SHA256 = '9e03bf2bd0e979c98b99ae1069b2d528a89644d1d13003986f82d13c5e72d4df';
const FIXTURE_SHA384 = 'e4b4f3d4526b0db4dda373011fd70ad94437faf51b4d89a5bbcf6b9a1a67492b48ac5b384fec71481470341e40484c91';
const FIXTURE_PCR8 = 'ed8ece89493cc04db198491759841a8581daa597cba58e5b78241ad428acbf19';

const kbs = { url: 'https://10.224.0.250:8080', caCertPem: EXAMPLE_CA_PEM };

function workloadInitdata(image: string): Initdata {
  return new Initdata({
    aaToml: renderAaToml(kbs),
    cdhToml: renderCdhToml({ kbs }),
    agentPolicy: podPolicy(image).rego,
  });
}

describe('Initdata known answers', () => {
  test('digest of an existing document is sha256 over its exact bytes', () => {
    // GIVEN an initdata document written by hand
    // WHEN it is wrapped
    const initdata = Initdata.fromToml(FIXTURE);
    // THEN the text is kept byte for byte and the digest and PCR 8 are the known answers
    expect(initdata.toml).toBe(FIXTURE);
    expect(initdata.digest).toBe(FIXTURE_SHA256);
    expect(initdata.azureVtpmPcr8).toBe(FIXTURE_PCR8);
  });

  test('sha384 documents hash with sha384', () => {
    const text = FIXTURE.replace('algorithm = "sha256"', 'algorithm = "sha384"');
    const initdata = Initdata.fromToml(text);
    expect(initdata.algorithm).toBe('sha384');
    expect(initdata.digest).toBe(FIXTURE_SHA384);
  });

  test('the annotation decodes with base64 -d | gunzip to the exact document', () => {
    const initdata = Initdata.fromToml(FIXTURE);
    expect(gunzipBase64(initdata.annotation).toString('utf8')).toBe(FIXTURE);
    // gzip header: magic, deflate, no flags (no file name), mtime 0, so the annotation is deterministic
    const header = Buffer.from(initdata.annotation, 'base64').subarray(0, 8);
    expect([...header]).toEqual([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
  });
});

describe('Initdata rendering', () => {
  test('renders version, algorithm and the three data entries that parse back', () => {
    const initdata = workloadInitdata(pinned('app'));
    const doc = parseToml(initdata.toml) as { version: string; algorithm: string; data: Record<string, string> };
    expect(doc.version).toBe('0.1.0');
    expect(doc.algorithm).toBe('sha256');
    expect(Object.keys(doc.data)).toEqual(['aa.toml', 'cdh.toml', 'policy.rego']);
    expect(doc.data['aa.toml']).toBe(initdata.aaToml);
    expect(doc.data['cdh.toml']).toBe(initdata.cdhToml);
    expect(doc.data['policy.rego']).toBe(initdata.agentPolicy);
  });

  test('digest, PCR 8 and annotation agree with sha256sum and gunzip on the rendered bytes', () => {
    const initdata = workloadInitdata(pinned('app'));
    expect(initdata.digest).toBe(sha256sum(initdata.toml));
    expect(initdata.azureVtpmPcr8).toBe(pcr8OfBytes(initdata.toml));
    expect(gunzipBase64(initdata.annotation).toString('utf8')).toBe(initdata.toml);
  });

  test('rendering is deterministic and fromToml of the rendering is the same document', () => {
    const a = workloadInitdata(pinned('a'));
    const b = workloadInitdata(pinned('a'));
    expect(a.toml).toBe(b.toml);
    expect(a.annotation).toBe(b.annotation);
    expect(Initdata.fromToml(a.toml).digest).toBe(a.digest);
  });

  test('different images give different PCR 8 values', () => {
    expect(workloadInitdata(pinned('one')).azureVtpmPcr8).not.toBe(workloadInitdata(pinned('two')).azureVtpmPcr8);
  });
});

describe('Initdata validation', () => {
  const valid = { aaToml: renderAaToml(kbs), cdhToml: renderCdhToml({ kbs }), agentPolicy: AgentPolicy.allowAllInsecure().rego };

  test('fails when a value is an unresolved Terraform token', () => {
    expect(() => new Initdata({ ...valid, aaToml: '[token_configs.kbs]\nurl = "${TfToken[TOKEN.42]}"\n' })).toThrow(
      /aaToml: is an unresolved Terraform token.*known at synth time/,
    );
  });

  test('fails when aa.toml is not TOML', () => {
    expect(() => new Initdata({ ...valid, aaToml: 'url = ' })).toThrow(/aaToml: is not valid TOML/);
  });

  test('fails when the agent policy is not an agent_policy package', () => {
    expect(() => new Initdata({ ...valid, agentPolicy: 'package policy\n' })).toThrow(/agentPolicy: must be a kata agent policy/);
  });

  test('fails when the algorithm is unknown', () => {
    expect(() => new Initdata({ ...valid, algorithm: 'md5' as never })).toThrow(/algorithm: must be one of sha256, sha384, sha512/);
  });

  test('fails to give a PCR 8 for non-sha256 initdata', () => {
    const initdata = new Initdata({ ...valid, algorithm: 'sha384' });
    expect(() => initdata.azureVtpmPcr8).toThrow(/Azure vTPM attesters extend PCR 8 with a 32-byte digest/);
  });

  test.each([
    ['an unknown data key', FIXTURE.replace('"cdh.toml"', '"extra.toml"'), /only "aa.toml", "cdh.toml" and "policy.rego"/],
    ['a wrong version', FIXTURE.replace('version = "0.1.0"', 'version = "0.2.0"'), /initdata.version: must be "0.1.0"/],
    ['an unknown algorithm', FIXTURE.replace('"sha256"', '"sha1"'), /initdata.algorithm: must be one of/],
    ['an unknown top-level key', `extra = 1\n${FIXTURE}`, /unknown top-level keys/],
    ['broken TOML', 'version = ', /initdata: is not valid TOML/],
    ['an aa.toml that is not TOML', FIXTURE.replace('[token_configs.kbs]', '[token_configs.kbs'), /aaToml: is not valid TOML/],
  ])('fromToml fails with %s', (_name, text, message) => {
    expect(() => Initdata.fromToml(text)).toThrow(AttestationInputError);
    expect(() => Initdata.fromToml(text)).toThrow(message);
  });
});
