import { Field, check, show } from './errors';
import { KbsConfig, canonicalStorageType, parseKbsConfig, renderKbsConfig } from './kbs-config';

/** Where the secure default configuration expects Trustee's files inside its container. */
export interface SecureKbsConfigProps {
  /**
   * Port the KBS listens on (all interfaces).
   * @default 8080
   */
  readonly port?: number;
  /** HTTPS server key and certificate paths (mounted from a Kubernetes TLS Secret). */
  readonly tls: { readonly privateKeyPath: string; readonly certificatePath: string };
  /**
   * Path of the admin's PEM public key; admin requests must carry a JWT signed by its private key.
   * @default - none: required unless `adminApiDisabled`
   */
  readonly adminPublicKeyPath?: string;
  /**
   * Turns the admin API off (`authorization_mode = "DenyAll"`: Trustee v0.21.0 refuses every admin request), for a
   * KBS whose policies, reference values and resources arrive as files in its storage rather than through the API.
   * @default false
   */
  readonly adminApiDisabled?: boolean;
  /**
   * The `role` claim admin JWTs must carry.
   * @default 'admin'
   */
  readonly adminRole?: string;
  /** The attestation token signer: private key path and the PEM certificate chain path of its public key. */
  readonly tokenSigner: { readonly keyPath: string; readonly certChainPath: string };
  /** PEM CA certificate paths the KBS trusts for attestation tokens (the root of the signer's chain). */
  readonly trustedCertsPaths: readonly string[];
  /**
   * Directory of the LocalFs storage backend (a persistent volume).
   * @default '/opt/confidential-containers/storage'
   */
  readonly storageDir?: string;
  /**
   * Lifetime of attestation tokens, in minutes.
   * @default 5
   */
  readonly tokenDurationMinutes?: number;
}

/** The storage directory Trustee's images use. */
export const DEFAULT_KBS_STORAGE_DIR = '/opt/confidential-containers/storage';

/**
 * A kbs-config.toml that is secure by default: HTTPS only, admin API behind AuthenticatedAuthorization (or off),
 * attestation tokens signed by a known key and verified against its CA (`insecure_header_jwk = false`),
 * built-in attestation service with the built-in RVPS, and everything persisted on LocalFs.
 */
export function secureKbsConfig(props: SecureKbsConfigProps): KbsConfig {
  const port = props.port ?? 8080;
  check(Number.isInteger(port) && port > 0 && port < 65536, 'port', `must be a TCP port 1-65535, got ${show(port)}`);
  check(
    Array.isArray(props.trustedCertsPaths) && props.trustedCertsPaths.length > 0,
    'trustedCertsPaths',
    'must name the CA that issued the token signer certificate; without it the KBS cannot verify attestation tokens',
  );
  check(
    props.adminApiDisabled === true ? props.adminPublicKeyPath === undefined : typeof props.adminPublicKeyPath === 'string',
    'adminPublicKeyPath',
    props.adminApiDisabled === true
      ? 'has no use with adminApiDisabled: nobody can authenticate to an admin API that is off; drop it'
      : 'is required: admin requests are verified against it (or set adminApiDisabled when nothing uses the admin API)',
  );
  // Trustee v0.21.0 kbs/src/admin/mod.rs:52-61: `[admin]` is tagged by authorization_mode with deny_unknown_fields, so
  // DenyAll takes no other key; :122-124 refuses every admin request under it (and :63-67 make InsecureAllowAll the
  // default, so the table is always written). api_server.rs:265-397 sends the policy and reference-value endpoints through
  // that check, and plugins/implementations/resource/mod.rs:60-72 resource writes; resource reads need an attestation token.
  const admin: KbsConfig['admin'] =
    props.adminApiDisabled === true
      ? { authorization_mode: 'DenyAll' }
      : {
          authorization_mode: 'AuthenticatedAuthorization',
          authentication: { bearer_jwt: { identity_providers: [{ public_key_uri: props.adminPublicKeyPath! }] } },
          authorization: { regex_acl: { acls: [{ role: props.adminRole ?? 'admin', allowed_endpoints: '^/kbs/v0/.+$' }] } },
        };
  return {
    http_server: {
      sockets: [`0.0.0.0:${port}`],
      insecure_http: false,
      private_key: props.tls.privateKeyPath,
      certificate: props.tls.certificatePath,
    },
    admin,
    attestation_token: {
      trusted_certs_paths: [...props.trustedCertsPaths],
      insecure_header_jwk: false,
    },
    attestation_service: {
      type: 'coco_as_builtin',
      attestation_token_broker: {
        duration_min: props.tokenDurationMinutes ?? 5,
        signer: { key_path: props.tokenSigner.keyPath, cert_path: props.tokenSigner.certChainPath },
      },
      rvps_config: { type: 'BuiltIn' },
    },
    storage_backend: {
      storage_type: 'LocalFs',
      backends: { local_fs: { dir_path: props.storageDir ?? DEFAULT_KBS_STORAGE_DIR } },
    },
    plugins: [{ name: 'resource', storage_backend_type: 'kvstorage' }],
  };
}

/** A way a KBS configuration is less than secure, with the fix. */
export interface KbsConfigFinding {
  /** The TOML key concerned. */
  readonly key: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Lists what makes `config` insecure for production; empty for `secureKbsConfig` output. */
export function kbsConfigFindings(config: KbsConfig): KbsConfigFinding[] {
  const findings: KbsConfigFinding[] = [];
  const http = config.http_server;
  if (http.insecure_http === true)
    findings.push({ key: 'http_server.insecure_http', message: 'serves plain HTTP; set private_key and certificate and remove insecure_http' });
  else if (!http.private_key || !http.certificate) findings.push({ key: 'http_server', message: 'HTTPS needs private_key and certificate' });
  if (config.admin.authorization_mode === 'InsecureAllowAll')
    findings.push({
      key: 'admin.authorization_mode',
      message:
        'InsecureAllowAll lets anyone who reaches the KBS replace policies and secrets; use AuthenticatedAuthorization, ' +
        'or DenyAll when nothing administers the KBS through its API',
    });
  if (config.attestation_token?.insecure_header_jwk === true)
    findings.push({
      key: 'attestation_token.insecure_header_jwk',
      message: 'accepts attestation tokens signed by any key in their own header; set it to false and list the signer CA in trusted_certs_paths',
    });
  if ((config.attestation_token?.trusted_certs_paths ?? []).length === 0)
    findings.push({
      key: 'attestation_token.trusted_certs_paths',
      message: 'is empty, so tokens with a header key cannot be verified; list the token signer CA',
    });
  const as = config.attestation_service;
  if ((as === undefined || as.type === 'coco_as_builtin' || as.type === 'CoCoASBuiltIn') && as?.attestation_token_broker?.signer === undefined)
    findings.push({
      key: 'attestation_service.attestation_token_broker.signer',
      message: 'is missing: tokens are signed by an ephemeral key that no trusted_certs_paths entry can vouch for',
    });
  if (canonicalStorageType(config.storage_backend?.storage_type) === 'Memory')
    findings.push({
      key: 'storage_backend.storage_type',
      message: 'Memory loses policies, reference values and resources on restart; use LocalFs on a persistent volume',
    });
  return findings;
}

/** A configuration as Trustee will read it: the TOML, the configuration parsed back from it, and its findings. */
export interface CheckedKbsConfig {
  /** kbs-config.toml. */
  readonly toml: string;
  /** The configuration parsed back from `toml`, validated exactly as a user's own file would be. */
  readonly config: KbsConfig;
  /** What makes it insecure for production (empty for `secureKbsConfig` output). */
  readonly findings: readonly KbsConfigFinding[];
}

/** Renders `config`, parses the file back (so a key Trustee would ignore is refused) and lists its findings. */
export function checkedKbsConfig(config: KbsConfig, field: Field = 'kbsConfig'): CheckedKbsConfig {
  const toml = renderKbsConfig(config, field);
  const parsed = parseKbsConfig(toml, field);
  return { toml, config: parsed, findings: kbsConfigFindings(parsed) };
}
