// Which Azure regions are known to offer each confidential VM family: a dated table, for a synth-time warning (pure, no cdktf).
// A size a region does not offer is otherwise found only by `terraform apply`, minutes in. No source below says its
// list is complete, so the table names regions KNOWN to offer a family; the live answer is `az vm list-skus`.
import { show, showValue } from '../attestation/errors';
import { REGIONS, normalizeRegion } from './regions';
import { CONFIDENTIAL_FAMILIES, ConfidentialVmSize } from './vm-sizes';

/** The regions known to offer one confidential VM family. */
export interface RegionOffer {
  /** ARM region names (`westeurope`). */
  readonly regions: readonly string[];
  /** The newest date among the sources (ISO `YYYY-MM-DD`): the table says nothing about later changes. */
  readonly asOf: string;
  /** Where the regions come from: a document or repository path at a commit, or an announcement, with its date. */
  readonly sources: readonly string[];
}

/** The cdktf context key of the regions a user confirmed (with `az vm list-skus`) beyond the table, by family. */
export const REGION_OFFERS_CONTEXT_KEY = 'confidential-ai:regionOffers';

const AZURE_COMPUTE_DOCS_DCESV5_SUMMARY =
  'MicrosoftDocs/azure-compute-docs articles/virtual-machines/sizes/general-purpose/includes/dcesv5-series-summary.md';

// AMD SEV-SNP, v6 (GA 2025).
const SNP_V6: RegionOffer = {
  regions: [
    // Tech Community "General availability: DCasv6 and ECasv6 confidential VMs", 2025-09-16
    'uaenorth',
    'koreacentral',
    // Azure update 502874, 2025-09-18
    'westcentralus',
    'southafricanorth',
    'switzerlandnorth',
    'uksouth',
    // Azure update 553966, 2026-02-06
    'canadacentral',
    'canadaeast',
    'norwayeast',
    'norwaywest',
    'italynorth',
    'germanynorth',
    'francesouth',
    'australiaeast',
    'westus',
    'westus3',
    'germanywestcentral',
  ],
  asOf: '2026-02-06',
  sources: [
    'Tech Community "General availability: DCasv6 and ECasv6 confidential VMs", 2025-09-16',
    'Azure update 502874, 2025-09-18',
    'Azure update 553966, 2026-02-06',
  ],
};

// Intel TDX, v6 (GA 2026; preview regions before).
const TDX_V6: RegionOffer = {
  regions: ['westus', 'westus3', 'westeurope', 'eastus'],
  asOf: '2026-02-26',
  sources: [
    'Tech Community "GA of Azure Intel TDX confidential VMs" (westus, westus3), 2026-02-26',
    `${AZURE_COMPUTE_DOCS_DCESV5_SUMMARY}@fdb86ad2c505215d296d0c421501068c195cc606 (preview: westeurope, eastus), ms.date 2025-04-15`,
  ],
};

// Intel TDX, v5: being retired (Azure update 502039, 2025-09-02); the v6 families replace them.
const TDX_V5: RegionOffer = {
  regions: ['westeurope', 'centralus', 'eastus2', 'northeurope'],
  asOf: '2024-07-31',
  sources: [
    'MicrosoftDocs/azure-docs articles/virtual-machines/dcesv5-dcedsv5-series.md@033bba29859a3ae38aaf589fc43f60f45335298e, 2023-11-14',
    `${AZURE_COMPUTE_DOCS_DCESV5_SUMMARY}, 2024-07-31`,
  ],
};

// AMD SEV-SNP, v5.
const SNP_V5: RegionOffer = {
  regions: ['westus', 'northeurope', 'westeurope', 'germanywestcentral', 'eastus', 'eastus2', 'southeastasia'],
  asOf: '2025-07-15',
  sources: [
    'MicrosoftDocs/azure-docs articles/confidential-computing/confidential-vm-overview.md@00b4ccce19ec4c9ab91938b35f47e8addb8fe7c5 ' +
      '(westus, northeurope), 2021-11-15',
    'edgelesssys/constellation@7cb5b83b134b8de708937ed4935e594031901bcc internal/osimage/uplosi/uplosiupload.go:255-258 and ' +
      'docs/docs/workflows/config.md:192-199 (the regions of its Azure SEV-SNP CVM images), 2025-07-15',
  ],
};

// The confidential GPU size (Standard_NCC40ads_H100_v5).
const GPU_H100: RegionOffer = {
  regions: ['eastus2', 'centralus', 'westeurope'],
  asOf: '2026-06-24',
  sources: ['Azure/az-cgpu-onboarding README.md:79, 2026-06-24'],
};

/** The regions known to offer each confidential VM family (`ConfidentialVmSize.family`), with their date and sources. */
export const REGION_OFFERS: Readonly<Record<string, RegionOffer>> = {
  DCasv5: SNP_V5,
  DCadsv5: SNP_V5,
  ECasv5: SNP_V5,
  ECadsv5: SNP_V5,
  DCasv6: SNP_V6,
  DCadsv6: SNP_V6,
  ECasv6: SNP_V6,
  ECadsv6: SNP_V6,
  DCesv5: TDX_V5,
  DCedsv5: TDX_V5,
  ECesv5: TDX_V5,
  ECedsv5: TDX_V5,
  DCesv6: TDX_V6,
  DCedsv6: TDX_V6,
  ECesv6: TDX_V6,
  ECedsv6: TDX_V6,
  NCCadsH100v5: GPU_H100,
};

/** Every family the table covers: the confidential families and the GPU size's. */
export const REGION_OFFER_FAMILIES: readonly string[] = [...CONFIDENTIAL_FAMILIES, ConfidentialVmSize.STANDARD_NCC40ADS_H100_V5.family!];

/** Regions a user confirmed offer a family, beyond the table: family name to region names. */
export type ConfirmedRegions = Readonly<Record<string, readonly string[]>>;

/**
 * The warning for a VM of `size` in `location`, or undefined when the table (or `confirmed`) lists the region for the
 * size's family, or the size is not confidential. `location` must be a literal: the caller skips Terraform tokens.
 */
export function regionOfferWarning(size: string | ConfidentialVmSize, location: string, confirmed: ConfirmedRegions = {}): string | undefined {
  const parsed = typeof size === 'string' ? (ConfidentialVmSize.isConfidential(size) ? ConfidentialVmSize.of(size) : undefined) : size;
  const family = parsed?.family;
  const offer = family === undefined ? undefined : REGION_OFFERS[family];
  if (parsed === undefined || family === undefined || offer === undefined) return undefined;
  const region = normalizeRegion(location);
  if ([...offer.regions, ...(confirmed[family] ?? [])].some((r) => normalizeRegion(r) === region)) return undefined;
  return (
    `${parsed.name} (family ${family}): location ${location} is not in the library's table of regions known to offer ${family} ` +
    `(as of ${offer.asOf}: ${[...offer.regions].sort().join(', ')}); if the region does not offer the size, only \`terraform apply\` ` +
    `finds out, after minutes. Check with \`az vm list-skus --location ${region} --size ${parsed.name} --all --output table\` (no row, ` +
    'or a restriction NotAvailableForSubscription, means it is not offered to you); if it is offered, add the region to the cdktf ' +
    `context key "${REGION_OFFERS_CONTEXT_KEY}" (cdktf.json "context", or app.node.setContext before adding stacks), e.g. ` +
    `{ "${family}": ["${region}"] }`
  );
}

/** The regions users confirmed, from the context value, or the problem with it (what it must be, the value, the fix). */
export function parseConfirmedRegions(
  value: unknown,
): { readonly confirmed: ConfirmedRegions } | { readonly field: string; readonly problem: string } {
  const key = `context["${REGION_OFFERS_CONTEXT_KEY}"]`;
  const where = 'fix it in cdktf.json "context" or app.node.setContext';
  if (value === undefined) return { confirmed: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      field: key,
      problem:
        'must be an object of confidential VM families to the regions you confirmed offer them, e.g. { "DCasv5": ["brazilsouth"] } ' +
        `(got ${showValue(value)}); ${where}`,
    };
  }
  const confirmed: Record<string, readonly string[]> = {};
  for (const [family, regions] of Object.entries(value)) {
    if (!REGION_OFFER_FAMILIES.includes(family)) {
      return { field: key, problem: `${show(family)} is not a confidential VM family; use one of ${REGION_OFFER_FAMILIES.join(', ')}; ${where}` };
    }
    if (!Array.isArray(regions) || !regions.every((r) => typeof r === 'string' && r.trim() !== '')) {
      return {
        field: `${key}.${family}`,
        problem: `must be a list of region names, e.g. ["brazilsouth"] (got ${showValue(regions)}); ${where}`,
      };
    }
    const unknown = (regions as string[]).find((r) => !REGIONS.includes(normalizeRegion(r)));
    if (unknown !== undefined) {
      return {
        field: `${key}.${family}`,
        problem: `${show(unknown)} is not an Azure region name such as "brazilsouth" (see \`az account list-locations --query "[].name"\`); ${where}`,
      };
    }
    confirmed[family] = regions as string[];
  }
  return { confirmed };
}
