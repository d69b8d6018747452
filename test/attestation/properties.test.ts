import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import {
  AgentPolicy,
  Initdata,
  ReferenceValues,
  parseKbsConfig,
  renderAaToml,
  renderCdhToml,
  renderKbsConfig,
  secureKbsConfig,
} from '../../src/attestation';
import { EXAMPLE_CA_PEM, podPolicy } from './fixtures/values';

// Bounded runs keep `npm test` fast; fast-check prints the seed and the shrunk counterexample on failure.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 60) };

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const port = fc.integer({ min: 1, max: 65535 });
const repo = fc.stringMatching(/^[a-z0-9]{1,12}(\/[a-z0-9]{1,8}){0,2}$/);
const image = fc.tuple(repo, hex64).map(([r, d]) => `example.azurecr.io/${r}@sha256:${d}`);
const hostile = fc.string({ unit: 'binary', maxLength: 40 });

describe('properties of the attestation core', () => {
  test('any accepted workload renders initdata that parses back to the same values, deterministically', () => {
    fc.assert(
      fc.property(ipv4, port, fc.uniqueArray(image, { minLength: 1, maxLength: 4 }), fc.boolean(), (ip, p, images, logs) => {
        const kbs = { url: `https://${ip}:${p}`, caCertPem: EXAMPLE_CA_PEM };
        const make = (): Initdata =>
          new Initdata({
            aaToml: renderAaToml(kbs),
            cdhToml: renderCdhToml({ kbs }),
            agentPolicy: AgentPolicy.forPod(
              {
                namespace: 'ns',
                name: 'app',
                annotations: {},
                initContainers: [],
                containers: images.map((img, i) => ({
                  name: `c${i}`,
                  image: img,
                  command: ['/bin/app'],
                  env: [],
                  volumeMounts: [],
                  readOnlyRootFilesystem: true,
                  runAsUser: 1000,
                })),
              },
              { allowLogStreaming: logs },
            ).rego,
          });
        const a = make();
        const b = make();
        expect(a.toml).toBe(b.toml);
        const back = Initdata.fromToml(a.toml);
        expect([back.aaToml, back.cdhToml, back.agentPolicy, back.digest]).toEqual([a.aaToml, a.cdhToml, a.agentPolicy, a.digest]);
        expect((parseToml(a.aaToml) as { token_configs: { kbs: { url: string } } }).token_configs.kbs.url).toBe(kbs.url);
      }),
      RUNS,
    );
  });

  test('hostile strings in the KBS configuration are escaped, never add keys, and parse back unchanged', () => {
    fc.assert(
      fc.property(
        hostile.filter((s) => s.length > 0),
        hostile.filter((s) => s.length > 0),
        (path, role) => {
          const config = secureKbsConfig({
            tls: { privateKeyPath: path, certificatePath: '/c' },
            adminPublicKeyPath: '/a',
            adminRole: role,
            tokenSigner: { keyPath: '/k', certChainPath: '/c' },
            trustedCertsPaths: ['/ca'],
          });
          const text = renderKbsConfig(config);
          expect(parseKbsConfig(text)).toEqual(config);
        },
      ),
      RUNS,
    );
  });

  test('reference values do not depend on the order of images or workloads', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hex64, { minLength: 1, maxLength: 5 }), fc.uniqueArray(hex64, { minLength: 1, maxLength: 5 }), (pcr11s, pcr8s) => {
        const sets = pcr11s.map((v) => ({ tee: 'az-snp-vtpm' as const, pcrs: { 11: v } }));
        const a = new ReferenceValues({ measurements: sets, initdataPcr8: pcr8s });
        const b = new ReferenceValues({ measurements: [...sets].reverse(), initdataPcr8: [...pcr8s].reverse() });
        expect(a.localJsonStore('2030-01-01T00:00:00Z')).toBe(b.localJsonStore('2030-01-01T00:00:00Z'));
        expect(a.sampleMessage()).toBe(b.sampleMessage());
      }),
      RUNS,
    );
  });

  test('any string is either a valid pinned image or refused with the field named, never a crash', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        try {
          expect(podPolicy(s).data.images).toContain(s);
        } catch (e) {
          expect((e as Error).name).toBe('AttestationInputError');
          expect((e as Error).message).toMatch(/^containers\[0\]\.image: /);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });

  test('any env value or argument is pinned exactly as JSON data, or refused; it never changes the rules', () => {
    const head = (rego: string): string => rego.slice(0, rego.indexOf('policy_data := {'));
    const rules = head(podPolicy(`example.azurecr.io/a@sha256:${'0'.repeat(64)}`).rego);
    fc.assert(
      fc.property(hostile, hostile, (value, arg) => {
        const pod = {
          namespace: 'ns',
          name: 'app',
          annotations: {},
          initContainers: [],
          containers: [
            {
              name: 'app',
              image: `example.azurecr.io/a@sha256:${'0'.repeat(64)}`,
              command: ['/bin/app', arg],
              env: [{ name: 'V', value }],
              volumeMounts: [],
              readOnlyRootFilesystem: true,
              runAsUser: 1000,
            },
          ],
        };
        let rego: string;
        try {
          rego = AgentPolicy.forPod(pod).rego;
        } catch (e) {
          expect((e as Error).message).toMatch(/^containers\[0\]\.(env\.V|command\[1\]): contains "\$\(" or "\$\$"|is an unresolved Terraform token/);
          return;
        }
        expect(head(rego)).toBe(rules);
        const data = JSON.parse(rego.slice(rego.indexOf('policy_data := {') + 'policy_data := '.length));
        expect(data.containers[0].args).toEqual(['/bin/app', arg]);
        expect(data.containers[0].env).toContain(`V=${value}`);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });
});
