import { AttestationInputError, show } from '../attestation/errors';
import { instanceOf } from '../attestation/schema';
import { AzureTee } from '../attestation/reference-values';

/** The TEE technology of a confidential VM size. */
export type ConfidentialTee = 'SNP' | 'TDX';

/** The attestation evidence type a TEE produces on Azure. */
export function evidenceTypeOf(tee: ConfidentialTee): AzureTee {
  return tee === 'SNP' ? 'az-snp-vtpm' : 'az-tdx-vtpm';
}

interface Family {
  readonly tee: ConfidentialTee;
  readonly gibPerVcpu: number;
  readonly vcpus: readonly number[];
}

const DC = [2, 4, 8, 16, 32, 48, 64, 96];
const EC = [2, 4, 8, 16, 20, 32, 48, 64, 96];

// Azure confidential VM families (UPSTREAM.md): DC = 4 GiB per vCPU, EC = 8 GiB per vCPU; `d` = local disk.
const FAMILIES: Readonly<Record<string, Family>> = {
  DCasv5: { tee: 'SNP', gibPerVcpu: 4, vcpus: DC },
  DCadsv5: { tee: 'SNP', gibPerVcpu: 4, vcpus: DC },
  ECasv5: { tee: 'SNP', gibPerVcpu: 8, vcpus: EC },
  ECadsv5: { tee: 'SNP', gibPerVcpu: 8, vcpus: EC },
  DCasv6: { tee: 'SNP', gibPerVcpu: 4, vcpus: DC },
  DCadsv6: { tee: 'SNP', gibPerVcpu: 4, vcpus: DC },
  ECasv6: { tee: 'SNP', gibPerVcpu: 8, vcpus: EC },
  ECadsv6: { tee: 'SNP', gibPerVcpu: 8, vcpus: EC },
  DCesv5: { tee: 'TDX', gibPerVcpu: 4, vcpus: DC },
  DCedsv5: { tee: 'TDX', gibPerVcpu: 4, vcpus: DC },
  ECesv5: { tee: 'TDX', gibPerVcpu: 8, vcpus: [...EC, 128] },
  ECedsv5: { tee: 'TDX', gibPerVcpu: 8, vcpus: [...EC, 128] },
  DCesv6: { tee: 'TDX', gibPerVcpu: 4, vcpus: [...DC, 128] },
  DCedsv6: { tee: 'TDX', gibPerVcpu: 4, vcpus: [...DC, 128] },
  ECesv6: { tee: 'TDX', gibPerVcpu: 8, vcpus: [...DC, 128] },
  ECedsv6: { tee: 'TDX', gibPerVcpu: 8, vcpus: [...DC, 128] },
};

/** Every confidential VM family name, e.g. `DCasv5`. */
export const CONFIDENTIAL_FAMILIES: readonly string[] = Object.keys(FAMILIES);

// Standard_<DC|EC><vCPUs><a|e><d?>s_v<5|6>
const SIZE = /^Standard_(DC|EC)(\d+)(a|e)(d?)s_v([56])$/;

/** The family of a name SIZE matched: `Standard_DC4as_v5` is a `DCasv5`. */
const familyName = (m: RegExpExecArray): string => `${m[1]}${m[3]}${m[4]}sv${m[5]}`;

/** The family of the confidential GPU size (Azure's name for the NCCadsH100v5 series). */
const GPU_FAMILY = 'NCCadsH100v5';

/**
 * A confidential VM size: validated against the catalogue of Azure confidential families, with its TEE.
 * Non-confidential sizes exist only through `nonConfidentialInsecure`, for development.
 */
export class ConfidentialVmSize {
  /** AMD SEV-SNP, 2 vCPU, 8 GiB: the size peer pods test upstream. */
  public static readonly STANDARD_DC2AS_V5 = ConfidentialVmSize.of('Standard_DC2as_v5');
  /** AMD SEV-SNP, 4 vCPU, 16 GiB. */
  public static readonly STANDARD_DC4AS_V5 = ConfidentialVmSize.of('Standard_DC4as_v5');
  /** Intel TDX, 2 vCPU, 8 GiB: the TDX size peer pods test upstream. */
  public static readonly STANDARD_DC2ES_V6 = ConfidentialVmSize.of('Standard_DC2es_v6');
  /** AMD SEV-SNP with an NVIDIA H100 (confidential GPU), 40 vCPU, 320 GiB. */
  public static readonly STANDARD_NCC40ADS_H100_V5 = new ConfidentialVmSize('Standard_NCC40ads_H100_v5', 'SNP', 40, 320, true);

  /** True when `name` is a confidential size of the catalogue. */
  public static isConfidential(name: string): boolean {
    return ConfidentialVmSize.tryParse(name) !== undefined;
  }

  /**
   * The confidential size named `name` (e.g. `Standard_DC4as_v5`). Fails with the list of families when it
   * is not a confidential size.
   */
  public static of(name: string): ConfidentialVmSize {
    const size = ConfidentialVmSize.tryParse(name);
    if (!size) {
      throw new AttestationInputError(
        'ConfidentialVmSize.of',
        `${show(name)} is not a confidential VM size; use one of the families ${CONFIDENTIAL_FAMILIES.join(', ')} ` +
          '(e.g. Standard_DC2as_v5 for SNP, Standard_DC2es_v6 for TDX) or Standard_NCC40ads_H100_v5',
      );
    }
    return size;
  }

  /**
   * A size WITHOUT a TEE, for development clusters only: pod VMs then run as ordinary VMs (the adaptor's
   * DISABLECVM), nothing can be attested, and no key will be released to them by a correct KBS.
   */
  public static nonConfidentialInsecure(name: string): ConfidentialVmSize {
    if (!/^Standard_[A-Za-z0-9_]+$/.test(name)) throw new Error(`instance size ${show(name)} is not an Azure VM size name like "Standard_D2s_v5"`);
    return new ConfidentialVmSize(name, undefined, undefined, undefined, false);
  }

  private static tryParse(name: string): ConfidentialVmSize | undefined {
    if (name === ConfidentialVmSize.STANDARD_NCC40ADS_H100_V5?.name) return ConfidentialVmSize.STANDARD_NCC40ADS_H100_V5;
    const m = SIZE.exec(name);
    if (!m) return undefined;
    const family = FAMILIES[familyName(m)];
    const vcpus = Number(m[2]);
    if (!family || !family.vcpus.includes(vcpus)) return undefined;
    return new ConfidentialVmSize(name, family.tee, vcpus, vcpus * family.gibPerVcpu, true);
  }

  private constructor(
    /** The Azure size name. */
    public readonly name: string,
    /** The TEE, or undefined for a non-confidential development size. */
    public readonly tee: ConfidentialTee | undefined,
    /** vCPUs (undefined for non-confidential sizes, which the catalogue does not track). */
    public readonly vcpus: number | undefined,
    /** Memory in GiB (likewise). */
    public readonly memoryGiB: number | undefined,
    /** False only for `nonConfidentialInsecure`. */
    public readonly isConfidential: boolean,
  ) {}

  /**
   * The Azure size family, e.g. `DCasv5` for `Standard_DC4as_v5` and `NCCadsH100v5` for the GPU size, or undefined for a
   * non-confidential development size.
   */
  public get family(): string | undefined {
    if (!this.isConfidential) return undefined;
    if (this.name === ConfidentialVmSize.STANDARD_NCC40ADS_H100_V5.name) return GPU_FAMILY;
    return familyName(SIZE.exec(this.name)!);
  }

  /** The attestation evidence type pod VMs of this size produce, if confidential. */
  public get evidenceType(): AzureTee | undefined {
    return this.tee ? evidenceTypeOf(this.tee) : undefined;
  }

  /** The size name. */
  public toString(): string {
    return this.name;
  }
}

/** The props schema of a ConfidentialVmSize (every construct that takes a size uses this one). */
export const vmSizeSchema = instanceOf(
  ConfidentialVmSize,
  'must be a ConfidentialVmSize, e.g. ConfidentialVmSize.of("Standard_DC4as_v5"), not a string',
);
