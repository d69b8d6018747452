/**
 * Keys earlier Trustee releases read that v0.21.0 ignores or refuses, each with what replaced it. `*` stands
 * for any element of an array (`plugins.*.type`). From Trustee's git history (kbs/src/config.rs, admin,
 * token, attestation-service and plugin configs at v0.10.0 ... v0.20.0).
 */
export const LEGACY_KBS_KEYS: ReadonlyArray<{ readonly path: string; readonly replacement: string }> = [
  { path: 'sockets', replacement: 'move it to [http_server] sockets' },
  { path: 'insecure_http', replacement: 'move it to [http_server] insecure_http' },
  { path: 'private_key', replacement: 'move it to [http_server] private_key' },
  { path: 'certificate', replacement: 'move it to [http_server] certificate' },
  { path: 'timeout', replacement: 'move it to [attestation_service] timeout' },
  { path: 'insecure_api', replacement: 'use [admin] authorization_mode (InsecureAllowAll is for development only)' },
  {
    path: 'auth_public_key',
    replacement:
      'use [admin] authorization_mode = "AuthenticatedAuthorization" with ' +
      '[admin.authentication.bearer_jwt] identity_providers = [{ public_key_uri = "<path>" }]',
  },
  { path: 'attestation_token_config', replacement: 'use [attestation_token]: trusted_certs_paths for CoCo tokens, trusted_jwk_sets for JWK tokens' },
  { path: 'as_config', replacement: 'use [attestation_service] type = "coco_as_builtin" with its rvps_config and attestation_token_broker tables' },
  { path: 'grpc_config', replacement: 'use [attestation_service] type = "coco_as_grpc" with as_addr and pool_size' },
  { path: 'intel_trust_authority_config', replacement: 'use [attestation_service] type = "intel_ta" with the same fields' },
  { path: 'repository_config', replacement: 'use [[plugins]] name = "resource" with storage_backend_type = "kvstorage", and [storage_backend]' },
  {
    path: 'policy_engine_config',
    replacement: 'the resource policy lives in the storage backend (namespace "kbs", key "resource-policy"), set through the admin API',
  },
  {
    path: 'policy_engine',
    replacement:
      'the resource policy lives in the storage backend (namespace "kbs", key "resource-policy"), set through the admin API; remove [policy_engine]',
  },
  { path: 'work_dir', replacement: 'use [storage_backend] storage_type = "LocalFs" with [storage_backend.backends.local_fs] dir_path' },
  { path: 'admin.type', replacement: 'use [admin] authorization_mode = "DenyAll" | "AuthenticatedAuthorization" | "InsecureAllowAll"' },
  { path: 'admin.insecure_api', replacement: 'use [admin] authorization_mode (InsecureAllowAll is for development only)' },
  {
    path: 'admin.auth_public_key',
    replacement:
      'use [admin.authentication.bearer_jwt] identity_providers = [{ public_key_uri = "<path>" }] ' +
      'with authorization_mode = "AuthenticatedAuthorization"',
  },
  {
    path: 'admin.personas',
    replacement: 'use [admin.authentication.bearer_jwt] identity_providers = [{ public_key_uri = "<path>" }]; admin JWTs now carry a "role" claim',
  },
  {
    path: 'admin.roles',
    replacement: 'use [admin.authorization.regex_acl] acls = [{ role, allowed_endpoints = "^/kbs/..$" }] (an empty list denies every admin request)',
  },
  { path: 'admin.authentication.type', replacement: 'use the table [admin.authentication.bearer_jwt]' },
  { path: 'attestation_token.insecure_key', replacement: 'it was renamed insecure_header_jwk (keep it false outside tests)' },
  {
    path: 'attestation_token.attestation_token_type',
    replacement: 'list CoCo token signer CAs in trusted_certs_paths, JWK sets in trusted_jwk_sets',
  },
  { path: 'attestation_service.work_dir', replacement: 'use [storage_backend.backends.local_fs] dir_path' },
  {
    path: 'attestation_service.policy_engine',
    replacement: 'attestation policies are stored in the storage backend (namespace "attestation_service_policy"); remove it',
  },
  {
    path: 'attestation_service.storage_backend',
    replacement: 'use [attestation_service] storage_type (the type only) and the top-level [storage_backend] backends',
  },
  { path: 'attestation_service.attestation_token_broker.type', replacement: 'EAR is the only token type; remove it' },
  {
    path: 'attestation_service.attestation_token_broker.policy_dir',
    replacement: 'attestation policies are stored in the storage backend (namespace "attestation_service_policy")',
  },
  { path: 'attestation_service.rvps_config.storage', replacement: 'use rvps_config.storage_type and the top-level [storage_backend] backends' },
  { path: 'attestation_service.rvps_config.store_type', replacement: 'use rvps_config type = "BuiltIn" with storage_type' },
  { path: 'attestation_service.rvps_config.remote_addr', replacement: 'use rvps_config type = "GrpcRemote" with address' },
  {
    path: 'attestation_service.verifier_config.tpm_verifier.trusted_ak_keys_dir',
    replacement: 'TPM attestation keys are trusted through reference values and the attestation policy; remove it',
  },
  {
    path: 'attestation_service.verifier_config.tpm_verifier.max_trusted_ak_keys',
    replacement: 'TPM attestation keys are trusted through reference values and the attestation policy; remove it',
  },
  {
    path: 'plugins.*.type',
    replacement: 'the resource plugin takes storage_backend_type = "kvstorage" (or aliyun, aws, gcp, vault) and the KBS-wide [storage_backend]',
  },
  { path: 'plugins.*.dir_path', replacement: 'use [storage_backend] storage_type = "LocalFs" with [storage_backend.backends.local_fs] dir_path' },
  { path: 'plugins.*.self_signed_ca', replacement: 'the nebula-ca plugin reads its CA settings from the table ca_config' },
  { path: 'plugins.*.backends.*.tls_mode', replacement: 'TLS follows the endpoint scheme: use an https:// endpoint with ca_cert_path' },
];

/** The legacy entry matching a concrete key path (`["plugins", 0, "type"]`), if any. */
export function legacyKey(keyPath: readonly (string | number)[]): { readonly path: string; readonly replacement: string } | undefined {
  return LEGACY_KBS_KEYS.find((entry) => {
    const parts = entry.path.split('.');
    return parts.length === keyPath.length && parts.every((p, i) => (p === '*' ? typeof keyPath[i] === 'number' : p === String(keyPath[i])));
  });
}
