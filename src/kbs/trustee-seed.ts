import { createHash } from 'node:crypto';
import { kbsLocalFsLayout, LocalFsEntry } from '../attestation/storage-layout';
import { ResourcePath } from '../attestation/resource-path';
import { RvpsRecord } from '../attestation/reference-values';

/** A resource copied from a mounted Secret into the KBS storage at start. */
export interface SeededSecretResource {
  /** The resource. */
  readonly resource: ResourcePath;
  /** Where the Secret key is mounted in the init container. */
  readonly mountedFile: string;
}

/** What the init container writes into Trustee's LocalFs storage. */
export interface TrusteeSeedInput {
  /** The LocalFs `dir_path`. */
  readonly storageDir: string;
  /** The resource policy rego. */
  readonly resourcePolicy: string;
  /** The `default_cpu` attestation policy rego. */
  readonly attestationPolicy: string;
  /** Reference value records. */
  readonly referenceValues: readonly RvpsRecord[];
  /** Resources copied from Secrets. */
  readonly secretResources: readonly SeededSecretResource[];
  /**
   * Where the seed ConfigMap is mounted in the init container.
   * @default SEED_MOUNT
   */
  readonly seedMount?: string;
}

/** The seed: ConfigMap data (flat keys) and the init script that places each entry under its LocalFs name. */
export interface TrusteeSeed {
  /** ConfigMap data: key -> content. Keys are valid ConfigMap keys; LocalFs names (with `\x2F`) are not. */
  readonly configMapData: Readonly<Record<string, string>>;
  /** The POSIX shell script of the init container. */
  readonly script: string;
  /** sha256 of everything seeded, to roll the pods when it changes. */
  readonly checksum: string;
}

/** The directory the seed ConfigMap is mounted at in the init container. */
export const SEED_MOUNT = '/seed';

const SAFE_PATH = /^\/[A-Za-z0-9._/-]+$/;
// Absolute paths of letters, digits, ".", "_", "-", "/" and LocalFs's literal "\x2F": nothing a single-quoted
// shell word could be broken out of.
const SCRIPT_PATH = /^\/(?:[A-Za-z0-9._/-]|\\x2F)+$/;

function quote(path: string): string {
  if (!SCRIPT_PATH.test(path)) throw new Error(`refusing to place ${JSON.stringify(path)} in the seed script`);
  return `'${path}'`;
}

/**
 * Renders the seed of Trustee's LocalFs storage. The reference value directory is rewritten from scratch on
 * every start (the deployment is the source of truth: a removed workload's PCR 8 must stop being accepted);
 * policies are overwritten; resources written out of band are left alone.
 */
export function renderTrusteeSeed(input: TrusteeSeedInput): TrusteeSeed {
  if (!SAFE_PATH.test(input.storageDir))
    throw new Error(`storage directory ${JSON.stringify(input.storageDir)} must be an absolute path of letters, digits, ".", "_", "-" and "/"`);
  const data: Record<string, string> = {};
  const lines = ['set -eu', 'umask 077'];
  const dest = (entry: LocalFsEntry): string => `${input.storageDir}/${entry.namespace}/${entry.fileName}`;
  for (const ns of ['kbs', 'attestation_service_policy', 'reference_value', 'repository']) {
    lines.push(`mkdir -p ${quote(`${input.storageDir}/${ns}`)}`);
  }
  const place = (key: string, content: string, entry: LocalFsEntry): void => {
    data[key] = content;
    lines.push(`cp ${quote(`${input.seedMount ?? SEED_MOUNT}/${key}`)} ${quote(dest(entry))}`);
  };
  place('resource-policy.rego', input.resourcePolicy, kbsLocalFsLayout.resourcePolicy());
  place('default_cpu.rego', input.attestationPolicy, kbsLocalFsLayout.attestationPolicy());
  lines.push(`find ${quote(`${input.storageDir}/reference_value`)} -mindepth 1 -maxdepth 1 -type f -delete`);
  for (const record of [...input.referenceValues].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    place(`rv.${record.name}`, JSON.stringify(record), kbsLocalFsLayout.referenceValue(record.name));
  }
  for (const s of input.secretResources) {
    lines.push(`cp ${quote(s.mountedFile)} ${quote(dest(kbsLocalFsLayout.resource(s.resource)))}`);
  }
  const script = `${lines.join('\n')}\n`;
  const checksum = createHash('sha256')
    .update(JSON.stringify({ data: Object.entries(data).sort(), script }))
    .digest('hex');
  return { configMapData: data, script, checksum };
}
