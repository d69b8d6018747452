import { renderAttestationPolicy } from './attestation-policy';
import { Field, InputOwner, inputError } from './errors';
import { requireHex } from './encoding';
import { AzureTee, NormalizedMeasurementSet, ReferenceValues, SnpTcbFloor, normalizeSnpTcbFloor, requireExpiration } from './reference-values';
import { ResourcePath, ResourcePathLike } from './resource-path';
import { renderResourcePolicy } from './resource-policy';
import { ResourceSource } from './resource-source';
import type { WorkloadExposure } from './workload-exposure';

/** The Trustee release the formats here are those of, and its release date (versions.ts repeats both). */
export const TRUSTEE_RELEASE = { version: 'v0.21.0', releasedOn: '2026-07-16T00:00:00Z' } as const;

/** A workload as a KBS knows it: its identity (PCR 8) and what it may receive. */
export interface RegisteredWorkload extends WorkloadIdentity {
  /** The resources granted to it. */
  readonly resources: readonly ResourcePath[];
}

/** Who a workload is, to a KBS. */
export interface WorkloadIdentity {
  /** Who it is (the construct path), for messages and reports. */
  readonly name: string;
  /** The PCR 8 of its initdata. */
  readonly pcr8: string;
  /** The evidence types its pod VMs produce (from its instance size). */
  readonly evidenceTypes: readonly AzureTee[];
  /**
   * What its agent policy lets its pod VMs run, for the trust report.
   * @default - not reported
   */
  readonly runs?: ReadonlyArray<{ readonly name: string; readonly image: string; readonly args: readonly string[] }>;
  /**
   * What its pod VMs accept connections on from outside them, for the trust report.
   * @default - not reported
   */
  readonly exposure?: WorkloadExposure;
  /**
   * The pod VM image its pods boot; the KBS must trust its measurements.
   * @default - not checked
   */
  readonly image?: { readonly measurements: readonly NormalizedMeasurementSet[] };
}

/** Options of the registry. */
export interface KbsStateOptions {
  /** Expiration of every reference value record. */
  readonly expiration: string;
  /** TDX TCB statuses accepted. */
  readonly tdxAcceptedTcbStatuses?: readonly string[];
  /** The oldest SNP TCB accepted; required when SNP images are trusted, unless `allowAnySnpTcbInsecure`. */
  readonly snpTcbFloor?: SnpTcbFloor;
  /** Affirms SNP hardware of any TCB when there is no floor. For development only. */
  readonly allowAnySnpTcbInsecure?: boolean;
  /** The KBS construct this state belongs to: its errors then name it. @default - none (errors name the field only) */
  readonly owner?: InputOwner;
}

/**
 * What a KBS knows about a deployment: trusted image measurements, registered workloads and declared
 * resources. Everything Trustee is seeded with (reference values, both policies) is derived from here, so
 * registering a workload updates all of them in the same synth.
 */
export class KbsState {
  private readonly images: NormalizedMeasurementSet[][] = [];
  private changes = 0;
  private readonly workloads: Array<WorkloadIdentity & { resources: ResourcePath[] }> = [];
  private readonly resources = new Map<string, { path: ResourcePath; source: ResourceSource; exclusiveTo?: string }>();

  constructor(private readonly options: KbsStateOptions) {
    requireExpiration(options.expiration, this.field('referenceValuesExpire'));
    // Synth reads no clock, but an expiration before the pinned Trustee release has certainly passed.
    if (options.expiration < TRUSTEE_RELEASE.releasedOn) {
      throw inputError(
        this.field('referenceValuesExpire'),
        `is ${options.expiration}, before Trustee ${TRUSTEE_RELEASE.version} was even released (${TRUSTEE_RELEASE.releasedOn}): ` +
          `every reference value would have expired and no attestation could pass; set a date in the future`,
      );
    }
    if (options.snpTcbFloor !== undefined) normalizeSnpTcbFloor(options.snpTcbFloor, this.field('snpTcbFloor'));
  }

  /** `name`, as a field of the owning construct when there is one. */
  private field(name: string): Field {
    return this.options.owner ? { owner: this.options.owner, field: name } : name;
  }

  /** Trusts the measurements of a pod VM image (every image pods may boot, e.g. old and new during an upgrade). */
  public trustImage(image: { readonly measurements: readonly NormalizedMeasurementSet[] }): void {
    if (!this.isTrusted(image)) {
      this.images.push([...image.measurements]);
      this.changes++;
    }
  }

  /** True when the image's measurements are trusted (compared by value). */
  public isTrusted(image: { readonly measurements: readonly NormalizedMeasurementSet[] }): boolean {
    const key = JSON.stringify(image.measurements);
    return this.images.some((m) => JSON.stringify(m) === key);
  }

  /**
   * Declares where a resource comes from; declaring one path twice with different sources is an error.
   * `exclusiveTo` names the one workload (its name) that may be granted it, such as the key manager's private
   * key: granting it to any other workload is a wiring problem.
   */
  public declareResource(resource: ResourcePathLike, source: ResourceSource, exclusiveTo?: string): ResourcePath {
    const path = typeof resource === 'string' ? ResourcePath.parse(resource, this.field('resource')) : resource;
    const existing = this.resources.get(path.path);
    if (existing && !existing.source.equals(source)) {
      throw inputError(
        this.field('resource'),
        `${path.uri} is already declared from ${existing.source.describe()}; it cannot also come from ${source.describe()}`,
      );
    }
    if (existing?.exclusiveTo !== undefined && exclusiveTo !== undefined && existing.exclusiveTo !== exclusiveTo) {
      throw inputError(this.field('resource'), `${path.uri} is reserved for ${existing.exclusiveTo}; it cannot also be reserved for ${exclusiveTo}`);
    }
    const owner = exclusiveTo ?? existing?.exclusiveTo;
    this.resources.set(path.path, { path, source, ...(owner !== undefined ? { exclusiveTo: owner } : {}) });
    this.changes++;
    return path;
  }

  /**
   * Admits a workload (its PCR 8 becomes a reference value) and binds `resources` to its PCR 8. Granting to
   * the same workload again adds resources; the same name with other identity facts is an error.
   */
  public grantResources(workload: WorkloadIdentity, resources: readonly ResourcePath[]): void {
    requireHex(workload.pcr8, 32, this.field('pcr8'));
    let known = this.workloads.find((w) => w.name === workload.name);
    if (known && known.pcr8 !== workload.pcr8) {
      throw inputError(
        this.field('workload'),
        `${workload.name} is already admitted with PCR 8 ${known.pcr8.slice(0, 12)}..., not ${workload.pcr8.slice(0, 12)}...`,
      );
    }
    if (!known) {
      known = { ...workload, resources: [] };
      this.workloads.push(known);
    }
    for (const r of resources) if (!known.resources.some((k) => k.equals(r))) known.resources.push(r);
    this.changes++;
  }

  /** Counts registrations, so a renderer can reuse its output until something new is registered. */
  public get revision(): number {
    return this.changes;
  }

  /** A declared resource path, parsed (errors at `field`, by default this state's `resource`). */
  public resourcePath(resource: ResourcePathLike, field: Field = this.field('resource')): ResourcePath {
    const path = typeof resource === 'string' ? ResourcePath.parse(resource, field) : resource;
    if (!this.resources.has(path.path)) throw inputError(field, `${path.uri} is not declared; declare it with declareResource first`);
    return path;
  }

  /** Registered workloads, in registration order. */
  public get registeredWorkloads(): readonly RegisteredWorkload[] {
    return this.workloads;
  }

  /** Declared resources, sorted by path. */
  public get declaredResources(): ReadonlyArray<{ readonly path: ResourcePath; readonly source: ResourceSource }> {
    return [...this.resources.values()].sort((a, b) => (a.path.path < b.path.path ? -1 : 1));
  }

  /** The reference values: every trusted image's measurements and every workload's PCR 8. */
  public referenceValues(): ReferenceValues {
    return new ReferenceValues({
      measurements: this.images.flat(),
      initdataPcr8: this.workloads.map((w) => w.pcr8),
      ...(this.options.snpTcbFloor ? { snpTcbFloor: this.options.snpTcbFloor } : {}),
    });
  }

  /** The `default_cpu` attestation policy. */
  public attestationPolicy(): string {
    return renderAttestationPolicy(this.referenceValues(), {
      tdxAcceptedTcbStatuses: this.options.tdxAcceptedTcbStatuses,
      allowAnySnpTcbInsecure: this.options.allowAnySnpTcbInsecure,
    });
  }

  /** The resource policy: each declared resource bound to the workloads that need it. */
  public resourcePolicy(): string {
    const bindings = this.declaredResources
      .map(({ path }) => ({ resource: path, pcr8: this.workloads.filter((w) => w.resources.some((r) => r.equals(path))).map((w) => w.pcr8) }))
      .filter((b) => b.pcr8.length > 0);
    return renderResourcePolicy(bindings);
  }

  /** Resources that come from Kubernetes Secrets, sorted by path. */
  public secretResources(): Array<{ resource: ResourcePath; secretName: string; key: string }> {
    const out: Array<{ resource: ResourcePath; secretName: string; key: string }> = [];
    for (const { path, source } of this.declaredResources) {
      const secret = source.kubernetesSecretRef;
      if (secret) out.push({ resource: path, ...secret });
    }
    return out;
  }

  /** Resources that come from Azure Key Vault, sorted by path. */
  public keyVaultResources(): Array<{ resource: ResourcePath; secretName: string; version?: string }> {
    const out: Array<{ resource: ResourcePath; secretName: string; version?: string }> = [];
    for (const { path, source } of this.declaredResources) {
      const secret = source.keyVaultSecretRef;
      if (secret) out.push({ resource: path, ...secret });
    }
    return out;
  }

  /** Wiring problems, one message each; empty when the chain is closed. */
  public problems(): string[] {
    const problems: string[] = [];
    const measured = new Set(this.images.flat().map((m) => m.tee));
    if (measured.has('az-snp-vtpm') && !this.options.snpTcbFloor && !this.options.allowAnySnpTcbInsecure) {
      problems.push(
        'trusts az-snp-vtpm pod VM images but has no snpTcbFloor, so SNP hardware would never be affirming; give the oldest accepted ' +
          'TCB { bootloader, tee, snp, microcode } (AMD security bulletins, or the reported_tcb_* of a known-good attestation: docs/security.md), ' +
          'or for development only allowAnySnpTcbInsecure: true',
      );
    }
    const byPcr8 = new Map<string, string[]>();
    for (const w of this.workloads) byPcr8.set(w.pcr8, [...(byPcr8.get(w.pcr8) ?? []), w.name]);
    for (const [pcr8, names] of byPcr8) {
      if (names.length > 1)
        problems.push(
          `${names.join(' and ')} have the same initdata (PCR 8 ${pcr8.slice(0, 12)}...), ` +
            `so the KBS cannot tell them apart; give each its own name or images`,
        );
    }
    for (const w of this.workloads) {
      if (w.image && !this.isTrusted(w.image))
        problems.push(
          `${w.name} boots a pod VM image whose measurements the KBS does not trust, so it could never attest; call trustImage with the pool's image`,
        );
      for (const r of w.resources) {
        if (!this.resources.has(r.path))
          problems.push(`${w.name} needs ${r.uri}, which no one declared; declare it on the KBS with its source (kbs.declareResource)`);
      }
      for (const tee of w.evidenceTypes) {
        if (!measured.has(tee))
          problems.push(`${w.name} runs on ${tee} pod VMs, but no trusted image has ${tee} measurements; trust the pool's image (trustImage)`);
      }
      for (const r of w.resources) {
        const owner = this.resources.get(r.path)?.exclusiveTo;
        if (owner !== undefined && owner !== w.name) {
          problems.push(`${w.name} needs ${r.uri}, which is reserved for ${owner} (it would be released to both); give ${w.name} its own resource`);
        }
      }
    }
    return problems;
  }

  /** What is probably a mistake but may be deliberate: resources declared and bound to no workload. */
  public warnings(): string[] {
    return this.declaredResources
      .filter(({ path }) => !this.workloads.some((w) => w.resources.some((r) => r.equals(path))))
      .map(({ path }) => `${path.uri} is declared but no workload needs it, so the KBS releases it to no one; bind it to a workload or remove it`);
  }
}
