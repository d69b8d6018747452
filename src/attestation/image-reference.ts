import { Field, check, show } from './errors';
import { requireSynthTimeString } from './tokens';

// registry-host[:port]/path[:tag]@sha256:<64 hex>. The host must look like one (a "." or a port, or
// "localhost"): otherwise containerd would read the first path segment as a Docker Hub namespace and the
// reference the runtime sends would not be the one written here.
const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const HOST = `(?:localhost|${LABEL}(?:\\.${LABEL})+|${LABEL}(?=:))(?::[0-9]+)?`;
const PATH = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const PINNED_IMAGE = new RegExp(`^(${HOST}/${PATH})(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:([0-9a-f]{64})$`);

/** True when `image` is a fully qualified reference pinned by sha256 digest. */
export function isPinnedImage(image: unknown): boolean {
  return typeof image === 'string' && PINNED_IMAGE.test(image);
}

/** Fails unless `image` is a fully qualified reference pinned by digest; returns it. */
export function requirePinnedImage(image: unknown, field: Field): string {
  check(typeof image === 'string', field, `must be an image reference string, got ${show(image)}`);
  requireSynthTimeString(image, field);
  check(
    isPinnedImage(image),
    field,
    `must be a fully qualified image pinned by digest, like "myregistry.azurecr.io/app@sha256:<64 hex>", got ${show(image)}; ` +
      'a tag can be moved to another image, a digest cannot',
  );
  return image;
}

/** The 64 hex characters of a pinned reference's sha256 digest. */
export function imageDigest(image: string): string {
  return PINNED_IMAGE.exec(image)![3];
}

/**
 * The forms in which the runtime may name a pinned image: as written, and without its tag
 * (`registry/repo@sha256:...`), which is how the kubelet and containerd report a reference that has both.
 * Both name the same bytes.
 */
export function imageNameForms(image: string): string[] {
  const m = PINNED_IMAGE.exec(image)!;
  const digestOnly = `${m[1]}@sha256:${m[3]}`;
  return digestOnly === image ? [image] : [image, digestOnly];
}
