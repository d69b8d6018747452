import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { firstIssue, type Schema } from './schema';
import { Field, check, inputError, pathSuffix, show, subField } from './errors';
import { hexDigest } from './encoding';
import { imageDigest, requirePinnedImage } from './image-reference';

/** The platform of every Azure confidential pod VM (SEV-SNP and TDX sizes are x86-64). */
export const POD_VM_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];
const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];
const CONFIG_TYPES = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

const digest = v.pipe(v.string(), v.regex(/^sha256:[0-9a-f]{64}$/));
const descriptorEntries = { mediaType: v.optional(v.string()), digest, size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) };
const descriptor = v.object(descriptorEntries);
const indexSchema = v.object({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.string()),
  manifests: v.array(
    v.object({ ...descriptorEntries, platform: v.optional(v.object({ os: v.string(), architecture: v.string(), variant: v.optional(v.string()) })) }),
  ),
});
const manifestSchema = v.object({ schemaVersion: v.literal(2), mediaType: v.optional(v.string()), config: descriptor, layers: v.array(descriptor) });
const stringList = v.nullish(v.array(v.string()));
const configSchema = v.object({
  architecture: v.string(),
  os: v.string(),
  config: v.nullish(
    v.object({ User: v.nullish(v.string()), Env: stringList, Entrypoint: stringList, Cmd: stringList, WorkingDir: v.nullish(v.string()) }),
  ),
});

/** The raw bytes of an image's registry documents, exactly as the registry serves them. */
export interface ImageFactsFiles {
  /** The image index (only when the pinned digest names an index, i.e. a multi-platform image). */
  readonly index?: string | Uint8Array;
  /** The image manifest for linux/amd64. */
  readonly manifest: string | Uint8Array;
  /** The image configuration blob the manifest names. */
  readonly config: string | Uint8Array;
}

/**
 * What an image contributes to its containers' processes (entrypoint, command, environment, working
 * directory, user), read from the image's own registry documents and verified against the pinned digest:
 * the manifest's sha256 is the digest (through the index's linux/amd64 entry when the digest names an
 * index), and the configuration's sha256 is the manifest's config digest. Synth cannot pull an image, so
 * these facts are saved once next to the code (see `docs/security.md`, "Image facts") and can never drift from
 * the image they describe: a changed byte fails the synth.
 */
export class ImageFacts {
  /**
   * Verifies the documents against the image's pinned digest and reads the facts.
   * @param image the image reference, pinned by digest
   * @param files the raw documents
   * @param field the input's name, for errors
   */
  public static verify(image: string, files: ImageFactsFiles, field: Field = 'imageFacts'): ImageFacts {
    requirePinnedImage(image, subField(field, `.image`));
    const pinned = imageDigest(image);
    let manifestDigest = pinned;
    if (files.index !== undefined) {
      const index = parseJson(exactBytes(files.index, pinned, subField(field, `.index`), 'index'), subField(field, `.index`), indexSchema);
      check(
        index.mediaType === undefined || INDEX_TYPES.includes(index.mediaType),
        subField(field, `.index`),
        `is a ${show(index.mediaType)}, not an image index`,
      );
      const entries = index.manifests.filter(
        (m) => m.platform?.os === POD_VM_PLATFORM.os && m.platform.architecture === POD_VM_PLATFORM.architecture,
      );
      check(
        entries.length === 1,
        subField(field, `.index`),
        `must list exactly one ${POD_VM_PLATFORM.os}/${POD_VM_PLATFORM.architecture} manifest (pod VMs are x86-64), found ${entries.length}`,
      );
      manifestDigest = entries[0].digest.slice('sha256:'.length);
    }
    const manifestText = exactBytes(
      files.manifest,
      manifestDigest,
      subField(field, `.manifest`),
      files.index === undefined ? 'manifest' : 'platform-manifest',
    );
    const raw = JSON.parse(manifestText) as { manifests?: unknown };
    check(
      raw.manifests === undefined,
      subField(field, `.manifest`),
      `is an image index: ${image} names a multi-platform image; save that document as index.json ` +
        `and the ${POD_VM_PLATFORM.os}/${POD_VM_PLATFORM.architecture} manifest as manifest.json`,
    );
    const manifest = parseJson(manifestText, subField(field, `.manifest`), manifestSchema);
    check(
      manifest.mediaType === undefined || MANIFEST_TYPES.includes(manifest.mediaType),
      subField(field, `.manifest`),
      `is a ${show(manifest.mediaType)}, not an image manifest`,
    );
    check(
      manifest.config.mediaType === undefined || CONFIG_TYPES.includes(manifest.config.mediaType),
      subField(field, `.manifest`),
      `names a config of media type ${show(manifest.config.mediaType)}, not an image configuration`,
    );
    const configText = exactBytes(files.config, manifest.config.digest.slice('sha256:'.length), subField(field, `.config`), 'config');
    const config = parseJson(configText, subField(field, `.config`), configSchema);
    check(
      config.os === POD_VM_PLATFORM.os && config.architecture === POD_VM_PLATFORM.architecture,
      subField(field, `.config`),
      `is for ${config.os}/${config.architecture}; pod VMs run ${POD_VM_PLATFORM.os}/${POD_VM_PLATFORM.architecture}`,
    );
    const c = config.config ?? {};
    return new ImageFacts(image, {
      entrypoint: c.Entrypoint ?? [],
      cmd: c.Cmd ?? [],
      env: c.Env ?? [],
      workingDir: c.WorkingDir ?? '',
      user: c.User ?? '',
    });
  }

  /**
   * Reads `manifest.json`, `config.json` and, if present, `index.json` from `directory` and verifies them
   * against `image` (see `verify`).
   */
  public static fromDirectory(image: string, directory: string, field: Field = 'imageFacts'): ImageFacts {
    const read = (name: string, required: boolean): Buffer | undefined => {
      const path = join(directory, name);
      if (!existsSync(path)) {
        if (!required) return undefined;
        throw inputError(subField(field, `.${name.replace('.json', '')}`), `${path} does not exist; ${howToSave(image, directory)}`);
      }
      return readFileSync(path);
    };
    const index = read('index.json', false);
    return ImageFacts.verify(
      image,
      { ...(index ? { index } : {}), manifest: read('manifest.json', true)!, config: read('config.json', true)! },
      field,
    );
  }

  private constructor(
    /** The image the facts belong to, pinned by digest. */
    public readonly image: string,
    private readonly facts: {
      readonly entrypoint: readonly string[];
      readonly cmd: readonly string[];
      readonly env: readonly string[];
      readonly workingDir: string;
      readonly user: string;
    },
  ) {}

  /** The image's ENTRYPOINT (empty when unset). */
  public get entrypoint(): readonly string[] {
    return this.facts.entrypoint;
  }

  /** The image's CMD (empty when unset). */
  public get cmd(): readonly string[] {
    return this.facts.cmd;
  }

  /** The image's ENV, `NAME=value` in image order. */
  public get env(): readonly string[] {
    return this.facts.env;
  }

  /** The image's WORKDIR (empty when unset). */
  public get workingDir(): string {
    return this.facts.workingDir;
  }

  /** The image's USER (`uid`, `uid:gid`, `name`, `name:group`; empty when unset). */
  public get user(): string {
    return this.facts.user;
  }
}

/** The commands that save an image's documents where `fromDirectory` reads them. */
export function howToSave(image: string, directory: string): string {
  const platform = `${POD_VM_PLATFORM.os}/${POD_VM_PLATFORM.architecture}`;
  return (
    `save the image's registry documents as they are served: ` +
    `\`crane manifest ${image} > ${directory}/manifest.json\` and \`crane config --platform ${platform} ${image} > ${directory}/config.json\`; ` +
    `if the digest names an index, save that as index.json and \`crane manifest --platform ${platform} ${image} > ${directory}/manifest.json\` ` +
    `(or \`skopeo inspect --raw\` / \`skopeo inspect --config --raw\`)`
  );
}

/** The document's text when its sha256 is `expected`; a single trailing newline some tools print is tolerated. */
function exactBytes(bytes: string | Uint8Array, expected: string, field: Field, what: string): string {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  const candidates = [buffer];
  if (buffer.length > 0 && buffer[buffer.length - 1] === 0x0a) candidates.push(buffer.subarray(0, buffer.length - 1));
  const match = candidates.find((b) => hexDigest('sha256', b) === expected);
  if (!match) {
    throw inputError(
      field,
      `has sha256 ${hexDigest('sha256', buffer)}, but the ${what} digest is ${expected}; these are not the documents of this image ` +
        '(save them byte for byte as the registry serves them, without reformatting)',
    );
  }
  return match.toString('utf8');
}

function parseJson<T>(text: string, field: Field, schema: Schema<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw inputError(field, 'is not JSON');
  }
  const result = v.safeParse(schema, value);
  if (!result.success) {
    const { path, message } = firstIssue(result.issues);
    throw inputError(subField(field, pathSuffix(path)), message);
  }
  return result.output;
}
