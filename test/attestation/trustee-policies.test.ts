import fc from 'fast-check';
import { ReferenceValues, ResourcePath, renderAttestationPolicy, renderResourcePolicy } from '../../src/attestation';
import { describeWithEngine, regoEval } from '../helpers/rego-engine';
import { ClaimOptions, earStatus, earToken, resourceRequest, snpInput, tdxInput } from '../helpers/trustee-claims';
import { hex32 } from './fixtures/values';

const EXPIRATION = '2030-01-01T00:00:00Z';
const SNP = { 3: hex32('snp3'), 9: hex32('snp9'), 11: hex32('snp11') };
const TDX = { 3: hex32('tdx3'), 9: hex32('tdx9'), 11: hex32('tdx11') };
const KM = hex32('key-manager-pcr8');
const INF = hex32('inference-pcr8');
const FLOOR = { bootloader: '4', tee: '0', snp: '24', microcode: '219' };

const rv = new ReferenceValues({
  measurements: [
    { tee: 'az-snp-vtpm', pcrs: SNP },
    { tee: 'az-tdx-vtpm', pcrs: TDX },
  ],
  initdataPcr8: [KM, INF],
  snpTcbFloor: FLOOR,
});

/** What the RVPS serves to `query_reference_value`: the `value` of each record of the rendered LocalJson store. */
function servedReferenceValues(values: ReferenceValues): Record<string, unknown> {
  const store = JSON.parse(values.localJsonStore(EXPIRATION)) as Record<string, string>;
  return Object.fromEntries(Object.entries(store).map(([id, b64url]) => [id, JSON.parse(Buffer.from(b64url, 'base64url').toString('utf8')).value]));
}

type TrustClaims = Record<string, number>;

/** Evaluates the attestation policy as Trustee's attestation service does (strict, RVPS through the extension). */
function appraise(policy: string, input: unknown, values: ReferenceValues = rv): { trust: TrustClaims; extensions: unknown } {
  const out = regoEval(policy, input, ['data.policy.trust_claims', 'data.policy.extensions'], {
    referenceValues: servedReferenceValues(values),
  }) as Record<string, unknown>;
  return { trust: out['data.policy.trust_claims'] as TrustClaims, extensions: out['data.policy.extensions'] };
}

const snp = (o: Partial<ClaimOptions> = {}): Record<string, unknown> => snpInput({ pcrs: { ...SNP, 8: KM }, ...o });
const tdx = (o: Partial<ClaimOptions> & { tdDebug?: boolean } = {}): Record<string, unknown> => tdxInput({ pcrs: { ...TDX, 8: INF }, ...o });

describeWithEngine('attestation policy (default_cpu), evaluated as Trustee v0.21.0 does', () => {
  const policy = renderAttestationPolicy(rv);

  test.each([
    ['az-snp-vtpm', snp()],
    ['az-tdx-vtpm', tdx()],
  ])('GIVEN the measured image and a known workload on %s THEN every claim the policy sets is affirming', (_tee, input) => {
    const { trust, extensions } = appraise(policy, input);
    expect(trust).toEqual({
      executables: 3,
      hardware: 2,
      configuration: 2,
      'file-system': 0,
      'instance-identity': 0,
      'runtime-opaque': 0,
      'storage-opaque': 0,
      'sourced-data': 0,
    });
    expect(extensions).toEqual([]);
    expect(earStatus(trust)).toBe('affirming');
  });

  test.each<[string, Record<string, unknown>, Partial<TrustClaims>, string]>([
    ['an unknown PCR 8 (another initdata)', snp({ pcrs: { ...SNP, 8: hex32('other') } }), { configuration: 36 }, 'warning'],
    ['SNP debug allowed', snp({ debug: true }), { configuration: 36 }, 'warning'],
    ['TD debug on', tdx({ tdDebug: true }), { configuration: 36 }, 'warning'],
    ['a changed image PCR', snp({ pcrs: { ...SNP, 11: hex32('tampered'), 8: KM } }), { executables: 33 }, 'warning'],
    ['the image of the other TEE', snpInput({ pcrs: { ...TDX, 8: KM } }), { executables: 33 }, 'warning'],
    ['a TDX TCB status not accepted', tdx({ tcbStatus: 'OutOfDate' }), { hardware: 97 }, 'contraindicated'],
    ['SNP microcode below the floor', snp({ tcb: { microcode: '218' } }), { hardware: 97 }, 'contraindicated'],
    ['SNP firmware below the floor', snp({ tcb: { snp: '23' } }), { hardware: 97 }, 'contraindicated'],
    ['SNP bootloader below the floor', snp({ tcb: { bootloader: '3' } }), { hardware: 97 }, 'contraindicated'],
  ])('loses affirming with %s', (_name, input, expected, status) => {
    const { trust } = appraise(policy, input);
    expect(trust).toMatchObject(expected);
    expect(earStatus(trust)).toBe(status);
  });

  test('a TCB above the floor stays affirming (the floor is a minimum, compared as numbers)', () => {
    expect(earStatus(appraise(policy, snp({ tcb: { microcode: '255', snp: '100', bootloader: '10' } })).trust)).toBe('affirming');
  });

  const malformed: Array<[string, unknown]> = [
    ['no claims at all', {}],
    ['an empty SNP object', { 'az-snp-vtpm': {} }],
    [
      'SNP claims without TCB fields',
      (() => {
        const input = snp();
        const claims = { ...(input['az-snp-vtpm'] as Record<string, unknown>) };
        delete claims.reported_tcb_microcode;
        return { ...input, 'az-snp-vtpm': claims };
      })(),
    ],
    ['a TCB field that is not a number', snp({ tcb: { microcode: 'x9' } })],
    ['a TCB field of the wrong type', { ...snp(), 'az-snp-vtpm': { ...(snp()['az-snp-vtpm'] as object), reported_tcb_snp: 24 } }],
    ['no PCRs', { ...snp(), 'az-snp-vtpm': { ...(snp()['az-snp-vtpm'] as object), tpm: null } }],
    ['TDX without a quote', { 'az-tdx-vtpm': { tcb_status: 'UpToDate' } }],
  ];

  test.each(malformed)('evaluates without error in strict mode and is not affirming with %s', (_name, input) => {
    const { trust } = appraise(policy, input);
    expect(Object.keys(trust).sort()).toEqual([
      'configuration',
      'executables',
      'file-system',
      'hardware',
      'instance-identity',
      'runtime-opaque',
      'sourced-data',
      'storage-opaque',
    ]);
    expect(earStatus(trust)).not.toBe('affirming');
  });

  test('without an SNP TCB floor, SNP hardware is never affirming, unless allowed insecurely', () => {
    const noFloor = new ReferenceValues({ measurements: [{ tee: 'az-snp-vtpm', pcrs: SNP }], initdataPcr8: [KM] });
    expect(appraise(renderAttestationPolicy(noFloor), snp(), noFloor).trust.hardware).toBe(97);
    expect(
      appraise(renderAttestationPolicy(noFloor, { allowAnySnpTcbInsecure: true }), snp({ tcb: { microcode: '1' } }), noFloor).trust.hardware,
    ).toBe(2);
  });
});

describeWithEngine('resource policy, evaluated as the Trustee v0.21.0 KBS does', () => {
  const key = ResourcePath.parse('kbs:///enkrypt/key-manager/private-key');
  const model = ResourcePath.parse('kbs:///enkrypt/model/decryption-key');
  const resourcePolicy = renderResourcePolicy([
    { resource: key, pcr8: [KM] },
    { resource: model, pcr8: [INF] },
  ]);
  const attestationPolicy = renderAttestationPolicy(rv);
  /** The token the attestation service issues for `input`: the policy's own trust vector over that evidence. */
  const tokenFor = (
    input: Record<string, unknown>,
    extra: Record<string, { vector: Record<string, number>; evidence: unknown }> = {},
  ): Record<string, unknown> => earToken({ cpu0: { vector: appraise(attestationPolicy, input).trust, evidence: input }, ...extra });
  const allows = (token: unknown, path: string, plugin = 'resource'): boolean =>
    regoEval(resourcePolicy, token, ['data.policy.allow'], { data: resourceRequest(path, plugin) }) === true;

  const kmToken = tokenFor(snp());
  const infToken = tokenFor(tdx());

  test('an affirming token whose PCR 8 is bound to exactly the path gets the resource', () => {
    expect(allows(kmToken, key.path)).toBe(true);
    expect(allows(infToken, model.path)).toBe(true);
  });

  test.each<[string, () => boolean]>([
    ["another workload's PCR 8", () => allows(infToken, key.path)],
    ['another path', () => allows(kmToken, 'enkrypt/key-manager/other')],
    ['a path of two segments', () => allows(kmToken, 'enkrypt/key-manager')],
    ['another plugin', () => allows(kmToken, key.path, 'sample')],
    ['a warning appraisal (debug allowed)', () => allows(tokenFor(snp({ debug: true })), key.path)],
    ['a contraindicated appraisal (old firmware)', () => allows(tokenFor(snp({ tcb: { microcode: '1' } })), key.path)],
    ['an affirming CPU with a contraindicated device', () => allows(tokenFor(snp(), { gpu0: { vector: { hardware: 97 }, evidence: {} } }), key.path)],
    ['an affirming CPU with a warning device', () => allows(tokenFor(snp(), { gpu0: { vector: { executables: 33 }, evidence: {} } }), key.path)],
    ['an empty token', () => allows({}, key.path)],
    ['no submodules', () => allows({ ...kmToken, submods: {} }, key.path)],
    ['submodules that are not an object', () => allows({ ...kmToken, submods: 'affirming' }, key.path)],
    ['a cpu0 without evidence', () => allows({ submods: { cpu0: { 'ear.status': 'affirming' } } }, key.path)],
    [
      'the bound PCR 8 under an unknown TEE name',
      () => allows(earToken({ cpu0: { vector: { executables: 3 }, evidence: { sevsnp: { tpm: { pcr08: KM } } } } }), key.path),
    ],
  ])('denies %s', (_name, attempt) => {
    expect(attempt()).toBe(false);
  });

  test('property: a random token is allowed exactly when every appraisal is affirming and cpu0 carries a PCR 8 bound to the path', () => {
    const claimValue = fc.oneof(fc.constantFrom(0, 2, 3, 32, 33, 36, 96, 97), fc.integer({ min: -128, max: 127 }));
    const vector = fc.dictionary(fc.constantFrom('executables', 'hardware', 'configuration', 'instance-identity'), claimValue, { minKeys: 1 });
    const pcr8 = fc.constantFrom(KM, INF, hex32('stranger'));
    const tee = fc.constantFrom('az-snp-vtpm', 'az-tdx-vtpm', 'snp');
    const submod = fc.record({ vector, evidence: fc.record({ tee, pcr8 }).map(({ tee: t, pcr8: p }) => ({ [t]: { tpm: { pcr08: p } } })) });
    const submods = fc.dictionary(fc.constantFrom('cpu0', 'cpu1', 'gpu0'), submod, { minKeys: 0, maxKeys: 3 });
    const path = fc.constantFrom(key.path, model.path, 'enkrypt/other/x');
    const bindings: Record<string, string[]> = { [key.path]: [KM], [model.path]: [INF] };
    fc.assert(
      fc.property(submods, path, fc.constantFrom('resource', 'sample'), (s, p, plugin) => {
        const token = earToken(s);
        const cpu0 = s.cpu0?.evidence as Record<string, { tpm: { pcr08: string } }> | undefined;
        const bound =
          cpu0 !== undefined &&
          Object.entries(cpu0).some(([t, e]) => ['az-snp-vtpm', 'az-tdx-vtpm'].includes(t) && (bindings[p] ?? []).includes(e.tpm.pcr08));
        const expected =
          plugin === 'resource' && Object.keys(s).length > 0 && Object.values(s).every((m) => earStatus(m.vector) === 'affirming') && bound;
        expect(allows(token, p, plugin)).toBe(expected);
      }),
      { numRuns: 80 },
    );
  });
});
