import { ConfidentialVmSize } from '../../src';

describe('ConfidentialVmSize', () => {
  test.each([
    ['Standard_DC2as_v5', 'SNP', 'az-snp-vtpm', 2, 8],
    ['Standard_EC16ads_v5', 'SNP', 'az-snp-vtpm', 16, 128],
    ['Standard_DC4as_v6', 'SNP', 'az-snp-vtpm', 4, 16],
    ['Standard_DC2es_v6', 'TDX', 'az-tdx-vtpm', 2, 8],
    ['Standard_EC8eds_v5', 'TDX', 'az-tdx-vtpm', 8, 64],
    ['Standard_NCC40ads_H100_v5', 'SNP', 'az-snp-vtpm', 40, 320],
  ])('%s is a %s size (%s) with %i vCPU and %i GiB', (name, tee, evidence, vcpus, memory) => {
    const size = ConfidentialVmSize.of(name);
    expect(size).toMatchObject({ name, tee, vcpus, memoryGiB: memory, isConfidential: true });
    expect(size.evidenceType).toBe(evidence);
  });

  test.each(['Standard_D4s_v5', 'Standard_DC2s_v3', 'Standard_DC3as_v5', 'standard_dc2as_v5', 'Standard_DC2as_v4', ''])(
    'fails for %p, listing the confidential families',
    (name) => {
      expect(() => ConfidentialVmSize.of(name)).toThrow(
        /^ConfidentialVmSize.of: ".*" is not a confidential VM size; use one of the families DCasv5, .*ECedsv6/,
      );
    },
  );

  test('a non-confidential size exists only through the loudly named development factory', () => {
    const size = ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5');
    expect(size).toMatchObject({ name: 'Standard_D2s_v5', isConfidential: false, tee: undefined });
    expect(ConfidentialVmSize.isConfidential('Standard_D2s_v5')).toBe(false);
  });

  describe('family', () => {
    test.each([
      ['Standard_DC2as_v5', 'DCasv5'],
      ['Standard_EC16ads_v5', 'ECadsv5'],
      ['Standard_DC4as_v6', 'DCasv6'],
      ['Standard_DC2es_v6', 'DCesv6'],
      ['Standard_EC8eds_v5', 'ECedsv5'],
      ['Standard_NCC40ads_H100_v5', 'NCCadsH100v5'],
    ])('%s is a %s', (name, family) => {
      expect(ConfidentialVmSize.of(name).family).toBe(family);
    });

    test('a non-confidential size has none, even named like a confidential one', () => {
      expect(ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5').family).toBeUndefined();
      expect(ConfidentialVmSize.nonConfidentialInsecure('Standard_DC2as_v5').family).toBeUndefined();
    });
  });
});
