import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SharedImage } from '@cdktf/provider-azurerm/lib/shared-image';
import { SharedImageGallery } from '@cdktf/provider-azurerm/lib/shared-image-gallery';
import { SharedImageVersion } from '@cdktf/provider-azurerm/lib/shared-image-version';
import * as v from 'valibot';
import { AzureTee, MeasurementSet, NormalizedMeasurementSet, normalizeMeasurementSet, parseMeasurementsJson } from '../attestation/reference-values';
import { AttestationInputError } from '../attestation/errors';
import { Construct, IConstruct } from '../internal/cdktf';
import {
  ConstructInterface,
  ConstructValidationError,
  fieldOf,
  list,
  literalString,
  nonEmpty,
  strictObject,
  parseProps,
  str,
  stringMap,
  attributesObject,
} from '../internal/validation';
import { azureLocation, resourceGroupName } from './azure-names';

/** A pod VM image and the measurements it boots with: a `PodVmImage`, or `PodVmImage.fromImageAttributes`. */
export interface IPodVmImage extends IConstruct {
  /** Full ARM id of the image version (or a `/CommunityGalleries/...` id): the adaptor's AZURE_IMAGE_ID. */
  readonly imageId: string;
  /** Reference values of what the image boots, per TEE. */
  readonly measurements: readonly NormalizedMeasurementSet[];
}

/** The mark of an `IPodVmImage`: implementing constructs set it, and props that take one check it. */
export const POD_VM_IMAGE = new ConstructInterface<IPodVmImage>('IPodVmImage', 'a PodVmImage or PodVmImage.fromImageAttributes(...)');

/** The attributes of an existing image version (`PodVmImage.fromImageAttributes` takes them). */
export interface PodVmImageAttributes {
  /** The gallery image version id (`/subscriptions/.../galleries/<g>/images/<i>/versions/<v>`) or a `/CommunityGalleries/...` id. */
  readonly imageId: string;
  /** What the image boots, per TEE (`PodVmImage.measurementsFromFile`). */
  readonly measurements: readonly MeasurementSet[];
}

/** Props of PodVmImage. */
export interface PodVmImageProps {
  /** Resource group of the gallery. */
  readonly resourceGroupName: string;
  /** Azure region of the gallery and image definition. */
  readonly location: string;
  /** Gallery name (letters, digits, "_" and "."). */
  readonly galleryName: string;
  /**
   * Image definition name.
   * @default 'podvm'
   */
  readonly imageName?: string;
  /** Image version, `major.minor.patch`. */
  readonly version: string;
  /** URI of the fixed-size VHD page blob the mkosi build uploaded. */
  readonly vhdBlobUri: string;
  /** ARM id of the storage account holding the VHD. */
  readonly storageAccountId: string;
  /**
   * Regions to replicate to.
   * @default - the gallery's location
   */
  readonly targetRegions?: string[];
  /**
   * Image identifier.
   * @default { publisher: 'confidential-containers', offer: 'peerpods-podvm', sku: 'azure-cvm' }
   */
  readonly identifier?: { readonly publisher: string; readonly offer: string; readonly sku: string };
  /** What the image boots, per TEE (see `PodVmImage.measurementsFromFile`). */
  readonly measurements: readonly MeasurementSet[];
  /** Tags. @default - none */
  readonly tags?: Record<string, string>;
}

const measurementsSchema = v.pipe(
  list(v.custom<MeasurementSet>((m) => typeof m === 'object' && m !== null, 'must be a MeasurementSet (PodVmImage.measurementsFromFile(...))')),
  v.minLength(
    1,
    'must give the measurements of at least one TEE (PodVmImage.measurementsFromFile(...)): an image without reference values can never attest',
  ),
);

/** The schema of PodVmImageProps (internal: not in the main entry). */
export const schema = strictObject({
  resourceGroupName: resourceGroupName(),
  location: azureLocation,
  galleryName: literalString((s) => /^[A-Za-z0-9][A-Za-z0-9_.]{0,78}[A-Za-z0-9]$/.test(s), 'must be 2-80 letters, digits, "_" or "." (no "-")'),
  imageName: v.optional(
    literalString((s) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9]$/.test(s), 'must be 2-80 letters, digits, "_", "-" or "."'),
    'podvm',
  ),
  version: literalString((s) => /^\d+\.\d+\.\d+$/.test(s), 'must be major.minor.patch, e.g. "0.22.0"'),
  vhdBlobUri: literalString((s) => /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/.+\.vhd$/.test(s), 'must be the https URI of a .vhd page blob'),
  storageAccountId: v.pipe(str(), nonEmpty()),
  targetRegions: v.optional(list(azureLocation)),
  identifier: v.optional(strictObject({ publisher: v.pipe(str(), nonEmpty()), offer: v.pipe(str(), nonEmpty()), sku: v.pipe(str(), nonEmpty()) }), {
    publisher: 'confidential-containers',
    offer: 'peerpods-podvm',
    sku: 'azure-cvm',
  }),
  measurements: measurementsSchema,
  tags: v.optional(stringMap(), {}),
});

/**
 * The pod VM image in an Azure Compute Gallery: a Linux, Gen2 (`V2`), ConfidentialVmSupported image
 * definition and an image version from the VHD the mkosi build produced, with the measurements (PCR 3, 9,
 * 11 ...) that the attestation policy holds pod VMs to.
 */
export class PodVmImage extends Construct implements IPodVmImage {
  /** Reads the `measurements.json` of an image build as the measurement set of `tee`. */
  public static measurementsFromFile(path: string, tee: AzureTee): MeasurementSet {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
      throw new AttestationInputError(
        'measurementsFromFile',
        `${path} (${resolve(path)}) ${reason}; pass the measurements.json your pod VM image build ` +
          `wrote for ${tee} (a path relative to the working directory, or build it from __dirname)`,
      );
    }
    const set = parseMeasurementsJson(text, tee, path);
    return { tee: set.tee, pcrs: Object.fromEntries(set.pcrs) };
  }

  /** Imports an existing gallery or community-gallery image version by its attributes (id and measurements). */
  public static fromImageAttributes(scope: Construct, id: string, attrs: PodVmImageAttributes): IPodVmImage {
    return new ImportedPodVmImage(scope, id, attrs);
  }

  /** @deprecated use `fromImageAttributes` (the same import; this name goes in the next release). */
  public static fromImageId(scope: Construct, id: string, attrs: PodVmImageAttributes): IPodVmImage {
    return PodVmImage.fromImageAttributes(scope, id, attrs);
  }

  /** The image version (escape hatch). */
  public readonly resource: SharedImageVersion;
  /** The gallery. */
  public readonly gallery: SharedImageGallery;
  /** The image definition. */
  public readonly imageDefinition: SharedImage;
  /** @inheritdoc */
  public readonly imageId: string;
  /** @inheritdoc */
  public readonly measurements: readonly NormalizedMeasurementSet[];

  constructor(scope: Construct, id: string, props: PodVmImageProps) {
    super(scope, id);
    POD_VM_IMAGE.implementedBy(this);
    const p = parseProps(this, 'PodVmImage', schema, props);
    this.measurements = imageMeasurements(this, p.measurements);
    this.gallery = new SharedImageGallery(this, 'Gallery', {
      name: p.galleryName,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      tags: p.tags,
    });
    this.imageDefinition = new SharedImage(this, 'Definition', {
      name: p.imageName,
      galleryName: this.gallery.name,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      osType: 'Linux',
      hyperVGeneration: 'V2',
      confidentialVmSupported: true,
      identifier: p.identifier,
      tags: p.tags,
    });
    this.resource = new SharedImageVersion(this, 'Resource', {
      name: p.version,
      galleryName: this.gallery.name,
      imageName: this.imageDefinition.name,
      resourceGroupName: p.resourceGroupName,
      location: p.location,
      blobUri: p.vhdBlobUri,
      storageAccountId: p.storageAccountId,
      targetRegion: (p.targetRegions ?? [p.location]).map((name) => ({ name, regionalReplicaCount: 1, storageAccountType: 'Standard_LRS' })),
      tags: p.tags,
    });
    this.imageId = this.resource.id;
  }
}

/** Validates an image's measurement sets: each well formed, at most one per TEE. */
function imageMeasurements(scope: Construct, sets: readonly MeasurementSet[]): NormalizedMeasurementSet[] {
  const measurements = sets.map((m, i) => normalizeMeasurementSet(m, fieldOf(scope, 'PodVmImage', `measurements[${i}]`)));
  const tees = measurements.map((m) => m.tee);
  if (new Set(tees).size !== tees.length) {
    throw new ConstructValidationError(
      scope.node.path,
      'PodVmImage',
      'measurements',
      'gives one TEE twice; an image boots one set of values per TEE (a second version is a second image)',
    );
  }
  return measurements;
}

/** The schema of PodVmImageAttributes (internal: not in the main entry). */
export const importSchema = attributesObject({
  imageId: literalString(
    (s) =>
      /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/images\/[^/]+\/versions\/[^/]+$/i.test(s) ||
      /^\/CommunityGalleries\/[^/]+\/Images\/[^/]+\/Versions\/[^/]+$/i.test(s),
    'must be a gallery image version id (/subscriptions/.../galleries/<g>/images/<i>/versions/<v>) ' +
      'or /CommunityGalleries/<g>/Images/<i>/Versions/<v>',
  ),
  measurements: measurementsSchema,
});

/** An existing image version (`PodVmImage.fromImageAttributes`). */
class ImportedPodVmImage extends Construct implements IPodVmImage {
  public readonly imageId: string;
  public readonly measurements: readonly NormalizedMeasurementSet[];

  constructor(scope: Construct, id: string, attrs: PodVmImageAttributes) {
    super(scope, id);
    const p = parseProps(this, 'PodVmImage', importSchema, attrs);
    this.imageId = p.imageId;
    this.measurements = imageMeasurements(this, p.measurements);
    POD_VM_IMAGE.implementedBy(this);
  }
}
