import { Field, check, inputError, show, subField } from './errors';
import { requireHex, toStandardBase64 } from './encoding';

/** The Azure confidential VM evidence types the library attests. */
export type AzureTee = 'az-snp-vtpm' | 'az-tdx-vtpm';

/** Every Azure TEE, in a fixed order. */
export const AZURE_TEES: readonly AzureTee[] = ['az-snp-vtpm', 'az-tdx-vtpm'];

/** The version field of RVPS records and messages in Trustee v0.21.0. */
export const RVPS_VERSION = '0.1.0';

/** SNP TCB components the verifier reports as `reported_tcb_<name>` (decimal strings). */
export const SNP_TCB_COMPONENTS = ['bootloader', 'tee', 'snp', 'microcode'] as const;

/** A component of the SNP TCB. */
export type SnpTcbComponent = (typeof SNP_TCB_COMPONENTS)[number];

/** What one pod VM image boots, on one TEE type: the values the verifier will see. */
export interface MeasurementSet {
  /** The evidence type these measurements are reported in. */
  readonly tee: AzureTee;
  /** vTPM PCR index (0-23, not 8: that one is initdata's) -> SHA-256 bank value, lowercase hex. */
  readonly pcrs: Readonly<Record<number, string>>;
  /**
   * SNP launch measurement (48 bytes, hex or standard base64); az-snp-vtpm only. On Azure it measures the
   * paravisor firmware, which Azure updates: leave it out unless you track it.
   * @default - not checked
   */
  readonly snpLaunchMeasurement?: string;
}

/**
 * The oldest SNP firmware and microcode the KBS accepts: the minimum of each TCB component, as the verifier
 * reports it (`reported_tcb_<component>`, a decimal 0-255). A property of the hosts, not of the pod VM image:
 * take it from AMD's security bulletins for your CPU family, or from a known-good attestation in your region.
 */
export type SnpTcbFloor = Readonly<Record<SnpTcbComponent, string | number>>;

/** A measurement set after validation: sorted PCR indices, base64 launch measurement. */
export interface NormalizedMeasurementSet {
  /** The evidence type. */
  readonly tee: AzureTee;
  /** Sorted `[index, hex]` pairs. */
  readonly pcrs: ReadonlyArray<readonly [number, string]>;
  /** Standard base64 of the 48-byte launch measurement, if checked. */
  readonly snpLaunchMeasurement?: string;
}

/** Validates a measurement set (or re-validates a normalized one); fails with the field and the fix. */
export function normalizeMeasurementSet(input: MeasurementSet | NormalizedMeasurementSet, field: Field = 'measurements'): NormalizedMeasurementSet {
  check(typeof input === 'object' && input !== null, field, 'must be a measurement set { tee, pcrs }');
  const set: MeasurementSet = Array.isArray(input.pcrs)
    ? { ...input, pcrs: Object.fromEntries(input.pcrs as ReadonlyArray<readonly [number, string]>) }
    : (input as MeasurementSet);
  check(AZURE_TEES.includes(set.tee), subField(field, `.tee`), `must be one of ${AZURE_TEES.join(', ')}, got ${show(set.tee)}`);
  check(typeof set.pcrs === 'object' && set.pcrs !== null, subField(field, `.pcrs`), 'must map PCR indices to SHA-256 hex values');
  const pcrs: Array<readonly [number, string]> = [];
  for (const [key, value] of Object.entries(set.pcrs)) {
    const index = Number(key);
    check(/^[0-9]+$/.test(key) && index <= 23, subField(field, `.pcrs`), `has PCR index ${show(key)}; vTPM PCRs are 0-23`);
    check(
      index !== 8,
      subField(field, `.pcrs`),
      'must not contain PCR 8: it carries the workload initdata digest and is checked per workload, not per image',
    );
    pcrs.push([index, requireHex(value, 32, subField(field, `.pcrs[${index}]`))]);
  }
  check(pcrs.length > 0, subField(field, `.pcrs`), 'must contain at least one PCR (upstream images publish PCR 3, 9 and 11)');
  pcrs.sort((a, b) => a[0] - b[0]);
  const result: { -readonly [K in keyof NormalizedMeasurementSet]: NormalizedMeasurementSet[K] } = { tee: set.tee, pcrs };
  if (set.snpLaunchMeasurement !== undefined) {
    check(set.tee === 'az-snp-vtpm', subField(field, `.snpLaunchMeasurement`), `applies to az-snp-vtpm only, not ${set.tee}`);
    result.snpLaunchMeasurement = toStandardBase64(set.snpLaunchMeasurement, 48, subField(field, `.snpLaunchMeasurement`));
  }
  check(
    !('snpTcbMinimums' in set),
    subField(field, `.snpTcbMinimums`),
    'is no longer read from measurement sets: the SNP TCB floor belongs to the hosts, not to an image; give it to the KBS (snpTcbFloor)',
  );
  return result;
}

/** Validates an SNP TCB floor and returns it with decimal-string values, in component order. */
export function normalizeSnpTcbFloor(floor: SnpTcbFloor, field: Field = 'snpTcbFloor'): Readonly<Record<SnpTcbComponent, string>> {
  check(typeof floor === 'object' && floor !== null, field, `must give the minimum of each of ${SNP_TCB_COMPONENTS.join(', ')}`);
  const unknown = Object.keys(floor).filter((k) => !(SNP_TCB_COMPONENTS as readonly string[]).includes(k));
  check(unknown.length === 0, field, `has unknown component ${show(unknown[0])}; the components are ${SNP_TCB_COMPONENTS.join(', ')}`);
  const out: Partial<Record<SnpTcbComponent, string>> = {};
  for (const component of SNP_TCB_COMPONENTS) {
    const value = floor[component];
    const text = typeof value === 'number' ? String(value) : value;
    check(
      typeof text === 'string' && /^(0|[1-9][0-9]{0,2})$/.test(text) && Number(text) <= 255,
      subField(field, `.${component}`),
      `must be the minimum ${component} version, a decimal 0-255 as the verifier reports reported_tcb_${component}, got ${show(value)}`,
    );
    out[component] = text;
  }
  return out as Record<SnpTcbComponent, string>;
}

/**
 * Reads the measurements file the pod VM image build writes,
 * `{"measurements":{"sha256":{"pcr03":"..","pcr09":"..","pcr11":".."}}}`, as the measurement set of `tee`.
 */
export function parseMeasurementsJson(text: string, tee: AzureTee, field: Field = 'measurements.json'): NormalizedMeasurementSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw inputError(field, `is not valid JSON: ${(e as Error).message}`);
  }
  const bank = (doc as { measurements?: { sha256?: unknown } } | null)?.measurements?.sha256;
  check(
    typeof bank === 'object' && bank !== null && !Array.isArray(bank),
    field,
    'must have the form {"measurements":{"sha256":{"pcr03":"<hex>", ...}}}',
  );
  const pcrs: Record<number, string> = {};
  for (const [name, value] of Object.entries(bank as Record<string, unknown>)) {
    const m = /^pcr([0-9]{2})$/.exec(name);
    check(m !== null, subField(field, `.measurements.sha256`), `has key ${show(name)}; keys are pcr00..pcr23`);
    pcrs[Number(m![1])] = value as string;
  }
  return normalizeMeasurementSet({ tee, pcrs }, field);
}

/** The id under which a reference value is stored in the RVPS and queried by the attestation policy. */
export const referenceValueId = {
  /** An image PCR of one TEE, e.g. `az-snp-vtpm.pcr11`. */
  pcr: (tee: AzureTee, index: number): string => `${tee}.pcr${String(index).padStart(2, '0')}`,
  /** The SNP launch measurement. */
  snpLaunchMeasurement: (): string => 'az-snp-vtpm.measurement',
  /** A minimum SNP TCB component version. */
  snpTcbMinimum: (component: SnpTcbComponent): string => `az-snp-vtpm.min_tcb_${component}`,
  /** The PCR 8 values of every workload's initdata (either TEE). */
  initdataPcr8: (): string => 'initdata.pcr08',
};

/** One RVPS record, in the field order Trustee serialises it. */
export interface RvpsRecord {
  /** Record format version, `0.1.0`. */
  readonly version: string;
  /** The reference value id. */
  readonly name: string;
  /** `YYYY-MM-DDTHH:MM:SSZ`. */
  readonly expiration: string;
  /** The value: a list of accepted strings, or a single string for minimums. */
  readonly value: readonly string[] | string;
}

/** Inputs of a reference value set. */
export interface ReferenceValuesProps {
  /** Measurement sets of every pod VM image (and version) pods may boot; several per TEE give any-of lists. */
  readonly measurements: ReadonlyArray<MeasurementSet | NormalizedMeasurementSet>;
  /** PCR 8 values of every workload's initdata (see `Initdata.azureVtpmPcr8`). */
  readonly initdataPcr8: readonly string[];
  /**
   * The oldest SNP TCB accepted. Without it, the attestation policy affirms no SNP hardware unless
   * `allowAnySnpTcbInsecure` is set when rendering it.
   * @default - none
   */
  readonly snpTcbFloor?: SnpTcbFloor;
}

const EXPIRATION = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;

/** Validates an RVPS expiration time (`YYYY-MM-DDTHH:MM:SSZ`, the only form Trustee parses). */
export function requireExpiration(value: string, field: Field = 'expiration'): string {
  check(
    typeof value === 'string' &&
      EXPIRATION.test(value) &&
      !Number.isNaN(Date.parse(value)) &&
      new Date(value).toISOString().slice(0, 19) + 'Z' === value,
    field,
    `must be a UTC time "YYYY-MM-DDTHH:MM:SSZ" (Trustee parses no other form), got ${show(value)}`,
  );
  return value;
}

/**
 * The reference values of a deployment: image measurements per TEE and the PCR 8 of every workload,
 * under ids that the attestation policy reads with `query_reference_value`.
 */
export class ReferenceValues {
  /** Validated measurement sets, in input order. */
  public readonly measurements: readonly NormalizedMeasurementSet[];
  /** Sorted, unique PCR 8 values. */
  public readonly initdataPcr8: readonly string[];
  /** The SNP TCB floor, if given. */
  public readonly snpTcbFloor?: Readonly<Record<SnpTcbComponent, string>>;
  private readonly values: ReadonlyMap<string, readonly string[] | string>;

  constructor(props: ReferenceValuesProps) {
    check(Array.isArray(props.measurements), 'measurements', 'must be a list of measurement sets');
    this.measurements = props.measurements.map((m, i) => normalizeMeasurementSet(m, `measurements[${i}]`));
    check(Array.isArray(props.initdataPcr8), 'initdataPcr8', 'must be a list of PCR 8 hex values');
    this.initdataPcr8 = [...new Set(props.initdataPcr8.map((v, i) => requireHex(v, 32, `initdataPcr8[${i}]`)))].sort();
    if (props.snpTcbFloor !== undefined) this.snpTcbFloor = normalizeSnpTcbFloor(props.snpTcbFloor);
    this.values = buildValues(this.measurements, this.initdataPcr8, this.snpTcbFloor);
  }

  /** The TEEs for which measurements exist. */
  public get tees(): AzureTee[] {
    return AZURE_TEES.filter((t) => this.measurements.some((m) => m.tee === t));
  }

  /** PCR indices checked for `tee` (the same for every image of that TEE). */
  public pcrIndices(tee: AzureTee): number[] {
    const first = this.measurements.find((m) => m.tee === tee);
    return first ? first.pcrs.map(([i]) => i) : [];
  }

  /** True when the SNP launch measurement is checked. */
  public get checksSnpLaunchMeasurement(): boolean {
    return this.values.has(referenceValueId.snpLaunchMeasurement());
  }

  /** True when SNP evidence is held to a TCB floor (SNP images are trusted and a floor was given). */
  public get checksSnpTcbFloor(): boolean {
    return this.values.has(referenceValueId.snpTcbMinimum('microcode'));
  }

  /** id -> value, sorted by id. */
  public get entries(): ReadonlyArray<readonly [string, readonly string[] | string]> {
    return [...this.values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The RVPS records, sorted by name. `expiration` is given by the caller: synth never reads the clock. */
  public records(expiration: string): RvpsRecord[] {
    requireExpiration(expiration);
    return this.entries.map(([name, value]) => ({ version: RVPS_VERSION, name, expiration, value }));
  }

  /** The file of Trustee's LocalJson store (`<file_dir_path>/reference_value`): name -> base64url(record JSON). */
  public localJsonStore(expiration: string): string {
    const store: Record<string, string> = {};
    for (const record of this.records(expiration)) {
      // Trustee's LocalJson backend encodes values with base64's URL_SAFE engine (with padding).
      store[record.name] = Buffer.from(JSON.stringify(record), 'utf8').toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    }
    return `${JSON.stringify(store, null, 2)}\n`;
  }

  /** The RVPS registration message of the `sample` extractor (`POST /kbs/v0/reference-value` body). */
  public sampleMessage(): string {
    const payload: Record<string, readonly string[] | string> = {};
    for (const [name, value] of this.entries) payload[name] = value;
    return JSON.stringify({
      version: RVPS_VERSION,
      type: 'sample',
      payload: Buffer.from(JSON.stringify(payload), 'utf8').toString('base64'),
    });
  }
}

function buildValues(
  sets: readonly NormalizedMeasurementSet[],
  pcr8: readonly string[],
  floor: Readonly<Record<SnpTcbComponent, string>> | undefined,
): Map<string, readonly string[] | string> {
  const values = new Map<string, string[] | string>();
  const add = (id: string, value: string): void => {
    const list = (values.get(id) as string[] | undefined) ?? [];
    if (!list.includes(value)) list.push(value);
    values.set(id, list);
  };
  for (const tee of AZURE_TEES) {
    const ofTee = sets.filter((s) => s.tee === tee);
    if (ofTee.length === 0) continue;
    const indices = ofTee[0].pcrs.map(([i]) => i).join(',');
    const launch = ofTee[0].snpLaunchMeasurement !== undefined;
    ofTee.forEach((set, n) => {
      check(
        set.pcrs.map(([i]) => i).join(',') === indices,
        'measurements',
        `every ${tee} image must publish the same PCRs (the policy checks each of ` +
          `them); one has [${indices}], another [${set.pcrs.map(([i]) => i).join(',')}]`,
      );
      check(
        (set.snpLaunchMeasurement !== undefined) === launch,
        'measurements',
        `either every ${tee} image gives snpLaunchMeasurement or none does (image ${n} differs)`,
      );
      for (const [index, hex] of set.pcrs) add(referenceValueId.pcr(tee, index), hex);
      if (set.snpLaunchMeasurement !== undefined) add(referenceValueId.snpLaunchMeasurement(), set.snpLaunchMeasurement);
    });
    if (tee === 'az-snp-vtpm' && floor) {
      for (const component of SNP_TCB_COMPONENTS) values.set(referenceValueId.snpTcbMinimum(component), floor[component]);
    }
  }
  for (const value of values.values()) if (Array.isArray(value)) value.sort();
  if (pcr8.length > 0) values.set(referenceValueId.initdataPcr8(), [...pcr8]);
  return values;
}
