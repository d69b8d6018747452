import { regoEval } from './rego-engine';
/**
 * Inputs of Trustee v0.21.0's policies, in the shapes its code produces, written from its source
 * (attestation-service/src/ear_token/broker.rs `transform_claims`, deps/verifier/src/az_snp_vtpm and
 * az_tdx_vtpm, deps/verifier/src/tdx/claims.rs, intel_dcap/claims.rs, kbs/src/api_server.rs):
 * - the attestation policy's `input`: the verifier's claims under the TEE name, with `init_data` (hex of PCR 8)
 *   and `report_data` moved to the top level, `init_data_claims` null (a cloud-api-adaptor pod VM sends no
 *   initdata plaintext) and `runtime_data_claims`;
 * - the resource policy's `input`: the EAR token's claims, whose `submods.cpu0["ear.veraison.annotated-evidence"]`
 *   is that same map.
 */

/** 24 SHA-256 PCRs as the vTPM reports them, lowercase hex; `overrides` by index. */
export function pcrs(overrides: Readonly<Record<number, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < 24; i++) out[`pcr${String(i).padStart(2, '0')}`] = overrides[i] ?? (i >= 17 && i <= 22 ? 'f'.repeat(64) : '0'.repeat(64));
  return out;
}

/** Options of the claims of one attestation. */
export interface ClaimOptions {
  /** PCR values by index (the image PCRs and PCR 8). */
  readonly pcrs: Readonly<Record<number, string>>;
  /** SNP only: `policy_debug_allowed`. @default false */
  readonly debug?: boolean;
  /** SNP only: reported TCB components (decimal strings). @default bootloader 4, tee 0, snp 24, microcode 219 */
  readonly tcb?: Partial<Record<'bootloader' | 'tee' | 'snp' | 'microcode', string>>;
  /** TDX only: `tcb_status`. @default 'UpToDate' */
  readonly tcbStatus?: string;
}

const RUNTIME_DATA_CLAIMS = {
  'tee-pubkey': {
    kty: 'EC',
    crv: 'P-256',
    alg: 'ECDH-ES+A256KW',
    x: 'urWoi9z2JXWqivoKk3PZCLQS51Iv9imdVAeaC4zni1s',
    y: 'lbDrDOHFEdszJWc8m6QOcqAXDnjVw-0YSVzeUIHbufU',
  },
  nonce: 'XwwfHop9SyyeOm0PGyw9Tl9gcYKTpLXG1+j5ARIjNEU=',
  'additional-evidence': '',
};

/** The attestation policy input for az-snp-vtpm evidence (every SNP claim is a string). */
export function snpInput(o: ClaimOptions): Record<string, unknown> {
  const tcb = { bootloader: '4', tee: '0', snp: '24', microcode: '219', ...o.tcb };
  const tpm = pcrs(o.pcrs);
  return {
    'az-snp-vtpm': {
      policy_abi_major: '0',
      policy_abi_minor: '31',
      policy_smt_allowed: 'true',
      policy_migrate_ma: 'false',
      policy_debug_allowed: o.debug ? 'true' : 'false',
      policy_single_socket: 'false',
      reported_tcb_bootloader: tcb.bootloader,
      reported_tcb_tee: tcb.tee,
      reported_tcb_snp: tcb.snp,
      reported_tcb_microcode: tcb.microcode,
      platform_tsme_enabled: 'false',
      platform_smt_enabled: 'true',
      measurement: 'WwzmStHB9jddvaX3YLmFJsobz5G4GVCRr8KOewJCUdaP4y4FrzQEjWYHZ4zSMoP/',
      tpm,
    },
    init_data: tpm.pcr08,
    init_data_claims: null,
    report_data: 'c4b60caf0a347333596b1056bf3d7a054157ee02738aecf0fe176b571b66f876d706481cae8d2076b9b6de1c5da6ba22',
    runtime_data_claims: RUNTIME_DATA_CLAIMS,
  };
}

/** The attestation policy input for az-tdx-vtpm evidence (quote fields hex, td_attributes booleans). */
export function tdxInput(o: ClaimOptions & { readonly tdDebug?: boolean }): Record<string, unknown> {
  const tpm = pcrs(o.pcrs);
  return {
    'az-tdx-vtpm': {
      quote: {
        header: {
          version: '0400',
          att_key_type: '0200',
          tee_type: '81000000',
          reserved: '00000000',
          vendor_id: '939a7233f79c4ca9940a0db3957f0607',
          user_data: 'f17eac112e4cd9a0fafce1b46b5af18f00000000',
        },
        body: {
          tcb_svn: '02010600000000000000000000000000',
          mr_td: '024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b',
          td_attributes: o.tdDebug ? '0100000000000000' : '0000000000000000',
          xfam: 'e718060000000000',
        },
      },
      td_attributes: { debug: o.tdDebug === true, septve_disable: false, protection_keys: false, key_locker: false, perfmon: false },
      tpm,
      tcb_status: o.tcbStatus ?? 'UpToDate',
      collateral_expiration_status: '0',
      pck_crl_num: 1,
      root_ca_crl_num: 1,
      tcb_eval_num: 19,
      advisory_ids: [],
    },
    init_data: tpm.pcr08,
    init_data_claims: null,
    report_data: 'c4b60caf0a347333596b1056bf3d7a054157ee02738aecf0fe176b571b66f876d706481cae8d2076b9b6de1c5da6ba22',
    runtime_data_claims: RUNTIME_DATA_CLAIMS,
  };
}

/** The EAR tier of a trust-claim value (ear crate `claim.rs`): the worst tier over the vector is the status. */
export function earStatus(vector: Readonly<Record<string, number>>): 'none' | 'affirming' | 'warning' | 'contraindicated' {
  const tier = (v: number): number => (v >= -1 && v <= 1 ? 0 : v > -32 && v < 32 ? 1 : v > -96 && v < 96 ? 2 : 3);
  return (['none', 'affirming', 'warning', 'contraindicated'] as const)[Math.max(0, ...Object.values(vector).map(tier))];
}

/** The claims of an EAR token as the KBS hands them to the resource policy. */
export function earToken(
  submods: Readonly<Record<string, { vector: Readonly<Record<string, number>>; evidence: unknown }>>,
): Record<string, unknown> {
  return {
    eat_profile: 'tag:github.com,2024:confidential-containers/Trustee',
    iat: 1767225600,
    'ear.verifier-id': { developer: 'https://confidentialcontainers.org', build: 'attestation-service 0.1.0' },
    submods: Object.fromEntries(
      Object.entries(submods).map(([name, s]) => [
        name,
        {
          'ear.status': earStatus(s.vector),
          'ear.trustworthiness-vector': s.vector,
          'ear.appraisal-policy-id': 'default',
          'ear.veraison.annotated-evidence': s.evidence,
        },
      ]),
    ),
    exp: 1767225900,
    iss: 'CoCo-Attestation-Service',
  };
}

/** The `data` document the KBS gives the resource policy for `kbs:///<repo>/<type>/<tag>`. */
export function resourceRequest(path: string, plugin = 'resource'): Record<string, unknown> {
  return { plugin, 'resource-path': path.split('/'), query: {} };
}

/**
 * Which of `paths` the resource policy releases to an affirming token whose CPU evidence carries `pcr8`, as the
 * KBS decides: the engine evaluates `data.policy.allow` on the token claims and each request.
 */
export function releasedTo(resourcePolicy: string, pcr8: string, paths: readonly string[]): string[] {
  const token = earToken({
    cpu0: {
      vector: { 'instance-identity': 2, configuration: 2, executables: 3, hardware: 2 },
      evidence: { 'az-snp-vtpm': { tpm: { pcr08: pcr8 } } },
    },
  });
  return paths.filter((path) => regoEval(resourcePolicy, token, ['data.policy.allow'], { data: resourceRequest(path) }) === true);
}

/** The resource policy's binding table, as the engine evaluates it (`data.policy.resource_bindings`). */
export function bindingTable(resourcePolicy: string): Record<string, string[]> {
  return regoEval(resourcePolicy, {}, ['data.policy.resource_bindings']) as Record<string, string[]>;
}
