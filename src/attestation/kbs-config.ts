import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { z } from 'zod';
import { AttestationInputError } from './errors';
import { requireSynthTimeString } from './tokens';

// The schema of Trustee v0.21.0's kbs-config.toml (kbs/src/config.rs and the structs it pulls in).
// Trustee ignores unknown keys outside [admin], so every object here is strict: a typo is an error here,
// not a silently insecure default at runtime.

const path = z.string().min(1);
const socket = z.string().regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/, 'must be "ip:port", e.g. "0.0.0.0:8080"');
const storageType = z.enum(['Memory', 'LocalFs', 'LocalJson', 'Postgres', 'Redis']);

const httpServer = z.strictObject({
  sockets: z.array(socket).min(1).optional(),
  insecure_http: z.boolean().optional(),
  private_key: path.optional(),
  certificate: path.optional(),
  payload_request_size: z.number().int().positive().optional(),
  worker_count: z.number().int().positive().optional(),
  tls_profile: z.enum(['old', 'intermediate', 'modern', 'custom']).optional(),
  tls_min_version: z.enum(['1.2', '1.3']).optional(),
  tls_max_version: z.enum(['1.2', '1.3']).optional(),
  tls_ciphers: z.string().optional(),
  tls_groups: z.string().optional(),
});

const identityProvider = z
  .strictObject({
    issuer: z.string().optional(),
    audience: z.string().optional(),
    public_key_uri: z.string().min(1).optional(),
    jwk_set_uri: z.string().min(1).optional(),
  })
  .refine((p) => p.public_key_uri !== undefined || p.jwk_set_uri !== undefined, {
    message: 'each identity provider needs public_key_uri and/or jwk_set_uri',
  });

const acl = z.strictObject({
  role: z.string().min(1),
  allowed_endpoints: z
    .string()
    .refine((r) => r.startsWith('^/kbs') && r.endsWith('$'), { message: 'must start with "^/kbs" and end with "$" (Trustee refuses unanchored regexes)' }),
});

const admin = z.discriminatedUnion('authorization_mode', [
  z.strictObject({ authorization_mode: z.literal('DenyAll') }),
  z.strictObject({ authorization_mode: z.literal('InsecureAllowAll') }),
  z.strictObject({
    authorization_mode: z.literal('AuthenticatedAuthorization'),
    authentication: z.strictObject({
      bearer_jwt: z.strictObject({ identity_providers: z.array(identityProvider).min(1) }),
    }),
    authorization: z.strictObject({
      regex_acl: z.strictObject({ acls: z.array(acl) }),
    }),
  }),
]);

const attestationToken = z.strictObject({
  trusted_certs_paths: z.array(path).optional(),
  trusted_jwk_sets: z.array(z.string().min(1)).optional(),
  extra_teekey_paths: z.array(z.string().min(1)).optional(),
  insecure_header_jwk: z.boolean().optional(),
});

const tokenBroker = z.strictObject({
  duration_min: z.number().int().positive().optional(),
  issuer_name: z.string().optional(),
  developer_name: z.string().optional(),
  build_name: z.string().optional(),
  profile_name: z.string().optional(),
  verbose_token: z.boolean().optional(),
  signer: z
    .strictObject({
      key_path: path,
      cert_path: path.optional(),
      cert_url: z.string().optional(),
    })
    .optional(),
});

const rvpsConfig = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('BuiltIn'),
    storage_type: storageType.optional(),
    extractors: z.record(z.string(), z.unknown()).optional(),
  }),
  z.strictObject({ type: z.literal('GrpcRemote'), address: z.string().optional() }),
]);

const attestationService = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('coco_as_builtin'),
    timeout: z.number().int().positive().optional(),
    attestation_token_broker: tokenBroker.optional(),
    rvps_config: rvpsConfig.optional(),
    verifier_config: z.record(z.string(), z.unknown()).optional(),
    storage_type: storageType.optional(),
  }),
  z.strictObject({
    type: z.literal('coco_as_grpc'),
    timeout: z.number().int().positive().optional(),
    as_addr: z.string().optional(),
    pool_size: z.number().int().positive().optional(),
  }),
]);

const storageBackend = z.strictObject({
  storage_type: storageType.optional(),
  backends: z
    .strictObject({
      local_fs: z.strictObject({ dir_path: path.optional() }).optional(),
      local_json: z.strictObject({ file_dir_path: path.optional() }).optional(),
      postgres: z.record(z.string(), z.unknown()).optional(),
      redis: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

const resourcePlugin = z.strictObject({
  name: z.literal('resource'),
  storage_backend_type: z.enum(['kvstorage', 'KvStorage', 'Aliyun', 'aliyun', 'Aws', 'aws', 'Gcp', 'gcp', 'Vault', 'vault']).optional(),
});
const otherPlugin = z.looseObject({
  name: z.string().refine((n) => n !== 'resource'),
});

/** Zod schema of Trustee v0.21.0's kbs-config.toml. */
export const kbsConfigSchema = z.strictObject({
  http_server: httpServer,
  admin,
  attestation_token: attestationToken.optional(),
  attestation_service: attestationService.optional(),
  storage_backend: storageBackend.optional(),
  session_storage_type: storageType.optional(),
  plugins: z.array(z.union([resourcePlugin, otherPlugin])).optional(),
});

/** A kbs-config.toml document, with the TOML key names. */
export type KbsConfig = z.infer<typeof kbsConfigSchema>;

/** Keys of older Trustee versions that v0.21.0 ignores or refuses, and what replaced them. */
const DEAD_KEYS: ReadonlyArray<{ path: string[]; replacement: string }> = [
  { path: ['admin', 'type'], replacement: 'use [admin] authorization_mode = "DenyAll" | "AuthenticatedAuthorization" | "InsecureAllowAll"' },
  { path: ['admin', 'auth_public_key'], replacement: 'use [admin.authentication.bearer_jwt] identity_providers = [{ public_key_uri = "<path>" }] with authorization_mode = "AuthenticatedAuthorization"' },
  { path: ['admin', 'insecure_api'], replacement: 'use [admin] authorization_mode (InsecureAllowAll is for development only)' },
  { path: ['policy_engine'], replacement: 'the resource policy is stored in the storage backend (namespace "kbs", key "resource-policy"); remove [policy_engine]' },
  { path: ['work_dir'], replacement: 'use [storage_backend] storage_type = "LocalFs" with [storage_backend.backends.local_fs] dir_path' },
  { path: ['attestation_service', 'work_dir'], replacement: 'use [storage_backend.backends.local_fs] dir_path' },
  { path: ['attestation_service', 'policy_engine'], replacement: 'attestation policies are stored in the storage backend (namespace "attestation_service_policy")' },
  { path: ['attestation_service', 'rvps_config', 'storage'], replacement: 'reference values use [storage_backend] (or rvps_config.storage_type to override the type)' },
  { path: ['attestation_token', 'insecure_key'], replacement: 'use [attestation_token] insecure_header_jwk (keep it false outside tests)' },
  { path: ['repository_config'], replacement: 'use [[plugins]] name = "resource" with storage_backend_type = "kvstorage" and [storage_backend]' },
];

/** Validates a KBS configuration object and renders it as kbs-config.toml text (deterministic key order). */
export function renderKbsConfig(config: KbsConfig): string {
  const valid = validate(config, 'kbsConfig');
  deepCheckTokens(valid, 'kbsConfig');
  const text = stringifyToml(valid as Record<string, unknown>);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/**
 * Parses and validates an existing kbs-config.toml for Trustee v0.21.0. Keys of older versions are refused
 * with the key and its replacement; any other unknown key is refused too (Trustee would ignore it).
 */
export function parseKbsConfig(text: string): KbsConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    throw new AttestationInputError('kbs-config.toml', `is not valid TOML: ${(e as Error).message.split('\n')[0]}`);
  }
  for (const dead of DEAD_KEYS) {
    if (hasPath(doc, dead.path)) {
      throw new AttestationInputError(`kbs-config.toml ${dead.path.join('.')}`, `is not read by Trustee v0.21.0; ${dead.replacement}`);
    }
  }
  if (Array.isArray(doc.plugins)) {
    doc.plugins.forEach((p: unknown, i: number) => {
      const plugin = p as Record<string, unknown>;
      if (plugin?.name === 'resource' && ('type' in plugin || 'dir_path' in plugin)) {
        throw new AttestationInputError(
          `kbs-config.toml plugins[${i}]`,
          'uses the legacy resource plugin keys "type"/"dir_path"; use storage_backend_type = "kvstorage" and [storage_backend]',
        );
      }
    });
  }
  return validate(doc, 'kbs-config.toml');
}

function validate(value: unknown, where: string): KbsConfig {
  const result = kbsConfigSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const at = issue.path.length > 0 ? `${where} ${issue.path.join('.')}` : where;
    const detail = issue.code === 'unrecognized_keys' ? `has keys Trustee v0.21.0 does not read: ${issue.keys.join(', ')}` : issue.message;
    throw new AttestationInputError(at, detail);
  }
  return result.data;
}

function hasPath(doc: Record<string, unknown>, keys: string[]): boolean {
  let node: unknown = doc;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

function deepCheckTokens(value: unknown, field: string): void {
  if (typeof value === 'string') requireSynthTimeString(value, field);
  else if (Array.isArray(value)) value.forEach((v, i) => deepCheckTokens(v, `${field}[${i}]`));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) deepCheckTokens(v, `${field}.${k}`);
  }
}
