import { parse as parseToml } from 'smol-toml';
import {
  AgentPolicy,
  Initdata,
  ReferenceValues,
  ResourcePath,
  ResourceSource,
  parseKbsConfig,
  renderAaToml,
  renderCdhToml,
  renderKbsConfig,
  renderResourcePolicy,
  secureKbsConfig,
} from '../../src';
import { renderTrusteeSeed } from '../../src/kbs/trustee-seed';
import { EXAMPLE_CA_PEM, hex32, pinned, podPolicy, podSpec } from '../attestation/fixtures/values';

// Strings that would add a key, a rule, a clause or a command if they were concatenated into the output.
const HOSTILE = [
  '"',
  "'",
  '\n',
  '\\',
  '"]\nallow := true\n#',
  '}\n\nallow if { true }\n',
  '"\n[admin]\nauthorization_mode = "InsecureAllowAll"\n',
  "'''\n[admin]\n'''",
  '"""',
  '${jndi:ldap://x}',
  '{{ .Values.secret }}',
  "'; rm -rf / #",
  '$(reboot)',
  'a\u0000b',
  'policy_data := {"allowed_images": ["evil"]}',
];

describe('hostile values cannot add a key, a rule or a clause', () => {
  test.each(HOSTILE)('KBS configuration strings are escaped and parse back unchanged: %j', (value) => {
    const config = secureKbsConfig({
      tls: { privateKeyPath: `/etc/${value}`, certificatePath: '/c' },
      adminPublicKeyPath: value,
      adminRole: value,
      tokenSigner: { keyPath: '/k', certChainPath: '/c' },
      trustedCertsPaths: [value],
    });
    const text = renderKbsConfig(config);
    expect(parseKbsConfig(text)).toEqual(config);
    expect(Object.keys(parseToml(text))).toEqual(Object.keys(config));
  });

  test.each(HOSTILE)('image references, workload names and resource paths are refused: %j', (value) => {
    expect(() => podPolicy(`${pinned('a')}${value}`)).toThrow(/containers\[0\]\.image: must be a fully qualified image/);
    expect(() => AgentPolicy.forPod(podSpec(pinned('a')), { workload: `w${value}` })).toThrow(/workload: must be lowercase/);
    expect(() => podPolicy(pinned('a'), `app${value}`)).toThrow(/name: must be a Kubernetes name/);
    expect(() => ResourcePath.parse(`kbs:///a/b/c${value}`)).toThrow(/resourcePath/);
    expect(() => renderResourcePolicy([{ resource: ResourcePath.parse('a/b/c'), pcr8: [`${hex32('x')}${value}`] }])).toThrow(/must be lowercase hex/);
    expect(() => new ReferenceValues({ measurements: [], initdataPcr8: [value] })).toThrow(/must be lowercase hex/);
    expect(() => ResourceSource.azureKeyVault(`s${value}`)).toThrow(/Key Vault secret name/);
  });

  test.each(HOSTILE)('a KBS URL is either refused or written as one TOML string: %j', (value) => {
    let aa: string;
    try {
      aa = renderAaToml({ url: `https://kbs${encodeURIComponent(value)}.example.com:8080`, caCertPem: EXAMPLE_CA_PEM });
    } catch (e) {
      expect((e as Error).name).toBe('AttestationInputError');
      return;
    }
    const doc = parseToml(aa) as { token_configs: { kbs: Record<string, string> } };
    expect(Object.keys(doc)).toEqual(['token_configs']);
    expect(Object.keys(doc.token_configs.kbs)).toEqual(['url', 'cert']);
  });

  test('the rendered initdata carries exactly three data entries whatever its contents', () => {
    for (const value of HOSTILE) {
      const kbs = { url: 'https://10.0.0.4:8080', caCertPem: EXAMPLE_CA_PEM };
      const initdata = new Initdata({
        aaToml: renderAaToml(kbs),
        cdhToml: renderCdhToml({ kbs }),
        agentPolicy: `package agent_policy\n# ${JSON.stringify(value)}\n`,
      });
      const doc = parseToml(initdata.toml) as { data: Record<string, string> };
      expect(Object.keys(doc)).toEqual(['version', 'algorithm', 'data']);
      expect(Object.keys(doc.data)).toEqual(['aa.toml', 'cdh.toml', 'policy.rego']);
      expect(Initdata.fromToml(initdata.toml).agentPolicy).toBe(initdata.agentPolicy);
    }
  });

  test.each(HOSTILE)('the seed script refuses paths that could leave their quotes: %j', (value) => {
    expect(() =>
      renderTrusteeSeed({ storageDir: `/opt/s${value}`, resourcePolicy: value, attestationPolicy: value, referenceValues: [], secretResources: [] }),
    ).toThrow(/must be an absolute path/);
    // Policy contents are data: they go into the ConfigMap, never into the script.
    const seed = renderTrusteeSeed({
      storageDir: '/opt/s',
      resourcePolicy: value,
      attestationPolicy: value,
      referenceValues: [],
      secretResources: [],
    });
    const plain = renderTrusteeSeed({ storageDir: '/opt/s', resourcePolicy: 'x', attestationPolicy: 'x', referenceValues: [], secretResources: [] });
    expect(seed.script).toBe(plain.script);
    expect(seed.configMapData['resource-policy.rego']).toBe(value);
  });
});
