import { check, show } from './errors';
import { AzureTee, ReferenceValues, SNP_TCB_COMPONENTS, referenceValueId } from './reference-values';

/** The policy id under which the built-in attestation service evaluates CPU evidence. */
export const ATTESTATION_POLICY_ID = 'default_cpu';

/** The trust claim keys an EAR appraisal has; any other key makes the attestation service fail. */
export const EAR_TRUST_CLAIMS = [
  'instance-identity',
  'configuration',
  'executables',
  'file-system',
  'hardware',
  'runtime-opaque',
  'storage-opaque',
  'sourced-data',
] as const;

/** Options of the generated attestation policy. */
export interface AttestationPolicyOptions {
  /**
   * TDX TCB statuses accepted as "hardware affirming" (the verifier's `tcb_status`).
   * @default ['UpToDate']
   */
  readonly tdxAcceptedTcbStatuses?: readonly string[];
  /**
   * Affirms SNP hardware whatever its TCB when the reference values have no SNP TCB floor: old, vulnerable
   * firmware would then be affirming. For development only.
   * @default false (without a floor, SNP hardware is never affirming)
   */
  readonly allowAnySnpTcbInsecure?: boolean;
}

/**
 * Renders the `default_cpu` attestation policy (rego, `package policy`) that appraises Azure confidential VM
 * evidence against `referenceValues`:
 * - executables: every image PCR (and the SNP launch measurement, if given) is one of the reference values;
 * - configuration: debug is off and PCR 8 is the initdata of a known workload;
 * - hardware: SNP TCB at or above the floor in every component; TDX quote from Intel with an accepted TCB status.
 *   Without a floor, SNP hardware is never affirming (unless `allowAnySnpTcbInsecure`).
 *
 * Every value is read with `query_reference_value(id)`, with ids from `referenceValueId`: the same code that
 * names the RVPS records, so the two cannot drift. A TEE without measurements gets no rules and stays at the
 * defaults, which are not affirming.
 */
export function renderAttestationPolicy(referenceValues: ReferenceValues, options: AttestationPolicyOptions = {}): string {
  const tdxStatuses = options.tdxAcceptedTcbStatuses ?? ['UpToDate'];
  check(Array.isArray(tdxStatuses) && tdxStatuses.length > 0, 'tdxAcceptedTcbStatuses', 'must list at least one TCB status, e.g. ["UpToDate"]');
  tdxStatuses.forEach((s, i) =>
    check(
      typeof s === 'string' && /^[A-Za-z]+$/.test(s),
      `tdxAcceptedTcbStatuses[${i}]`,
      `must be a TCB status word such as "UpToDate", got ${show(s)}`,
    ),
  );
  const lines: string[] = [
    'package policy',
    '',
    'import rego.v1',
    '',
    '# Appraises Azure confidential VM evidence (az-snp-vtpm, az-tdx-vtpm) for confidential containers.',
    "# Generated from the deployment's image measurements and workload initdata; regenerate, do not edit.",
    '',
    'default executables := 33',
    'default hardware := 97',
    'default configuration := 36',
    'default file_system := 0',
    'default instance_identity := 0',
    'default runtime_opaque := 0',
    'default storage_opaque := 0',
    'default sourced_data := 0',
    '',
    'trust_claims := {',
    '\t"executables": executables,',
    '\t"hardware": hardware,',
    '\t"configuration": configuration,',
    '\t"file-system": file_system,',
    '\t"instance-identity": instance_identity,',
    '\t"runtime-opaque": runtime_opaque,',
    '\t"storage-opaque": storage_opaque,',
    '\t"sourced-data": sourced_data,',
    '}',
    '',
    '# No EAR extensions. Defined explicitly so the broker never depends on how an undefined rule is reported.',
    'extensions := []',
  ];
  const initdata = JSON.stringify(referenceValueId.initdataPcr8());
  for (const tee of referenceValues.tees) {
    const ev = `input[${JSON.stringify(tee)}]`;
    lines.push('', `##### ${tee === 'az-snp-vtpm' ? 'Azure vTPM SNP' : 'Azure vTPM TDX'}`, '');
    // executables: the pod VM image this evidence booted is one of the measured images.
    lines.push('executables := 3 if {', `\t${ev}`);
    for (const index of referenceValues.pcrIndices(tee)) {
      lines.push(`\t${ev}.tpm.${pcrName(index)} in query_reference_value(${JSON.stringify(referenceValueId.pcr(tee, index))})`);
    }
    if (tee === 'az-snp-vtpm' && referenceValues.checksSnpLaunchMeasurement) {
      lines.push(`\t${ev}.measurement in query_reference_value(${JSON.stringify(referenceValueId.snpLaunchMeasurement())})`);
    }
    lines.push('}', '');
    lines.push(...hardwareRule(tee, ev, referenceValues, tdxStatuses, options.allowAnySnpTcbInsecure === true), '');
    // configuration: no debug, and PCR 8 binds the initdata of a workload this deployment declared.
    lines.push('configuration := 2 if {', `\t${ev}`);
    lines.push(tee === 'az-snp-vtpm' ? `\t${ev}.policy_debug_allowed == "false"` : `\t${ev}.td_attributes.debug == false`);
    lines.push(`\t${ev}.tpm.pcr08 in query_reference_value(${initdata})`, '}');
  }
  return `${lines.join('\n')}\n`;
}

function hardwareRule(tee: AzureTee, ev: string, rv: ReferenceValues, tdxStatuses: readonly string[], anySnpTcb: boolean): string[] {
  if (tee === 'az-snp-vtpm' && !rv.checksSnpTcbFloor && !anySnpTcb) {
    return ['# No SNP TCB floor was given: SNP hardware is not affirming (give the KBS an snpTcbFloor).'];
  }
  const lines = ['hardware := 2 if {', `\t${ev}`];
  if (tee === 'az-snp-vtpm') {
    // The verifier has checked the report against AMD's certificate chain; the floor refuses old firmware.
    // Each value is checked to be a decimal first, so a malformed claim fails the rule, not the evaluation.
    for (const component of rv.checksSnpTcbFloor ? SNP_TCB_COMPONENTS : []) {
      const claim = `${ev}.reported_tcb_${component}`;
      lines.push(`\tis_string(${claim})`, `\tregex.match("^[0-9]{1,3}$", ${claim})`);
      lines.push(`\tto_number(${claim}) >= to_number(query_reference_value(${JSON.stringify(referenceValueId.snpTcbMinimum(component))}))`);
    }
  } else {
    lines.push(`\t${ev}.quote.header.tee_type == "81000000"`);
    lines.push(`\t${ev}.quote.header.vendor_id == "939a7233f79c4ca9940a0db3957f0607"`);
    lines.push(`\t${ev}.tcb_status in ${JSON.stringify([...new Set(tdxStatuses)].sort())}`);
  }
  lines.push('}');
  return lines;
}

function pcrName(index: number): string {
  return `pcr${String(index).padStart(2, '0')}`;
}
