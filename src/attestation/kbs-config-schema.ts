import { isIP } from 'node:net';
import { z } from 'zod';

// The schema of Trustee v0.21.0's kbs-config.toml: kbs/src/config.rs and the structs it pulls in (admin,
// attestation service, RVPS, token broker, verifiers, key-value storage, plugins), with every variant and
// serde alias the official builds accept. Two deliberate differences from the KBS, both refusals: every
// object is strict (Trustee silently ignores unknown keys outside [admin], so a typo would be a silently
// insecure default), and values need their exact TOML type (the config crate would coerce "yes" into a bool).

const str = z.string();
const path = z.string().min(1, 'must not be empty');
const u32 = z.number().int().min(0).max(4294967295);

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
const storageType = z.enum(STORAGE_TYPES, { message: `must be one of ${STORAGE_TYPES.join(', ')}` });

/** The canonical name of a storage type spelling (`local_fs` -> `LocalFs`). */
export function canonicalStorageType(value: string | undefined): 'Memory' | 'LocalJson' | 'LocalFs' | 'Postgres' | 'Redis' {
  const index = STORAGE_TYPES.indexOf((value ?? 'Memory') as (typeof STORAGE_TYPES)[number]);
  return STORAGE_TYPES[index - (index % 2)] as 'Memory' | 'LocalJson' | 'LocalFs' | 'Postgres' | 'Redis';
}

const tlsVersion = z.enum(['1.2', '1.3'], { message: 'must be the string "1.2" or "1.3"' });
const httpServer = z.strictObject({
  sockets: z
    .array(str.refine(isSocketAddress, 'must be "ip:port", e.g. "0.0.0.0:8080" (no host names, no leading zeros)'))
    .min(1, 'must list at least one address: with none the KBS cannot bind')
    .optional(),
  insecure_http: z.boolean().optional(),
  private_key: path.optional(),
  certificate: path.optional(),
  payload_request_size: z.number().int().min(0).max(4095, 'must be below 4096 MiB: larger values overflow and wrap').optional(),
  worker_count: z.number().int().min(1, 'must be at least 1 (0 makes the server panic at start-up)').optional(),
  tls_profile: z
    .enum(['old', 'intermediate', 'modern', 'custom'], { message: 'must be "old", "intermediate", "modern" or "custom" (lower case)' })
    .optional(),
  tls_min_version: tlsVersion.optional(),
  tls_max_version: tlsVersion.optional(),
  tls_ciphers: str.optional(),
  tls_groups: str.optional(),
});

const identityProvider = z.strictObject({
  issuer: str.optional(),
  audience: str.optional(),
  public_key_uri: path.optional(),
  jwk_set_uri: path.optional(),
});
const acl = z.strictObject({ role: str, allowed_endpoints: str.optional() });
const admin = z.discriminatedUnion(
  'authorization_mode',
  [
    z.strictObject({ authorization_mode: z.literal('DenyAll') }),
    z.strictObject({ authorization_mode: z.literal('InsecureAllowAll') }),
    z.strictObject({
      authorization_mode: z.literal('AuthenticatedAuthorization'),
      authentication: z.strictObject({ bearer_jwt: z.strictObject({ identity_providers: z.array(identityProvider).optional() }) }),
      authorization: z.strictObject({ regex_acl: z.strictObject({ acls: z.array(acl).optional() }) }),
    }),
  ],
  { message: 'authorization_mode must be "DenyAll", "InsecureAllowAll" or "AuthenticatedAuthorization"' },
);

const attestationToken = z.strictObject({
  extra_teekey_paths: z.array(str).optional(),
  trusted_certs_paths: z.array(path).optional(),
  trusted_jwk_sets: z.array(path).optional(),
  insecure_header_jwk: z.boolean().optional(),
});

const tokenBroker = z.strictObject({
  duration_min: z.number().int().optional(),
  issuer_name: str.optional(),
  developer_name: str.optional(),
  build_name: str.optional(),
  profile_name: str.optional(),
  verbose_token: z.boolean().optional(),
  signer: z.strictObject({ key_path: path, cert_path: path.optional(), cert_url: str.optional() }).optional(),
});

const rvpsConfig = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('BuiltIn'),
      storage_type: storageType.optional(),
      extractors: z.strictObject({ swid_extractor: z.strictObject({}).optional() }).optional(),
    }),
    z.strictObject({ type: z.literal('GrpcRemote'), address: str.optional() }),
  ],
  { message: 'type must be "BuiltIn" or "GrpcRemote"' },
);

const verifierConfig = z.strictObject({
  nvidia_verifier: z
    .discriminatedUnion(
      'type',
      [z.strictObject({ type: z.enum(['Local', 'local']) }), z.strictObject({ type: z.enum(['Remote', 'remote']), verifier_url: str.optional() })],
      { message: 'type must be "Local", "local", "Remote" or "remote"' },
    )
    .optional(),
  tpm_verifier: z.strictObject({}).optional(),
  snp_verifier: z
    .strictObject({
      vcek_sources: z
        .array(
          z.discriminatedUnion(
            'type',
            [
              z.strictObject({ type: z.literal('OfflineStore'), path: str.optional() }),
              z.strictObject({ type: z.literal('KDS'), base_url: str.optional() }),
            ],
            { message: 'type must be "OfflineStore" or "KDS"' },
          ),
        )
        .optional(),
    })
    .optional(),
  dcap_verifier: z
    .strictObject({ collateral_service: str, use_secure_cert: z.boolean().optional(), tcb_update_type: z.enum(['early', 'standard']).optional() })
    .optional(),
});

const timeout = z.number().int().optional();
const attestationService = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.enum(['coco_as_builtin', 'CoCoASBuiltIn']),
      timeout,
      rvps_config: rvpsConfig.optional(),
      attestation_token_broker: tokenBroker.optional(),
      verifier_config: verifierConfig.optional(),
      storage_type: storageType.optional(),
    }),
    z.strictObject({ type: z.enum(['coco_as_grpc', 'CoCoASGrpc']), timeout, as_addr: str.optional(), pool_size: z.number().int().min(0).optional() }),
    z.strictObject({
      type: z.enum(['intel_ta', 'IntelTA']),
      timeout,
      base_url: str,
      api_key: str,
      certs_file: str,
      allow_unmatched_policy: z.boolean().optional(),
      policy_ids: z.array(str).optional(),
    }),
  ],
  { message: 'type must be "coco_as_builtin" (or "CoCoASBuiltIn"), "coco_as_grpc" ("CoCoASGrpc") or "intel_ta" ("IntelTA")' },
);

const storageBackend = z.strictObject({
  storage_type: storageType.optional(),
  backends: z
    .strictObject({
      local_fs: z.strictObject({ dir_path: path.optional() }).optional(),
      local_json: z.strictObject({ file_dir_path: path.optional() }).optional(),
      postgres: z
        .strictObject({
          db: str.optional(),
          username: str.optional(),
          password: str.optional(),
          host: str.optional(),
          port: z.number().int().min(0).max(65535).optional(),
        })
        .optional(),
      redis: z.strictObject({ url: str.optional() }).optional(),
    })
    .optional(),
});

const resourceName = z.enum(['resource', 'ResourceStorage']);
const resourcePlugin = z.discriminatedUnion(
  'storage_backend_type',
  [
    z.strictObject({ name: resourceName, storage_backend_type: z.enum(['kvstorage', 'KvStorage']) }),
    z.strictObject({
      name: resourceName,
      storage_backend_type: z.enum(['aliyun', 'Aliyun']),
      client_key: str,
      kms_instance_id: str,
      password: str,
      cert_pem: str,
    }),
    z.strictObject({ name: resourceName, storage_backend_type: z.enum(['aws', 'Aws']), region: str.optional(), endpoint_url: str.optional() }),
    z.strictObject({ name: resourceName, storage_backend_type: z.enum(['gcp', 'Gcp']), project_id: str, endpoint_url: str.optional() }),
    z.strictObject({
      name: resourceName,
      storage_backend_type: z.enum(['vault', 'Vault']),
      vault_url: str,
      token: str,
      mount_path: str.optional(),
      verify_ssl: z.boolean().optional(),
      ca_certs: z.array(str).optional(),
    }),
  ],
  { message: 'storage_backend_type must be one of kvstorage, KvStorage, aliyun, Aliyun, aws, Aws, gcp, Gcp, vault, Vault' },
);

const externalBackend = z
  .strictObject({
    name: str,
    endpoint: str.regex(/^https?:\/\//, 'must start with http:// or https://'),
    timeout_ms: z.number().int().min(0).optional(),
    ca_cert_path: path.optional(),
  })
  .refine((b) => !b.endpoint.startsWith('https://') || b.ca_cert_path !== undefined, {
    message: 'an https:// endpoint needs ca_cert_path (the PEM the server certificate is verified against)',
    path: ['ca_cert_path'],
  });

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

const plugin = z.discriminatedUnion(
  'name',
  [
    z.strictObject({ name: z.enum(['sample', 'Sample']), item: str }),
    resourcePlugin,
    z.strictObject({
      name: z.enum(['nebula-ca', 'NebulaCaPlugin']),
      work_dir: str.optional(),
      nebula_cert_bin_path: str.optional(),
      ca_config: z
        .strictObject({
          name: str.optional(),
          curve: str.optional(),
          duration: str.optional(),
          groups: str.optional(),
          ips: str.optional(),
          out_qr: str.optional(),
          subnets: str.optional(),
          argon_iterations: u32.optional(),
          argon_memory: u32.optional(),
          argon_parallelism: u32.optional(),
        })
        .optional(),
    }),
    z.strictObject({
      name: z.enum(['pkcs11', 'Pkcs11']),
      module: path,
      slot_index: z.number().int().min(0).max(255).optional(),
      pin: str,
      rsa_mechanism: z.enum(['RsaPkcsOaep', 'RsaPkcsTest']).optional(),
      lookup_label: str.optional(),
    }),
    z.strictObject({ name: z.enum(['external', 'ExternalPlugin']), backends: z.array(externalBackend) }),
  ],
  { message: `name must be one of ${PLUGIN_NAMES.join(', ')}` },
);

/** Zod schema of Trustee v0.21.0's kbs-config.toml (the format; start-up rules are checked separately). */
export const kbsConfigSchema = z.strictObject({
  http_server: httpServer,
  admin,
  attestation_token: attestationToken.optional(),
  attestation_service: attestationService.optional(),
  storage_backend: storageBackend.optional(),
  session_storage_type: storageType.optional(),
  plugins: z.array(plugin).optional(),
});

/** A kbs-config.toml document, with the TOML key names. */
export type KbsConfig = z.infer<typeof kbsConfigSchema>;
