import { ConfidentialVmSize } from '../../src';
import {
  REGION_OFFERS,
  REGION_OFFERS_CONTEXT_KEY,
  REGION_OFFER_FAMILIES,
  parseConfirmedRegions,
  regionOfferWarning,
} from '../../src/azure/region-offers';
import { CONFIDENTIAL_FAMILIES } from '../../src/azure/vm-sizes';
import { REGIONS } from '../../src/azure/regions';
import { privateKeyVariants } from '../helpers/private-keys';

const KEY = privateKeyVariants()[0];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

describe('the table of regions known to offer each confidential family', () => {
  test('covers every confidential family and the GPU size family, and nothing else', () => {
    expect(REGION_OFFER_FAMILIES).toEqual([...CONFIDENTIAL_FAMILIES, 'NCCadsH100v5']);
    expect(Object.keys(REGION_OFFERS).sort()).toEqual([...REGION_OFFER_FAMILIES].sort());
  });

  test.each(REGION_OFFER_FAMILIES.map((f) => [f]))('%s has regions, a date and sources, the date being the newest source date', (family) => {
    const offer = REGION_OFFERS[family];
    expect(offer.regions.length).toBeGreaterThan(0);
    expect(offer.asOf).toMatch(ISO_DATE);
    expect(offer.sources.length).toBeGreaterThan(0);
    const dates = offer.sources.map((s) => /(\d{4}-\d{2}-\d{2})$/.exec(s)?.[1]);
    expect(dates).not.toContain(undefined);
    expect([...dates].sort().pop()).toBe(offer.asOf);
  });

  test.each(REGION_OFFER_FAMILIES.map((f) => [f]))('%s names each region once, as ARM spells it (lower case, no spaces)', (family) => {
    const { regions } = REGION_OFFERS[family];
    expect(new Set(regions).size).toBe(regions.length);
    for (const region of regions) expect(region).toMatch(/^[a-z]+[0-9]?$/);
    expect(regions.filter((r) => !REGIONS.includes(r))).toEqual([]);
  });

  test('rows as researched: the dates, and a region of each source', () => {
    expect(REGION_OFFERS.DCasv5).toMatchObject({ asOf: '2025-07-15', regions: expect.arrayContaining(['northeurope', 'southeastasia']) });
    expect(REGION_OFFERS.ECadsv6).toMatchObject({ asOf: '2026-02-06', regions: expect.arrayContaining(['uaenorth', 'uksouth', 'westus3']) });
    expect(REGION_OFFERS.DCesv6).toMatchObject({ asOf: '2026-02-26', regions: ['westus', 'westus3', 'westeurope', 'eastus'] });
    expect(REGION_OFFERS.ECedsv5).toMatchObject({ asOf: '2024-07-31', regions: ['westeurope', 'centralus', 'eastus2', 'northeurope'] });
    expect(REGION_OFFERS.NCCadsH100v5).toEqual({
      asOf: '2026-06-24',
      regions: ['eastus2', 'centralus', 'westeurope'],
      sources: ['Azure/az-cgpu-onboarding README.md:79, 2026-06-24'],
    });
  });
});

describe('regionOfferWarning', () => {
  test.each(['Standard_DC2as_v5', 'Standard_DC2es_v6'])('GIVEN the reference sizes in westeurope (%s) THEN nothing is said', (size) => {
    expect(regionOfferWarning(size, 'westeurope')).toBeUndefined();
    expect(regionOfferWarning(ConfidentialVmSize.of(size), 'westeurope')).toBeUndefined();
  });

  test.each(['brazilsouth', 'southafricawest'])(
    'GIVEN Standard_DC4as_v5 in %s THEN it warns with the size, family, date, check and silencer',
    (loc) => {
      const warning = regionOfferWarning('Standard_DC4as_v5', loc);
      expect(warning).toBe(
        `Standard_DC4as_v5 (family DCasv5): location ${loc} is not in the library's table of regions known to offer DCasv5 (as of 2025-07-15: ` +
          'eastus, eastus2, germanywestcentral, northeurope, southeastasia, westeurope, westus); if the region does not offer the size, only ' +
          `\`terraform apply\` finds out, after minutes. Check with \`az vm list-skus --location ${loc} --size Standard_DC4as_v5 --all ` +
          '--output table` ' +
          '(no row, or a restriction NotAvailableForSubscription, means it is not offered to you); if it is offered, add the region to the cdktf ' +
          'context key "confidential-ai:regionOffers" (cdktf.json "context", or app.node.setContext before adding stacks), ' +
          `e.g. { "DCasv5": ["${loc}"] }`,
      );
      expect(regionOfferWarning(ConfidentialVmSize.STANDARD_DC4AS_V5, loc)).toBe(warning);
    },
  );

  test('says "known to offer", never that the size is unavailable: no source claims its list is complete', () => {
    expect(regionOfferWarning('Standard_DC4as_v5', 'brazilsouth')).not.toMatch(/unavailable|not available in|does not offer Standard/);
  });

  test('GIVEN a location written as a display name or in capitals THEN it matches the ARM name', () => {
    for (const loc of ['West Europe', 'WestEurope', ' west europe ', 'WESTEUROPE'])
      expect(regionOfferWarning('Standard_DC2as_v5', loc)).toBeUndefined();
    expect(regionOfferWarning('Standard_DC2as_v5', 'Brazil South')).toContain('--location brazilsouth --size Standard_DC2as_v5');
  });

  test('judges each size by its own family: a TDX v6 size is not known in southeastasia, an SNP v5 size is', () => {
    expect(regionOfferWarning('Standard_DC2as_v5', 'southeastasia')).toBeUndefined();
    expect(regionOfferWarning('Standard_DC2es_v6', 'southeastasia')).toMatch(/^Standard_DC2es_v6 \(family DCesv6\): .*\(as of 2026-02-26: /);
    expect(regionOfferWarning('Standard_NCC40ads_H100_v5', 'centralus')).toBeUndefined();
    expect(regionOfferWarning('Standard_NCC40ads_H100_v5', 'westus')).toMatch(/family NCCadsH100v5.*as of 2026-06-24/);
  });

  test('skips non-confidential sizes, as names and as development sizes', () => {
    expect(regionOfferWarning('Standard_D2s_v5', 'brazilsouth')).toBeUndefined();
    expect(regionOfferWarning(ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5'), 'brazilsouth')).toBeUndefined();
  });

  test('GIVEN confirmed regions THEN exactly that family in that region is silenced', () => {
    const confirmed = { DCasv5: ['Brazil South'] };
    expect(regionOfferWarning('Standard_DC4as_v5', 'brazilsouth', confirmed)).toBeUndefined();
    expect(regionOfferWarning('Standard_DC4ads_v5', 'brazilsouth', confirmed)).toMatch(/family DCadsv5/);
    expect(regionOfferWarning('Standard_DC4as_v5', 'southafricawest', confirmed)).toMatch(/location southafricawest/);
  });
});

describe('parseConfirmedRegions', () => {
  const key = `context["${REGION_OFFERS_CONTEXT_KEY}"]`;

  test('no context value confirms nothing; a map of families to regions is kept', () => {
    expect(parseConfirmedRegions(undefined)).toEqual({ confirmed: {} });
    expect(parseConfirmedRegions({ DCasv5: ['brazilsouth'], NCCadsH100v5: [] })).toEqual({
      confirmed: { DCasv5: ['brazilsouth'], NCCadsH100v5: [] },
    });
  });

  test.each([
    [
      'a string',
      'brazilsouth',
      key,
      'must be an object of confidential VM families to the regions you confirmed offer them, e.g. { "DCasv5": ["brazilsouth"] } (got "brazilsouth")',
    ],
    ['a list', ['brazilsouth'], key, 'must be an object of confidential VM families'],
    ['null', null, key, '(got null)'],
    ['a region as a string', { DCasv5: 'brazilsouth' }, `${key}.DCasv5`, 'must be a list of region names, e.g. ["brazilsouth"] (got "brazilsouth")'],
    [
      'a list with a number',
      { DCasv5: ['brazilsouth', 3] },
      `${key}.DCasv5`,
      'must be a list of region names, e.g. ["brazilsouth"] (got ["brazilsouth",3])',
    ],
    ['an unknown family', { DCsav5: ['brazilsouth'] }, key, '"DCsav5" is not a confidential VM family; use one of DCasv5, '],
    ['an unknown region', { DCasv5: ['brasilsouth'] }, `${key}.DCasv5`, '"brasilsouth" is not an Azure region name such as "brazilsouth"'],
    ['a private key among the regions', { DCasv5: ['westeurope', KEY.text, 5] }, `${key}.DCasv5`, `(got <${KEY.described}, not shown>)`],
  ])('GIVEN %s THEN it names the field, the value and the fix', (_, value, field, message) => {
    const parsed = parseConfirmedRegions(value);
    expect(parsed).toEqual({ field, problem: expect.stringContaining(message) });
    expect(parsed).toEqual({ field, problem: expect.stringMatching(/; fix it in cdktf\.json "context" or app\.node\.setContext$/) });
  });
});
