import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodVmImage } from '../../src';
import { hex32 } from '../attestation/fixtures/values';
import { emptyStack, resourceOf, synth } from '../helpers/synth';
import { BOTH_TEES, baseInfra } from './fixtures';

describe('PodVmImage', () => {
  const json = synth((stack) => baseInfra(stack));

  test('defines a Linux, Gen2 (V2), ConfidentialVmSupported image', () => {
    expect(resourceOf(json, 'azurerm_shared_image')).toMatchObject({
      os_type: 'Linux',
      hyper_v_generation: 'V2',
      confidential_vm_supported: true,
      identifier: { publisher: 'confidential-containers', offer: 'peerpods-podvm', sku: 'azure-cvm' },
    });
  });

  test('creates the version from the VHD blob, replicated to the location by default', () => {
    expect(resourceOf(json, 'azurerm_shared_image_version')).toMatchObject({
      name: '0.22.0',
      blob_uri: 'https://podvmimages.blob.core.windows.net/vhds/podvm-0.22.0.vhd',
      storage_account_id: expect.stringContaining('storageAccounts/podvmimages'),
      target_region: [{ name: 'westeurope', regional_replica_count: 1, storage_account_type: 'Standard_LRS' }],
    });
  });

  test('reads measurements.json of an image build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podvm-'));
    const file = join(dir, 'measurements.json');
    writeFileSync(file, JSON.stringify({ measurements: { sha256: { pcr03: hex32('3'), pcr09: hex32('9'), pcr11: hex32('11') } } }));
    expect(PodVmImage.measurementsFromFile(file, 'az-tdx-vtpm')).toEqual({
      tee: 'az-tdx-vtpm',
      pcrs: { 3: hex32('3'), 9: hex32('9'), 11: hex32('11') },
    });
  });

  test('fails with the path and what to pass when measurements.json is missing or unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podvm-'));
    expect(() => PodVmImage.measurementsFromFile(join(dir, 'measurements.json'), 'az-snp-vtpm')).toThrow(
      new RegExp(
        '^measurementsFromFile: /.*/measurements.json \\(/.*\\) does not exist; ' +
          'pass the measurements.json your pod VM image build wrote for az-snp-vtpm',
      ),
    );
    expect(() => PodVmImage.measurementsFromFile(dir, 'az-snp-vtpm')).toThrow(/measurementsFromFile: .* cannot be read \(EISDIR/);
  });

  const base = {
    resourceGroupName: 'rg',
    location: 'westeurope',
    galleryName: 'podvms',
    version: '0.22.0',
    vhdBlobUri: 'https://podvmimages.blob.core.windows.net/vhds/podvm.vhd',
    storageAccountId: 'sa',
    measurements: BOTH_TEES,
  };

  test.each([
    [{ measurements: [] }, /PodVmImage test\/i: measurements: must give the measurements of at least one TEE/],
    [{ measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: 'ABC' } }] }, /PodVmImage test\/i: measurements\[0\].pcrs\[11\]: must be lowercase hex/],
    [{ measurements: [BOTH_TEES[0], BOTH_TEES[0]] }, /measurements: gives one TEE twice/],
    [{ version: 'v1' }, /version: must be major.minor.patch/],
    [{ galleryName: 'pod-vms' }, /galleryName: must be 2-80 letters, digits, "_" or "."/],
    [{ vhdBlobUri: 'http://x/podvm.vhd' }, /vhdBlobUri: must be the https URI of a .vhd page blob/],
  ])('fails when %p', (override, message) => {
    expect(() => new PodVmImage(emptyStack(), 'i', { ...base, ...(override as object) })).toThrow(message);
  });

  test('fromImageId accepts gallery and community gallery ids and validates measurements', () => {
    const community = PodVmImage.fromImageAttributes(emptyStack(), 'i', {
      imageId: '/CommunityGalleries/cocopodvm-1234/Images/podvm/Versions/0.22.0',
      measurements: BOTH_TEES,
    });
    expect(community.measurements.map((m) => m.tee)).toEqual(['az-snp-vtpm', 'az-tdx-vtpm']);
    expect(() => PodVmImage.fromImageAttributes(emptyStack(), 'i', { imageId: 'ubuntu:22.04', measurements: BOTH_TEES })).toThrow(
      /imageId: must be a gallery image version id/,
    );
    expect(() =>
      PodVmImage.fromImageAttributes(emptyStack(), 'i', {
        imageId: '/CommunityGalleries/g/Images/i/Versions/1',
        measurements: [BOTH_TEES[0], BOTH_TEES[0]],
      }),
    ).toThrow(/measurements: gives one TEE twice/);
    expect(() =>
      PodVmImage.fromImageAttributes(emptyStack(), 'i', {
        imageId: '/CommunityGalleries/g/Images/i/Versions/1',
        measurements: [{ tee: 'az-snp-vtpm', pcrs: { 8: hex32('x') } }],
      }),
    ).toThrow(/PodVmImage test\/i: measurements\[0\].pcrs: must not contain PCR 8/);
  });
});
