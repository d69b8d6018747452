import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';

import * as v from 'valibot';
import { Field, formatPath, inputError, pathSuffix, subField } from './errors';
import { firstIssue } from './schema';
import { legacyKey } from './kbs-config-legacy';
import { KbsConfig, canonicalStorageType, kbsConfigSchema } from './kbs-config-schema';
import { requireSynthTimeString } from './tokens';

export { KbsConfig, canonicalStorageType, isSocketAddress } from './kbs-config-schema';
export { LEGACY_KBS_KEYS } from './kbs-config-legacy';

/** One reason the KBS would ignore or refuse a configuration: the dotted key and what is wrong, with the fix. */
export interface KbsConfigProblem {
  /** The TOML key, dotted (`http_server.sockets.0`); empty for the whole file. */
  readonly key: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * Every reason Trustee v0.21.0 would not run `doc` as written: keys it does not read (legacy keys with their
 * replacement), values its structs refuse, and what `ApiServer::new` and `server` refuse at start-up that can
 * be known from the file alone (token trust material, admin identity providers and ACL anchoring, TLS files
 * and version order, storage backends of every storage type in use, external plugin backends).
 */
export function kbsConfigProblems(doc: unknown): KbsConfigProblem[] {
  const problems = legacyProblems(doc, []);
  const result = v.safeParse(kbsConfigSchema, doc);
  problems.push(...unknownKeyProblems(kbsConfigSchema as unknown as AnySchema, doc, []));
  problems.push(...(result.success ? startUpProblems(result.output) : formatIssues(result.issues)));
  const unique = new Map(problems.map((p) => [`${p.key}\n${p.message}`, p]));
  return [...unique.values()];
}

/** Legacy keys anywhere in the document, found before the schema (which may fail earlier on the same table). */
function legacyProblems(node: unknown, at: Array<string | number>): KbsConfigProblem[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => legacyProblems(v, [...at, i]));
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here = [...at, key];
    const legacy = legacyKey(here);
    return legacy ? [{ key: formatPath(here), message: `is not read by Trustee v0.21.0; ${legacy.replacement}` }] : legacyProblems(value, here);
  });
}

/** Validates a KBS configuration object and renders it as kbs-config.toml text (deterministic key order). */
export function renderKbsConfig(config: KbsConfig, field: Field = 'kbsConfig'): string {
  const valid = validate(config, field);
  deepCheckTokens(valid, field);
  const text = stringifyToml(valid as Record<string, unknown>);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Parses and validates an existing kbs-config.toml for Trustee v0.21.0: accepts every spelling and variant the
 * KBS accepts, and refuses, all problems at once, what it would ignore (unknown and legacy keys, each legacy
 * key with its replacement) or refuse (at parse time or at start-up).
 */
export function parseKbsConfig(text: string, field: Field = 'kbs-config.toml'): KbsConfig {
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (e) {
    throw inputError(field, `is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  return validate(doc, field);
}

function validate(doc: unknown, where: Field): KbsConfig {
  const problems = kbsConfigProblems(doc);
  if (problems.length === 1) {
    const [p] = problems;
    throw inputError(p.key ? subField(where, ` ${p.key}`) : where, p.message);
  }
  if (problems.length > 1) {
    throw inputError(where, `has ${problems.length} problems:\n${problems.map((p) => `  - ${p.key || '(file)'}: ${p.message}`).join('\n')}`);
  }
  return doc as KbsConfig;
}

/** The schema issues, but unknown keys: valibot reports the first of a table, unknownKeyProblems all of them. */
function formatIssues(issues: readonly v.BaseIssue<unknown>[]): KbsConfigProblem[] {
  return issues
    .filter((issue) => !(issue.kind === 'schema' && issue.expected === 'never'))
    .map((issue) => {
      const { path, message } = firstIssue([issue]);
      return { key: formatPath(path), message };
    });
}

type AnySchema = v.GenericSchema & {
  readonly wrapped?: AnySchema;
  readonly entries?: Record<string, AnySchema>;
  readonly item?: AnySchema;
  readonly key?: string;
  readonly options?: readonly AnySchema[];
};

/**
 * The keys of each table that the schema does not know, all of them (Trustee ignores them silently), found by
 * walking the document along the schema; legacy keys are left to legacyProblems, which names their replacement.
 */
function unknownKeyProblems(schema: AnySchema, node: unknown, at: Array<string | number>): KbsConfigProblem[] {
  if (node === undefined || node === null) return [];
  if (schema.wrapped) return unknownKeyProblems(schema.wrapped, node, at);
  if (schema.type === 'array' && schema.item && Array.isArray(node))
    return node.flatMap((item, i) => unknownKeyProblems(schema.item!, item, [...at, i]));
  if (schema.type === 'variant' && schema.options && schema.key && typeof node === 'object') {
    const tag = (node as Record<string, unknown>)[schema.key];
    const option = schema.options.find((o) => o.entries && v.is(o.entries[schema.key!], tag));
    return option ? unknownKeyProblems(option, node, at) : [];
  }
  if (!schema.entries || typeof node !== 'object' || Array.isArray(node)) return [];
  const entries = schema.entries;
  const out: KbsConfigProblem[] = [];
  const unknown = Object.keys(node).filter((key) => !Object.hasOwn(entries, key) && !legacyKey([...at, key]));
  for (const [key, value] of Object.entries(node))
    if (Object.hasOwn(entries, key)) out.push(...unknownKeyProblems(entries[key], value, [...at, key]));
  if (unknown.length > 0) out.unshift({ key: formatPath(at), message: `has keys Trustee v0.21.0 does not read: ${unknown.join(', ')}` });
  return out;
}

function startUpProblems(c: KbsConfig): KbsConfigProblem[] {
  const out: KbsConfigProblem[] = [];
  const add = (key: string, message: string): void => void out.push({ key, message });
  const http = c.http_server;
  if (http.insecure_http !== true) {
    if (!http.certificate)
      add('http_server.certificate', 'is required for HTTPS (insecure_http is false): the KBS refuses to start with "Missing certificate"');
    if (!http.private_key)
      add('http_server.private_key', 'is required for HTTPS (insecure_http is false): the KBS refuses to start with "Missing private key"');
  }
  if (http.tls_min_version === '1.3' && http.tls_max_version === '1.2')
    add('http_server.tls_min_version', 'is above tls_max_version ("1.3" > "1.2"): the KBS refuses to start');

  const token = c.attestation_token ?? {};
  if ((token.trusted_certs_paths ?? []).length === 0 && (token.trusted_jwk_sets ?? []).length === 0 && token.insecure_header_jwk !== true) {
    add(
      'attestation_token',
      'has no trust material: the KBS refuses to start without trusted_certs_paths ' +
        'or trusted_jwk_sets (or, for tests only, insecure_header_jwk = true)',
    );
  }
  (token.trusted_jwk_sets ?? []).forEach((uri, i) => {
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(uri) && !/^(https|file):\/\//.test(uri))
      add(`attestation_token.trusted_jwk_sets[${i}]`, `has an unsupported scheme: use https://, file:// or a local path, got "${uri}"`);
  });

  if (c.admin.authorization_mode === 'AuthenticatedAuthorization') {
    const providers = c.admin.authentication.bearer_jwt.identity_providers ?? [];
    if (providers.length === 0)
      add(
        'admin.authentication.bearer_jwt.identity_providers',
        'must list at least one identity provider: AuthenticatedAuthorization refuses to start without one',
      );
    providers.forEach((p, i) => {
      if (p.public_key_uri === undefined && p.jwk_set_uri === undefined)
        add(`admin.authentication.bearer_jwt.identity_providers[${i}]`, 'must set public_key_uri and/or jwk_set_uri');
      if (p.public_key_uri !== undefined && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p.public_key_uri) && !/^(https|file):\/\//.test(p.public_key_uri)) {
        add(
          `admin.authentication.bearer_jwt.identity_providers[${i}].public_key_uri`,
          'has an unsupported scheme: use https://, file:// or a local path',
        );
      }
    });
    (c.admin.authorization.regex_acl.acls ?? []).forEach((a, i) => {
      const r = a.allowed_endpoints ?? '';
      if (!r.startsWith('^/kbs') || !r.endsWith('$'))
        add(
          `admin.authorization.regex_acl.acls[${i}].allowed_endpoints`,
          `must start with "^/kbs" and end with "$" (Trustee refuses unanchored regexes), got "${r}"`,
        );
    });
  }

  const backends = c.storage_backend?.backends ?? {};
  const table = { LocalFs: 'local_fs', LocalJson: 'local_json', Postgres: 'postgres', Redis: 'redis' } as const;
  for (const { key, type } of storageTypesInUse(c)) {
    if (type !== 'Memory' && backends[table[type]] === undefined) {
      add(
        key,
        `is ${type}, but [storage_backend.backends.${table[type]}] is missing: the KBS refuses to start ` +
          `("${type} configuration is required"); add the table (it may be empty to take the defaults)`,
      );
    }
  }

  (c.plugins ?? []).forEach((p, i) => {
    if (p.name !== 'external' && p.name !== 'ExternalPlugin') return;
    if (p.backends.length === 0)
      add(`plugins[${i}].backends`, 'must list at least one backend: the KBS refuses to start an external plugin without one');
    const names = p.backends.map((b) => b.name);
    const twice = names.find((n, j) => names.indexOf(n) !== j);
    if (twice !== undefined) add(`plugins[${i}].backends`, `names the backend "${twice}" twice: the KBS refuses duplicate backend names`);
  });
  return out;
}

/** Every storage type the KBS will open, with the key that selects it (kbs, sessions, AS policies, RVPS). */
function storageTypesInUse(c: KbsConfig): Array<{ key: string; type: ReturnType<typeof canonicalStorageType> }> {
  const kbs = canonicalStorageType(c.storage_backend?.storage_type);
  const kbsKey = 'storage_backend.storage_type';
  const used = [{ key: kbsKey, type: kbs }];
  if (c.session_storage_type !== undefined) used.push({ key: 'session_storage_type', type: canonicalStorageType(c.session_storage_type) });
  const as = c.attestation_service;
  if (as === undefined || as.type === 'coco_as_builtin' || as.type === 'CoCoASBuiltIn') {
    const asType = as?.storage_type !== undefined ? canonicalStorageType(as.storage_type) : kbs;
    if (as?.storage_type !== undefined) used.push({ key: 'attestation_service.storage_type', type: asType });
    const rvps = as?.rvps_config;
    if (rvps?.type === 'BuiltIn' && rvps.storage_type !== undefined)
      used.push({ key: 'attestation_service.rvps_config.storage_type', type: canonicalStorageType(rvps.storage_type) });
  }
  return used;
}

function deepCheckTokens(value: unknown, field: Field): void {
  if (typeof value === 'string') requireSynthTimeString(value, field);
  else if (Array.isArray(value)) value.forEach((v, i) => deepCheckTokens(v, subField(field, pathSuffix([i]))));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) deepCheckTokens(v, subField(field, pathSuffix([k])));
  }
}
