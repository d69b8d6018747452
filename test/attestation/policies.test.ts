import { ReferenceValues, ResourcePath, renderAttestationPolicy, renderResourcePolicy } from '../../src/attestation';
import { EAR_TRUST_CLAIMS } from '../../src/attestation/attestation-policy';
import { resourceBindingTable } from '../../src/attestation/resource-policy';
import { hex32 } from './fixtures/values';

const EXPIRATION = '2030-01-01T00:00:00Z';

function queriedIds(rego: string): string[] {
  return [...rego.matchAll(/query_reference_value\("([^"]+)"\)/g)].map((m) => m[1]);
}

/** The JSON object literal assigned to `name` in a rego document (the data part of a fixed template). */
function jsonAssignment(rego: string, name: string): unknown {
  const start = rego.indexOf(`${name} := `);
  const text = rego.slice(start + name.length + 4);
  const open = text[0];
  const close = open === '{' ? '}' : ']';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === open) depth++;
    if (text[i] === close && --depth === 0) return JSON.parse(text.slice(0, i + 1));
  }
  throw new Error(`no ${name}`);
}

describe('attestation policy', () => {
  const rv = new ReferenceValues({
    measurements: [
      { tee: 'az-snp-vtpm', pcrs: { 3: hex32('s3'), 9: hex32('s9'), 11: hex32('s11') }, snpLaunchMeasurement: 'ab'.repeat(48) },
      { tee: 'az-tdx-vtpm', pcrs: { 3: hex32('t3'), 9: hex32('t9'), 11: hex32('t11') } },
    ],
    initdataPcr8: [hex32('workload')],
    snpTcbFloor: { bootloader: '4', tee: '0', snp: '22', microcode: '210' },
  });
  const rego = renderAttestationPolicy(rv);

  test('is package policy with rego v1 and only valid EAR trust claim keys', () => {
    expect(rego.startsWith('package policy\n\nimport rego.v1\n')).toBe(true);
    const block = rego.slice(rego.indexOf('trust_claims := {'), rego.indexOf('}', rego.indexOf('trust_claims := {')));
    const keys = [...block.matchAll(/"([a-z-]+)":/g)].map((m) => m[1]);
    expect(keys.sort()).toEqual([...EAR_TRUST_CLAIMS].sort());
  });

  test('defines the extensions rule the token broker evaluates, as an empty list', () => {
    expect(rego).toContain('\nextensions := []\n');
  });

  test('queries exactly the reference values that the records provide (no drift)', () => {
    const names = rv.records(EXPIRATION).map((r) => r.name);
    expect([...new Set(queriedIds(rego))].sort()).toEqual([...names].sort());
  });

  test('checks every image PCR, the launch measurement, PCR 8 and debug for SNP', () => {
    expect(rego).toContain('input["az-snp-vtpm"].tpm.pcr03 in query_reference_value("az-snp-vtpm.pcr03")');
    expect(rego).toContain('input["az-snp-vtpm"].tpm.pcr11 in query_reference_value("az-snp-vtpm.pcr11")');
    expect(rego).toContain('input["az-snp-vtpm"].measurement in query_reference_value("az-snp-vtpm.measurement")');
    expect(rego).toContain('input["az-snp-vtpm"].policy_debug_allowed == "false"');
    expect(rego).toContain('input["az-snp-vtpm"].tpm.pcr08 in query_reference_value("initdata.pcr08")');
    expect(rego).toContain(
      'to_number(input["az-snp-vtpm"].reported_tcb_microcode) >= to_number(query_reference_value("az-snp-vtpm.min_tcb_microcode"))',
    );
  });

  test('checks the TD debug attribute, the Intel quote and the TCB status for TDX', () => {
    expect(rego).toContain('input["az-tdx-vtpm"].td_attributes.debug == false');
    expect(rego).toContain('input["az-tdx-vtpm"].tpm.pcr08 in query_reference_value("initdata.pcr08")');
    expect(rego).toContain('input["az-tdx-vtpm"].tcb_status in ["UpToDate"]');
  });

  test('has no rules for a TEE without measurements, so its evidence stays unaffirmed', () => {
    const snpOnly = renderAttestationPolicy(
      new ReferenceValues({ measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('x') } }], initdataPcr8: [] }),
    );
    expect(snpOnly).not.toContain('input["az-tdx-vtpm"]');
    expect(snpOnly).toContain('default executables := 33');
  });

  test('fails when a TDX TCB status is not a plain word', () => {
    expect(() => renderAttestationPolicy(rv, { tdxAcceptedTcbStatuses: ['UpToDate"] }\nallow := true #'] })).toThrow(
      /tdxAcceptedTcbStatuses\[0\]: must be a TCB status word/,
    );
  });
});

describe('resource policy', () => {
  const key = ResourcePath.parse('kbs:///enkrypt/key-manager/private-key');
  const model = ResourcePath.parse('kbs:///enkrypt/model/decryption-key');
  const km = hex32('key-manager');
  const inf = hex32('inference');
  const rego = renderResourcePolicy([
    { resource: model, pcr8: [inf] },
    { resource: key, pcr8: [km] },
  ]);

  test('binds each resource path to exactly the workloads that declared it', () => {
    expect(jsonAssignment(rego, 'resource_bindings')).toEqual({
      'enkrypt/key-manager/private-key': [km],
      'enkrypt/model/decryption-key': [inf],
    });
  });

  test('is default deny and requires affirming appraisals and the bound PCR 8', () => {
    expect(rego).toContain('default allow := false');
    expect(rego).toContain('\tevery _, submod in input.submods {\n\t\tsubmod["ear.status"] == "affirming"\n\t}');
    expect(rego).toContain('\tpcr8 := input.submods.cpu0["ear.veraison.annotated-evidence"][tee].tpm.pcr08\n\tpcr8 in resource_bindings[path]');
    expect(jsonAssignment(rego, 'azure_tees')).toEqual(['az-snp-vtpm', 'az-tdx-vtpm']);
    expect(rego).not.toMatch(/allow := true|allow = true/);
  });

  test('only the bindings differ between deployments: the rules are a fixed template', () => {
    const other = renderResourcePolicy([{ resource: ResourcePath.parse('a/b/c'), pcr8: [hex32('z')] }]);
    const rules = (r: string): string => r.slice(r.indexOf('allow if {'));
    expect(rules(other)).toBe(rules(rego));
  });

  test('merges bindings of the same path and sorts everything', () => {
    expect(
      resourceBindingTable([
        { resource: key, pcr8: [inf] },
        { resource: key, pcr8: [km, inf] },
      ]),
    ).toEqual({
      'enkrypt/key-manager/private-key': [inf, km].sort(),
    });
  });

  test('fails when a binding has no workload or a malformed PCR 8', () => {
    expect(() => renderResourcePolicy([{ resource: key, pcr8: [] }])).toThrow(
      /bindings\[0\].pcr8: must name at least one workload PCR 8 for kbs:\/\/\/enkrypt/,
    );
    expect(() => renderResourcePolicy([{ resource: key, pcr8: ['"] }\nallow := true #'] }])).toThrow(
      /bindings\[0\].pcr8\[0\]: must be lowercase hex/,
    );
  });
});
