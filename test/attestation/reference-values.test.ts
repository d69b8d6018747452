import { ReferenceValues, ReferenceValuesProps } from '../../src/attestation';
import { parseMeasurementsJson, referenceValueId, requireExpiration } from '../../src/attestation/reference-values';
import { hex32 } from './fixtures/values';

const EXPIRATION = '2027-06-30T00:00:00Z';
const pcrs = (seed: string): Record<number, string> => ({ 3: hex32(`${seed}3`), 9: hex32(`${seed}9`), 11: hex32(`${seed}11`) });

describe('measurements.json', () => {
  test('reads the image build output as a measurement set of the given TEE', () => {
    const json = JSON.stringify({ measurements: { sha256: { pcr03: hex32('3'), pcr09: hex32('9'), pcr11: hex32('11') } } });
    const set = parseMeasurementsJson(json, 'az-snp-vtpm');
    expect(set).toEqual({
      tee: 'az-snp-vtpm',
      pcrs: [
        [3, hex32('3')],
        [9, hex32('9')],
        [11, hex32('11')],
      ],
    });
  });

  test.each([
    ['not JSON', '{', /is not valid JSON/],
    ['no sha256 bank', '{"measurements":{}}', /must have the form/],
    ['a bad key', JSON.stringify({ measurements: { sha256: { pcr3: hex32('a') } } }), /keys are pcr00..pcr23/],
    ['upper-case hex', JSON.stringify({ measurements: { sha256: { pcr03: hex32('a').toUpperCase() } } }), /must be lowercase hex/],
    ['a short value', JSON.stringify({ measurements: { sha256: { pcr03: 'abcd' } } }), /must be 32 bytes \(64 hex characters\), got 4/],
    ['PCR 8', JSON.stringify({ measurements: { sha256: { pcr08: hex32('a') } } }), /must not contain PCR 8/],
  ])('fails with %s', (_n, text, message) => {
    expect(() => parseMeasurementsJson(text, 'az-tdx-vtpm')).toThrow(message);
  });
});

describe('ReferenceValues', () => {
  test('renders one record per id with the caller expiration and sorted any-of lists', () => {
    // GIVEN two versions of an SNP image (a rolling upgrade) and one TDX image, and two workloads
    const rv = new ReferenceValues({
      measurements: [
        { tee: 'az-snp-vtpm', pcrs: pcrs('v2') },
        { tee: 'az-snp-vtpm', pcrs: pcrs('v1') },
        { tee: 'az-tdx-vtpm', pcrs: { 11: hex32('tdx11') } },
      ],
      initdataPcr8: [hex32('w2'), hex32('w1'), hex32('w2')],
    });
    // WHEN the records are rendered
    const records = rv.records(EXPIRATION);
    // THEN each id is present once, sorted by name, and each value lists every accepted value sorted
    expect(records.map((r) => r.name)).toEqual([
      'az-snp-vtpm.pcr03',
      'az-snp-vtpm.pcr09',
      'az-snp-vtpm.pcr11',
      'az-tdx-vtpm.pcr11',
      'initdata.pcr08',
    ]);
    expect(records[0]).toEqual({
      version: '0.1.0',
      name: 'az-snp-vtpm.pcr03',
      expiration: EXPIRATION,
      value: [hex32('v13'), hex32('v23')].sort(),
    });
    expect(records[4].value).toEqual([hex32('w1'), hex32('w2')].sort());
  });

  test('a record serialises with the field order and date form Trustee writes and parses', () => {
    const rv = new ReferenceValues({ measurements: [], initdataPcr8: [hex32('w')] });
    const [record] = rv.records(EXPIRATION);
    expect(JSON.stringify(record)).toBe(`{"version":"0.1.0","name":"initdata.pcr08","expiration":"2027-06-30T00:00:00Z","value":["${hex32('w')}"]}`);
  });

  test('the LocalJson store maps names to padded base64url of the record JSON', () => {
    const rv = new ReferenceValues({ measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('x') } }], initdataPcr8: [hex32('w')] });
    const store = JSON.parse(rv.localJsonStore(EXPIRATION)) as Record<string, string>;
    expect(Object.keys(store)).toEqual(['az-snp-vtpm.pcr11', 'initdata.pcr08']);
    for (const [name, encoded] of Object.entries(store)) {
      expect(encoded).toMatch(/^[A-Za-z0-9_-]*={0,2}$/);
      expect(encoded.length % 4).toBe(0);
      expect(JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))).toMatchObject({ name, expiration: EXPIRATION });
    }
  });

  test('the sample registration message carries base64 of {name: value}', () => {
    const rv = new ReferenceValues({ measurements: [{ tee: 'az-tdx-vtpm', pcrs: { 11: hex32('x') } }], initdataPcr8: [hex32('w')] });
    const message = JSON.parse(rv.sampleMessage()) as { version: string; type: string; payload: string };
    expect(message.version).toBe('0.1.0');
    expect(message.type).toBe('sample');
    expect(JSON.parse(Buffer.from(message.payload, 'base64').toString('utf8'))).toEqual({
      'az-tdx-vtpm.pcr11': [hex32('x')],
      'initdata.pcr08': [hex32('w')],
    });
  });

  test('the SNP launch measurement is accepted as hex or base64 and stored as standard base64', () => {
    const launch = 'ab'.repeat(48);
    const fromHex = new ReferenceValues({
      measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('x') }, snpLaunchMeasurement: launch }],
      initdataPcr8: [],
    });
    const base64 = Buffer.from(launch, 'hex').toString('base64');
    const fromBase64 = new ReferenceValues({
      measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('x') }, snpLaunchMeasurement: base64 }],
      initdataPcr8: [],
    });
    const value = (rv: ReferenceValues): unknown => rv.entries.find(([id]) => id === referenceValueId.snpLaunchMeasurement())?.[1];
    expect(value(fromHex)).toEqual([base64]);
    expect(value(fromBase64)).toEqual([base64]);
  });

  test('an SNP TCB floor becomes one reference value per component, for SNP only', () => {
    const floor = { bootloader: 4, tee: '0', snp: '24', microcode: 219 };
    const rv = new ReferenceValues({ measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: hex32('a') } }], initdataPcr8: [], snpTcbFloor: floor });
    expect(Object.fromEntries(rv.entries)).toMatchObject({
      'az-snp-vtpm.min_tcb_bootloader': '4',
      'az-snp-vtpm.min_tcb_tee': '0',
      'az-snp-vtpm.min_tcb_snp': '24',
      'az-snp-vtpm.min_tcb_microcode': '219',
    });
    expect(rv.checksSnpTcbFloor).toBe(true);
    const tdxOnly = new ReferenceValues({ measurements: [{ tee: 'az-tdx-vtpm', pcrs: { 11: hex32('a') } }], initdataPcr8: [], snpTcbFloor: floor });
    expect(tdxOnly.entries.map(([id]) => id)).toEqual(['az-tdx-vtpm.pcr11']);
  });

  test.each([
    [
      'images of one TEE publish different PCRs',
      {
        measurements: [
          { tee: 'az-snp-vtpm' as const, pcrs: { 11: hex32('a') } },
          { tee: 'az-snp-vtpm' as const, pcrs: { 3: hex32('b') } },
        ],
        initdataPcr8: [],
      },
      /must publish the same PCRs/,
    ],
    [
      'a launch measurement on TDX',
      { measurements: [{ tee: 'az-tdx-vtpm' as const, pcrs: { 11: hex32('a') }, snpLaunchMeasurement: 'ab'.repeat(48) }], initdataPcr8: [] },
      /snpLaunchMeasurement: applies to az-snp-vtpm only/,
    ],
    [
      'an unknown TEE',
      { measurements: [{ tee: 'sev' as never, pcrs: { 11: hex32('a') } }], initdataPcr8: [] },
      /measurements\[0\].tee: must be one of az-snp-vtpm, az-tdx-vtpm/,
    ],
    [
      'a PCR index out of range',
      { measurements: [{ tee: 'az-snp-vtpm' as const, pcrs: { 24: hex32('a') } }], initdataPcr8: [] },
      /vTPM PCRs are 0-23/,
    ],
    ['a bad PCR 8 value', { measurements: [], initdataPcr8: ['xyz'] }, /initdataPcr8\[0\]: must be lowercase hex/],
    [
      'a launch measurement of the wrong size',
      { measurements: [{ tee: 'az-snp-vtpm' as const, pcrs: { 11: hex32('a') }, snpLaunchMeasurement: 'AAAA' }], initdataPcr8: [] },
      /decodes to 3 bytes/,
    ],
    [
      'a TCB floor component that is not a number',
      { measurements: [], initdataPcr8: [], snpTcbFloor: { bootloader: '4', tee: 'v2', snp: '24', microcode: '219' } },
      /snpTcbFloor.tee: must be the minimum tee version, a decimal 0-255/,
    ],
    [
      'a TCB floor without microcode',
      { measurements: [], initdataPcr8: [], snpTcbFloor: { bootloader: '4', tee: '0', snp: '24' } },
      /snpTcbFloor.microcode: must be the minimum microcode version/,
    ],
    [
      'a TCB floor above 255',
      { measurements: [], initdataPcr8: [], snpTcbFloor: { bootloader: '4', tee: '0', snp: '24', microcode: 300 } },
      /snpTcbFloor.microcode/,
    ],
    [
      'a TCB minimum in a measurement set (it moved to the KBS)',
      { measurements: [{ tee: 'az-snp-vtpm' as const, pcrs: { 11: hex32('a') }, snpTcbMinimums: { tee: '1' } }], initdataPcr8: [] },
      /snpTcbMinimums: is no longer read from measurement sets.*snpTcbFloor/,
    ],
  ])('fails when %s', (_n, props, message) => {
    expect(() => new ReferenceValues(props as ReferenceValuesProps)).toThrow(message);
  });

  test.each(['2027-06-30', '2027-06-30T00:00:00.000Z', '2027-02-30T00:00:00Z', '2027-06-30T00:00:00+01:00'])(
    'fails when the expiration is %s',
    (value) => {
      expect(() => requireExpiration(value)).toThrow(/expiration: must be a UTC time "YYYY-MM-DDTHH:MM:SSZ"/);
    },
  );
});
