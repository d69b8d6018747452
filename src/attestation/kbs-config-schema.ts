import { isIP } from 'node:net';
import * as v from 'valibot';
import { fieldCheck, int, strictObject } from './schema';

// The schema of Trustee v0.21.0's kbs-config.toml: kbs/src/config.rs and the structs it pulls in (admin,
// attestation service, RVPS, token broker, verifiers, key-value storage, plugins), with every variant and
// serde alias the official builds accept. Two deliberate differences from the KBS, both refusals: every
// object is strict (Trustee silently ignores unknown keys outside [admin], so a typo would be a silently
// insecure default), and values need their exact TOML type (the config crate would coerce "yes" into a bool).

const str = v.string();
const path = v.pipe(v.string(), v.minLength(1, 'must not be empty'));
const u32 = int(0, 4294967295);

/** `SocketAddr` syntax as Rust parses it: `a.b.c.d:port` (no leading zeros), `[v6]:port`, `[v6%<n>]:port`. */
export function isSocketAddress(text: string): boolean {
  const v4 = /^((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}):([0-9]{1,5})$/.exec(text);
  const v6 = /^\[([0-9A-Fa-f:.]+)(?:%[0-9]+)?\]:([0-9]{1,5})$/.exec(text);
  const port = Number((v4 ?? v6)?.[2]);
  if (v4) return port <= 65535;
  return v6 !== null && isIP(v6[1]) === 6 && port <= 65535;
}

/** Every spelling of KeyValueStorageType (variant names and serde aliases). */
export const STORAGE_TYPES = [
  'Memory',
  'memory',
  'LocalJson',
  'local_json',
  'LocalFs',
  'local_fs',
  'Postgres',
  'postgres',
  'Redis',
  'redis',
] as const;
const storageType = v.picklist(STORAGE_TYPES, `must be one of ${STORAGE_TYPES.join(', ')}`);

/** The canonical name of a storage type spelling (`local_fs` -> `LocalFs`). */
export function canonicalStorageType(value: string | undefined): 'Memory' | 'LocalJson' | 'LocalFs' | 'Postgres' | 'Redis' {
  const index = STORAGE_TYPES.indexOf((value ?? 'Memory') as (typeof STORAGE_TYPES)[number]);
  return STORAGE_TYPES[index - (index % 2)] as 'Memory' | 'LocalJson' | 'LocalFs' | 'Postgres' | 'Redis';
}

const tlsVersion = v.picklist(['1.2', '1.3'], 'must be the string "1.2" or "1.3"');
const httpServer = strictObject({
  sockets: v.optional(
    v.pipe(
      v.array(v.pipe(str, v.check(isSocketAddress, 'must be "ip:port", e.g. "0.0.0.0:8080" (no host names, no leading zeros)'))),
      v.minLength(1, 'must list at least one address: with none the KBS cannot bind'),
    ),
  ),
  insecure_http: v.optional(v.boolean()),
  private_key: v.optional(path),
  certificate: v.optional(path),
  payload_request_size: v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095, 'must be below 4096 MiB: larger values overflow and wrap')),
  ),
  worker_count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'must be at least 1 (0 makes the server panic at start-up)'))),
  tls_profile: v.optional(
    v.picklist(['old', 'intermediate', 'modern', 'custom'], 'must be "old", "intermediate", "modern" or "custom" (lower case)'),
  ),
  tls_min_version: v.optional(tlsVersion),
  tls_max_version: v.optional(tlsVersion),
  tls_ciphers: v.optional(str),
  tls_groups: v.optional(str),
});

const identityProvider = strictObject({
  issuer: v.optional(str),
  audience: v.optional(str),
  public_key_uri: v.optional(path),
  jwk_set_uri: v.optional(path),
});
const acl = strictObject({ role: str, allowed_endpoints: v.optional(str) });
const admin = v.variant(
  'authorization_mode',
  [
    strictObject({ authorization_mode: v.literal('DenyAll') }),
    strictObject({ authorization_mode: v.literal('InsecureAllowAll') }),
    strictObject({
      authorization_mode: v.literal('AuthenticatedAuthorization'),
      authentication: strictObject({ bearer_jwt: strictObject({ identity_providers: v.optional(v.array(identityProvider)) }) }),
      authorization: strictObject({ regex_acl: strictObject({ acls: v.optional(v.array(acl)) }) }),
    }),
  ],
  'must be "DenyAll", "InsecureAllowAll" or "AuthenticatedAuthorization"',
);

const attestationToken = strictObject({
  extra_teekey_paths: v.optional(v.array(str)),
  trusted_certs_paths: v.optional(v.array(path)),
  trusted_jwk_sets: v.optional(v.array(path)),
  insecure_header_jwk: v.optional(v.boolean()),
});

const tokenBroker = strictObject({
  duration_min: v.optional(v.pipe(v.number(), v.integer())),
  issuer_name: v.optional(str),
  developer_name: v.optional(str),
  build_name: v.optional(str),
  profile_name: v.optional(str),
  verbose_token: v.optional(v.boolean()),
  signer: v.optional(strictObject({ key_path: path, cert_path: v.optional(path), cert_url: v.optional(str) })),
});

const rvpsConfig = v.variant(
  'type',
  [
    strictObject({
      type: v.literal('BuiltIn'),
      storage_type: v.optional(storageType),
      extractors: v.optional(strictObject({ swid_extractor: v.optional(strictObject({})) })),
    }),
    strictObject({ type: v.literal('GrpcRemote'), address: v.optional(str) }),
  ],
  'must be "BuiltIn" or "GrpcRemote"',
);

const verifierConfig = strictObject({
  nvidia_verifier: v.optional(
    v.variant(
      'type',
      [
        strictObject({ type: v.picklist(['Local', 'local']) }),
        strictObject({ type: v.picklist(['Remote', 'remote']), verifier_url: v.optional(str) }),
      ],
      'must be "Local", "local", "Remote" or "remote"',
    ),
  ),
  tpm_verifier: v.optional(strictObject({})),
  snp_verifier: v.optional(
    strictObject({
      vcek_sources: v.optional(
        v.array(
          v.variant(
            'type',
            [
              strictObject({ type: v.literal('OfflineStore'), path: v.optional(str) }),
              strictObject({ type: v.literal('KDS'), base_url: v.optional(str) }),
            ],
            'must be "OfflineStore" or "KDS"',
          ),
        ),
      ),
    }),
  ),
  dcap_verifier: v.optional(
    strictObject({
      collateral_service: str,
      use_secure_cert: v.optional(v.boolean()),
      tcb_update_type: v.optional(v.picklist(['early', 'standard'])),
    }),
  ),
});

const timeout = v.optional(v.pipe(v.number(), v.integer()));
const attestationService = v.variant(
  'type',
  [
    strictObject({
      type: v.picklist(['coco_as_builtin', 'CoCoASBuiltIn']),
      timeout,
      rvps_config: v.optional(rvpsConfig),
      attestation_token_broker: v.optional(tokenBroker),
      verifier_config: v.optional(verifierConfig),
      storage_type: v.optional(storageType),
    }),
    strictObject({
      type: v.picklist(['coco_as_grpc', 'CoCoASGrpc']),
      timeout,
      as_addr: v.optional(str),
      pool_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    }),
    strictObject({
      type: v.picklist(['intel_ta', 'IntelTA']),
      timeout,
      base_url: str,
      api_key: str,
      certs_file: str,
      allow_unmatched_policy: v.optional(v.boolean()),
      policy_ids: v.optional(v.array(str)),
    }),
  ],
  'must be "coco_as_builtin" (or "CoCoASBuiltIn"), "coco_as_grpc" ("CoCoASGrpc") or "intel_ta" ("IntelTA")',
);

const storageBackend = strictObject({
  storage_type: v.optional(storageType),
  backends: v.optional(
    strictObject({
      local_fs: v.optional(strictObject({ dir_path: v.optional(path) })),
      local_json: v.optional(strictObject({ file_dir_path: v.optional(path) })),
      postgres: v.optional(
        strictObject({
          db: v.optional(str),
          username: v.optional(str),
          password: v.optional(str),
          host: v.optional(str),
          port: v.optional(int(0, 65535)),
        }),
      ),
      redis: v.optional(strictObject({ url: v.optional(str) })),
    }),
  ),
});

const resourceName = v.picklist(['resource', 'ResourceStorage']);
const STORAGE_BACKENDS_MESSAGE = 'must be one of kvstorage, KvStorage, aliyun, Aliyun, aws, Aws, gcp, Gcp, vault, Vault';
const resourcePlugin = v.variant(
  'storage_backend_type',
  [
    strictObject({ name: resourceName, storage_backend_type: v.picklist(['kvstorage', 'KvStorage']) }),
    strictObject({
      name: resourceName,
      storage_backend_type: v.picklist(['aliyun', 'Aliyun']),
      client_key: str,
      kms_instance_id: str,
      password: str,
      cert_pem: str,
    }),
    strictObject({ name: resourceName, storage_backend_type: v.picklist(['aws', 'Aws']), region: v.optional(str), endpoint_url: v.optional(str) }),
    strictObject({ name: resourceName, storage_backend_type: v.picklist(['gcp', 'Gcp']), project_id: str, endpoint_url: v.optional(str) }),
    strictObject({
      name: resourceName,
      storage_backend_type: v.picklist(['vault', 'Vault']),
      vault_url: str,
      token: str,
      mount_path: v.optional(str),
      verify_ssl: v.optional(v.boolean()),
      ca_certs: v.optional(v.array(str)),
    }),
  ],
  STORAGE_BACKENDS_MESSAGE,
);

const externalBackend = v.pipe(
  strictObject({
    name: str,
    endpoint: v.pipe(str, v.regex(/^https?:\/\//, 'must start with http:// or https://')),
    timeout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    ca_cert_path: v.optional(path),
  }),
  fieldCheck(
    'ca_cert_path',
    (b) => !b.endpoint.startsWith('https://') || b.ca_cert_path !== undefined,
    'an https:// endpoint needs ca_cert_path (the PEM the server certificate is verified against)',
  ),
);

/** Every `[[plugins]] name` spelling. */
export const PLUGIN_NAMES = [
  'sample',
  'Sample',
  'resource',
  'ResourceStorage',
  'nebula-ca',
  'NebulaCaPlugin',
  'pkcs11',
  'Pkcs11',
  'external',
  'ExternalPlugin',
] as const;

const plugin = v.variant(
  'name',
  [
    strictObject({ name: v.picklist(['sample', 'Sample']), item: str }),
    resourcePlugin,
    strictObject({
      name: v.picklist(['nebula-ca', 'NebulaCaPlugin']),
      work_dir: v.optional(str),
      nebula_cert_bin_path: v.optional(str),
      ca_config: v.optional(
        strictObject({
          name: v.optional(str),
          curve: v.optional(str),
          duration: v.optional(str),
          groups: v.optional(str),
          ips: v.optional(str),
          out_qr: v.optional(str),
          subnets: v.optional(str),
          argon_iterations: v.optional(u32),
          argon_memory: v.optional(u32),
          argon_parallelism: v.optional(u32),
        }),
      ),
    }),
    strictObject({
      name: v.picklist(['pkcs11', 'Pkcs11']),
      module: path,
      slot_index: v.optional(int(0, 255)),
      pin: str,
      rsa_mechanism: v.optional(v.picklist(['RsaPkcsOaep', 'RsaPkcsTest'])),
      lookup_label: v.optional(str),
    }),
    strictObject({ name: v.picklist(['external', 'ExternalPlugin']), backends: v.array(externalBackend) }),
  ],
  // A nested variant's failure is reported with the outer variant's message: name the key that failed.
  (issue) => (issue.path?.[0]?.key === 'storage_backend_type' ? STORAGE_BACKENDS_MESSAGE : `must be one of ${PLUGIN_NAMES.join(', ')}`),
);

/** The schema of Trustee v0.21.0's kbs-config.toml (the format; start-up rules are checked separately). */
export const kbsConfigSchema = strictObject({
  http_server: httpServer,
  admin,
  attestation_token: v.optional(attestationToken),
  attestation_service: v.optional(attestationService),
  storage_backend: v.optional(storageBackend),
  session_storage_type: v.optional(storageType),
  plugins: v.optional(v.array(plugin)),
});

/** A kbs-config.toml document, with the TOML key names. */
export type KbsConfig = v.InferOutput<typeof kbsConfigSchema>;
