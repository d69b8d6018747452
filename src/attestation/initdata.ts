import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { Field, check, inputError, show } from './errors';
import { HashAlgorithm, hexDigest } from './encoding';
import { requireSynthTimeString } from './tokens';

/** The initdata specification version that guest-components and Trustee v0.21.0 read. */
export const INITDATA_VERSION = '0.1.0';

/** The pod annotation that carries a workload's initdata into its pod VM. */
export const INITDATA_ANNOTATION = 'io.katacontainers.config.hypervisor.cc_init_data';

/** The vTPM PCR into which the Azure attesters extend the initdata digest. */
export const AZURE_INITDATA_PCR = 8;

const ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha384', 'sha512'];
const DATA_KEYS = ['aa.toml', 'cdh.toml', 'policy.rego'] as const;

/** Inputs of an initdata document. */
export interface InitdataProps {
  /**
   * Digest algorithm written into the document and used for `digest`.
   * @default 'sha256' - the only one the Azure vTPM attesters can bind into PCR 8
   */
  readonly algorithm?: HashAlgorithm;
  /** The attestation agent's configuration (aa.toml), see `renderAaToml`. */
  readonly aaToml: string;
  /** The confidential data hub's configuration (cdh.toml), see `renderCdhToml`. */
  readonly cdhToml: string;
  /** The kata agent policy (`package agent_policy`), see `AgentPolicy`. */
  readonly agentPolicy: string;
}

/**
 * A workload's initdata: the TOML document the pod VM measures into its TEE evidence.
 *
 * Everything here is content-addressed: `digest` is the hash of the exact bytes of `toml`, and on Azure
 * `azureVtpmPcr8` is the PCR 8 value a pod VM that booted with this initdata reports. Change one byte and
 * both change.
 */
export class Initdata {
  /**
   * Wraps an existing initdata document byte for byte (its digest is of these exact bytes).
   * Fails unless it is a version 0.1.0 document with a known algorithm and only the three known data keys,
   * whose aa.toml and cdh.toml parse as TOML.
   */
  public static fromToml(text: string): Initdata {
    requireSynthTimeString(text, 'initdata');
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      throw inputError('initdata', `is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
    }
    const unknownTop = Object.keys(doc).filter((k) => !['version', 'algorithm', 'data'].includes(k));
    check(unknownTop.length === 0, 'initdata', `has unknown top-level keys ${show(unknownTop)}; only version, algorithm and [data] exist`);
    check(doc.version === INITDATA_VERSION, 'initdata.version', `must be "${INITDATA_VERSION}", got ${show(doc.version)}`);
    const algorithm = doc.algorithm as HashAlgorithm;
    check(ALGORITHMS.includes(algorithm), 'initdata.algorithm', `must be one of ${ALGORITHMS.join(', ')}, got ${show(doc.algorithm)}`);
    const data = doc.data;
    check(typeof data === 'object' && data !== null && !Array.isArray(data), 'initdata.data', 'must be a [data] table');
    const entries = data as Record<string, unknown>;
    for (const key of Object.keys(entries)) {
      check(
        (DATA_KEYS as readonly string[]).includes(key),
        `initdata.data`,
        `has unknown key ${show(key)}; only "aa.toml", "cdh.toml" and "policy.rego" are read by the guest`,
      );
      check(typeof entries[key] === 'string', `initdata.data."${key}"`, 'must be a string');
    }
    return new Initdata(
      {
        algorithm,
        aaToml: (entries['aa.toml'] as string | undefined) ?? '',
        cdhToml: (entries['cdh.toml'] as string | undefined) ?? '',
        agentPolicy: (entries['policy.rego'] as string | undefined) ?? '',
      },
      text,
    );
  }

  /** The digest algorithm. */
  public readonly algorithm: HashAlgorithm;
  /** The attestation agent configuration carried in the document. */
  public readonly aaToml: string;
  /** The confidential data hub configuration carried in the document. */
  public readonly cdhToml: string;
  /** The kata agent policy carried in the document. */
  public readonly agentPolicy: string;
  /** The exact text of the initdata document. */
  public readonly toml: string;

  constructor(props: InitdataProps);
  /** @internal used by fromToml to keep an existing document's bytes. */
  constructor(props: InitdataProps, exactText: string);
  constructor(props: InitdataProps, exactText?: string) {
    const algorithm = props.algorithm ?? 'sha256';
    check(ALGORITHMS.includes(algorithm), 'algorithm', `must be one of ${ALGORITHMS.join(', ')}, got ${show(algorithm)}`);
    this.algorithm = algorithm;
    this.aaToml = validateEmbeddedToml(props.aaToml, 'aaToml', exactText !== undefined);
    this.cdhToml = validateEmbeddedToml(props.cdhToml, 'cdhToml', exactText !== undefined);
    this.agentPolicy = validateAgentPolicy(props.agentPolicy, exactText !== undefined);
    this.toml = exactText ?? renderInitdataToml(algorithm, this.aaToml, this.cdhToml, this.agentPolicy);
  }

  /** Lowercase hex of `algorithm` over the UTF-8 bytes of `toml`: what the guest binds into its evidence. */
  public get digest(): string {
    return hexDigest(this.algorithm, this.toml);
  }

  /**
   * The value of the pod annotation `io.katacontainers.config.hypervisor.cc_init_data`: base64 of gzip of
   * the document. The gzip header carries no name and no time, so the same document gives the same annotation.
   */
  public get annotation(): string {
    return gzipSync(Buffer.from(this.toml, 'utf8'), { level: 9 }).toString('base64');
  }

  /**
   * The PCR 8 value an Azure confidential VM (az-snp-vtpm or az-tdx-vtpm) reports after booting with this
   * initdata: sha256(32 zero bytes || digest), lowercase hex. The Azure attesters extend PCR 8 with the raw
   * 32-byte digest, so only sha256 initdata can be used there.
   */
  public get azureVtpmPcr8(): string {
    check(
      this.algorithm === 'sha256',
      'algorithm',
      `is ${show(this.algorithm)}, but the Azure vTPM attesters extend PCR 8 with a 32-byte digest and reject any other; use "sha256"`,
    );
    return createHash('sha256').update(Buffer.alloc(32)).update(Buffer.from(this.digest, 'hex')).digest('hex');
  }
}

function renderInitdataToml(algorithm: HashAlgorithm, aaToml: string, cdhToml: string, agentPolicy: string): string {
  // Key order is fixed by this object literal; smol-toml escapes every string, so no input can add a key.
  const text = stringifyToml({
    version: INITDATA_VERSION,
    algorithm,
    data: { 'aa.toml': aaToml, 'cdh.toml': cdhToml, 'policy.rego': agentPolicy },
  });
  return text.endsWith('\n') ? text : `${text}\n`;
}

function validateEmbeddedToml(text: string, field: Field, allowEmpty: boolean): string {
  check(typeof text === 'string', field, `must be a string, got ${show(text)}`);
  requireSynthTimeString(text, field);
  if (allowEmpty && text === '') return text;
  check(text.trim() !== '', field, 'must not be empty; render it with renderAaToml / renderCdhToml');
  try {
    parseToml(text);
  } catch (e) {
    throw inputError(field, `is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  return text;
}

function validateAgentPolicy(text: string, allowEmpty: boolean): string {
  check(typeof text === 'string', 'agentPolicy', `must be a string, got ${show(text)}`);
  requireSynthTimeString(text, 'agentPolicy');
  if (allowEmpty && text === '') return text;
  check(
    /^package agent_policy$/m.test(text),
    'agentPolicy',
    'must be a kata agent policy (a rego document with "package agent_policy"); use AgentPolicy.forPod(...)',
  );
  return text;
}
