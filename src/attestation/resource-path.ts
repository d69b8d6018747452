import { Field, check, inputError, show, subField } from './errors';
import { requireSynthTimeString } from './tokens';

// Trustee's ResourceDesc regex (kbs/src/plugins/implementations/resource/backend.rs, v0.21.0), per segment.
const SEGMENT = /^[a-zA-Z0-9_-][a-zA-Z0-9_.-]*$/;

/** A KBS resource wherever one is taken: its `kbs:///repo/type/tag` text, or a parsed `ResourcePath`. */
export type ResourcePathLike = string | ResourcePath;

/**
 * A KBS resource address `<repository>/<type>/<tag>`, as in `kbs:///default/key/model`.
 * Validated exactly as Trustee validates it, so a path that is accepted here is one the KBS serves.
 */
export class ResourcePath {
  /** Parses `kbs:///repo/type/tag` or `repo/type/tag`. */
  public static parse(text: string, field: Field = 'resourcePath'): ResourcePath {
    check(typeof text === 'string', field, `must be a string like "kbs:///default/key/model", got ${show(text)}`);
    requireSynthTimeString(text, field);
    const bare = text.startsWith('kbs:///') ? text.slice('kbs:///'.length) : text;
    const parts = bare.split('/');
    if (parts.length !== 3) {
      throw inputError(field, `must have exactly three segments <repository>/<type>/<tag> (e.g. "kbs:///default/key/model"), got ${show(text)}`);
    }
    return new ResourcePath(parts[0], parts[1], parts[2], field);
  }

  /** The repository segment (e.g. `default`). */
  public readonly repository: string;
  /** The type segment (e.g. `key`). */
  public readonly type: string;
  /** The tag segment (e.g. `model`). */
  public readonly tag: string;

  constructor(repository: string, type: string, tag: string, field: Field = 'resourcePath') {
    for (const [name, value] of [
      ['repository', repository],
      ['type', type],
      ['tag', tag],
    ] as const) {
      check(
        typeof value === 'string' && SEGMENT.test(value),
        subField(field, `.${name}`),
        `must match ${SEGMENT.source} (letters, digits, "_", "-", then also "."), got ${show(value)}`,
      );
    }
    this.repository = repository;
    this.type = type;
    this.tag = tag;
  }

  /** `repository/type/tag`. */
  public get path(): string {
    return `${this.repository}/${this.type}/${this.tag}`;
  }

  /** `kbs:///repository/type/tag`, the form guest components use. */
  public get uri(): string {
    return `kbs:///${this.path}`;
  }

  /** The URL a container inside the confidential pod reads the resource from (the CDH's local endpoint). */
  public get cdhUrl(): string {
    return `http://127.0.0.1:8006/cdh/resource/${this.path}`;
  }

  /** The KBS admin API path that writes the resource. */
  public get adminApiPath(): string {
    return `/kbs/v0/resource/${this.path}`;
  }

  /** `[repository, type, tag]`, as the resource policy sees `data["resource-path"]`. */
  public get segments(): [string, string, string] {
    return [this.repository, this.type, this.tag];
  }

  /** True when both name the same resource. */
  public equals(other: ResourcePath): boolean {
    return this.path === other.path;
  }

  /** The `kbs:///` URI. */
  public toString(): string {
    return this.uri;
  }
}
