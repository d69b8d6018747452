import { parse as parseToml } from 'smol-toml';
import { KbsConfig, kbsLocalFsLayout, parseKbsConfig, renderKbsConfig, ResourcePath, secureKbsConfig } from '../../src/attestation';
import { kbsConfigFindings } from '../../src/attestation/kbs-defaults';
import { kbsConfigProblems } from '../../src/attestation/kbs-config';
import { localFsFileName } from '../../src/attestation/storage-layout';

const secure = secureKbsConfig({
  tls: { privateKeyPath: '/etc/kbs/https/tls.key', certificatePath: '/etc/kbs/https/tls.crt' },
  adminPublicKeyPath: '/etc/kbs/admin/public.pem',
  tokenSigner: { keyPath: '/etc/kbs/signer/tls.key', certChainPath: '/etc/kbs/signer/tls.crt' },
  trustedCertsPaths: ['/etc/kbs/signer/ca.crt'],
});

/** The secure default's props without an admin key. */
const NO_ADMIN_KEY = {
  tls: { privateKeyPath: '/k', certificatePath: '/c' },
  tokenSigner: { keyPath: '/s', certChainPath: '/sc' },
  trustedCertsPaths: ['/ca'],
};

describe('kbs-config.toml', () => {
  test('the secure default renders TOML that parses back to the same configuration', () => {
    const text = renderKbsConfig(secure);
    expect(parseToml(text)).toEqual(secure);
    expect(parseKbsConfig(text)).toEqual(secure);
  });

  test('the secure default is HTTPS, authenticated admin, signed tokens and persistent storage', () => {
    const doc = parseToml(renderKbsConfig(secure)) as Record<string, Record<string, unknown>>;
    expect(doc.http_server).toMatchObject({
      insecure_http: false,
      private_key: '/etc/kbs/https/tls.key',
      certificate: '/etc/kbs/https/tls.crt',
      sockets: ['0.0.0.0:8080'],
    });
    expect(doc.admin).toEqual({
      authorization_mode: 'AuthenticatedAuthorization',
      authentication: { bearer_jwt: { identity_providers: [{ public_key_uri: '/etc/kbs/admin/public.pem' }] } },
      authorization: { regex_acl: { acls: [{ role: 'admin', allowed_endpoints: '^/kbs/v0/.+$' }] } },
    });
    expect(doc.attestation_token).toEqual({ trusted_certs_paths: ['/etc/kbs/signer/ca.crt'], insecure_header_jwk: false });
    expect(doc.storage_backend).toEqual({ storage_type: 'LocalFs', backends: { local_fs: { dir_path: '/opt/confidential-containers/storage' } } });
    expect(doc.plugins).toEqual([{ name: 'resource', storage_backend_type: 'kvstorage' }]);
    expect(kbsConfigFindings(secure)).toEqual([]);
  });

  test('GIVEN adminApiDisabled WHEN rendered THEN [admin] is DenyAll alone, Trustee v0.21.0 accepts it, and it is secure', () => {
    const denyAll = secureKbsConfig({ ...NO_ADMIN_KEY, adminApiDisabled: true });
    const text = renderKbsConfig(denyAll);
    expect(text).toContain('[admin]\nauthorization_mode = "DenyAll"\n');
    expect(parseKbsConfig(text).admin).toEqual({ authorization_mode: 'DenyAll' });
    expect(kbsConfigFindings(denyAll)).toEqual([]);
    // DenyAll takes no other key (serde deny_unknown_fields upstream).
    expect(() => parseKbsConfig(text.replace('authorization_mode = "DenyAll"', 'authorization_mode = "DenyAll"\nfoo = "/a"'))).toThrow(
      /admin: has keys Trustee v0.21.0 does not read: foo/,
    );
  });

  test('fails when the admin key and adminApiDisabled disagree: both given, or neither', () => {
    expect(() => secureKbsConfig({ ...NO_ADMIN_KEY, adminApiDisabled: true, adminPublicKeyPath: '/a' })).toThrow(
      'adminPublicKeyPath: has no use with adminApiDisabled: nobody can authenticate to an admin API that is off; drop it',
    );
    expect(() => secureKbsConfig(NO_ADMIN_KEY)).toThrow(
      'adminPublicKeyPath: is required: admin requests are verified against it (or set adminApiDisabled when nothing uses the admin API)',
    );
  });

  test('reports every insecure setting', () => {
    const insecure: KbsConfig = {
      http_server: { sockets: ['0.0.0.0:8080'], insecure_http: true },
      admin: { authorization_mode: 'InsecureAllowAll' },
      attestation_token: { insecure_header_jwk: true },
      attestation_service: { type: 'coco_as_builtin' },
      storage_backend: { storage_type: 'memory' },
    };
    expect(kbsConfigFindings(insecure).map((f) => f.key)).toEqual([
      'http_server.insecure_http',
      'admin.authorization_mode',
      'attestation_token.insecure_header_jwk',
      'attestation_token.trusted_certs_paths',
      'attestation_service.attestation_token_broker.signer',
      'storage_backend.storage_type',
    ]);
  });

  // Our own files in the shapes of Trustee v0.21.0's example, deployment and test configurations: each is
  // what the KBS loads and starts with (given the files it names).
  const HEAD =
    '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "DenyAll"\n[attestation_token]\ntrusted_certs_paths = ["/etc/ca.pem"]\n';
  const ACCEPTED: Array<[string, string]> = [
    [
      'lower-case storage types and a dotted backend key',
      `${HEAD}[storage_backend]\nstorage_type = "local_json"\nbackends.local_json.file_dir_path = "/opt/trustee"\n`,
    ],
    [
      'Postgres storage, Redis sessions and their backends',
      `session_storage_type = "redis"\n${HEAD}[storage_backend]\nstorage_type = "postgres"\n` +
        `[storage_backend.backends.postgres]\nhost = "db"\nport = 5433\n[storage_backend.backends.redis]\n`,
    ],
    [
      'the CoCoASBuiltIn spelling with a gRPC RVPS and a token broker',
      `${HEAD}[attestation_service]\ntype = "CoCoASBuiltIn"\ntimeout = 5\n[attestation_service.attestation_token_broker]\n` +
        `issuer_name = "CoCo-Attestation-Service"\nduration_min = 5\nverbose_token = false\n` +
        `[attestation_service.rvps_config]\ntype = "GrpcRemote"\naddress = "http://127.0.0.1:50003"\n`,
    ],
    ['the remote AS (CoCoASGrpc)', `${HEAD}[attestation_service]\ntype = "CoCoASGrpc"\nas_addr = "http://127.0.0.1:50004"\npool_size = 200\n`],
    [
      'Intel Trust Authority (intel_ta)',
      `${HEAD}[attestation_service]\ntype = "intel_ta"\nbase_url = "https://api.trustauthority.intel.com"\napi_key = "key"\n` +
        `certs_file = "https://portal.trustauthority.intel.com"\nallow_unmatched_policy = true\npolicy_ids = []\n`,
    ],
    [
      'IntelTA spelling with JWK sets instead of certificates',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "DenyAll"\n[attestation_token]\n' +
        'trusted_jwk_sets = ["https://portal.trustauthority.intel.com", "file:///etc/jwks.json"]\n' +
        '[attestation_service]\ntype = "IntelTA"\nbase_url = "https://x"\napi_key = "k"\ncerts_file = "/etc/c"\n',
    ],
    [
      'verifier settings',
      `${HEAD}[attestation_service]\ntype = "coco_as_builtin"\n[attestation_service.rvps_config]\ntype = "BuiltIn"\nstorage_type = "LocalFs"\n` +
        `[attestation_service.verifier_config.nvidia_verifier]\ntype = "remote"\nverifier_url = "https://nras"\n` +
        `[attestation_service.verifier_config.snp_verifier]\nvcek_sources = [{ type = "OfflineStore", path = "/vcek" }, { type = "KDS" }]\n` +
        `[attestation_service.verifier_config.dcap_verifier]\ncollateral_service = "https://pccs"\n` +
        `tcb_update_type = "standard"\n[storage_backend.backends.local_fs]\n`,
    ],
    [
      'an authenticated admin API with issuer and audience',
      '[http_server]\nprivate_key = "/k.pem"\ncertificate = "/c.pem"\ntls_profile = "custom"\ntls_min_version = "1.2"\n' +
        'tls_max_version = "1.3"\nsockets = ["0.0.0.0:8080", "[::]:8443", "[fe80::1%2]:9000"]\n[admin]\n' +
        'authorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\n' +
        'identity_providers = [{ issuer = "kbs-admin", audience = "kbs", public_key_uri = "/etc/admin.pem" }, ' +
        '{ jwk_set_uri = "https://idp/jwks" }]\n[admin.authorization.regex_acl]\n' +
        'acls = [{ role = "admin", allowed_endpoints = "^/kbs/v0/.+$" }, { role = "reader", allowed_endpoints = "^/kbs/v0/resource/.+$" }]\n' +
        '[attestation_token]\ntrusted_certs_paths = ["/ca.pem"]\n',
    ],
    [
      'an ACL table without acls (every admin request denied)',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\n' +
        'identity_providers = [{ public_key_uri = "/a.pem" }]\n[admin.authorization.regex_acl]\n[attestation_token]\ninsecure_header_jwk = true\n',
    ],
    [
      'resource plugins backed by Vault, Aliyun, AWS and GCP',
      `${HEAD}[[plugins]]\nname = "resource"\nstorage_backend_type = "vault"\nvault_url = "https://vault:8200"\ntoken = "t"\n` +
        `mount_path = "secret"\nverify_ssl = true\nca_certs = ["/ca"]\n[[plugins]]\nname = "ResourceStorage"\n` +
        `storage_backend_type = "Aliyun"\nclient_key = "k"\nkms_instance_id = "i"\npassword = "p"\ncert_pem = "c"\n[[plugins]]\n` +
        `name = "resource"\nstorage_backend_type = "aws"\n[[plugins]]\nname = "resource"\nstorage_backend_type = "Gcp"\nproject_id = "p"\n`,
    ],
    [
      'the sample, nebula-ca, pkcs11 and external plugins',
      `${HEAD}[[plugins]]\nname = "sample"\nitem = "value"\n[[plugins]]\nname = "nebula-ca"\n[plugins.ca_config]\nname = "ca"\n` +
        `argon_memory = 2097152\n[[plugins]]\nname = "pkcs11"\nmodule = "/usr/lib/softhsm/libsofthsm2.so"\npin = "1234"\n` +
        `slot_index = 1\nrsa_mechanism = "RsaPkcsOaep"\n[[plugins]]\nname = "external"\n` +
        `backends = [{ name = "a", endpoint = "http://a:9000" }, { name = "b", ` +
        `endpoint = "https://b:9000", ca_cert_path = "/ca.pem", timeout_ms = 500 }]\n`,
    ],
  ];

  test.each(ACCEPTED)('parseKbsConfig accepts %s', (_name, text) => {
    expect(kbsConfigProblems(parseToml(text))).toEqual([]);
    expect(parseKbsConfig(text)).toEqual(parseToml(text));
  });

  test.each(['Memory', 'memory', 'LocalFs', 'local_fs', 'LocalJson', 'local_json', 'Postgres', 'postgres', 'Redis', 'redis'])(
    'accepts the storage type spelling %s',
    (type) => {
      const text =
        `${HEAD}[storage_backend]\nstorage_type = "${type}"\n[storage_backend.backends.local_fs]\n` +
        `[storage_backend.backends.local_json]\n[storage_backend.backends.postgres]\n[storage_backend.backends.redis]\n`;
      expect(kbsConfigProblems(parseToml(text))).toEqual([]);
    },
  );

  const REFUSED: Array<[string, string, RegExp]> = [
    ['[admin] type', '[http_server]\n[admin]\ntype = "DenyAll"\n', /admin.type: is not read by Trustee v0.21.0; use \[admin\] authorization_mode/],
    ['auth_public_key', '[http_server]\n[admin]\nauth_public_key = "/a.pub"\n', /admin.auth_public_key: .*identity_providers/],
    ['insecure_api', '[http_server]\n[admin]\ninsecure_api = true\n', /admin.insecure_api: is not read/],
    [
      'personas and roles of v0.20',
      `${HEAD.replace('authorization_mode = "DenyAll"', 'authorization_mode = "AuthenticatedAuthorization"')}[[admin.personas]]\nid = "a"\n`,
      /admin.personas: is not read by Trustee v0.21.0; use \[admin.authentication.bearer_jwt\]/,
    ],
    ['[policy_engine]', `${HEAD}[policy_engine]\npolicy_path = "/p.rego"\n`, /policy_engine: .*resource-policy/],
    ['work_dir', `work_dir = "/opt"\n${HEAD}`, /work_dir: .*local_fs/],
    [
      'insecure_key',
      `${HEAD}insecure_key = true\n`,
      /attestation_token.insecure_key: is not read by Trustee v0.21.0; it was renamed insecure_header_jwk/,
    ],
    [
      '[attestation_token_config]',
      `${HEAD}[attestation_token_config]\nattestation_token_type = "CoCo"\n`,
      /attestation_token_config: is not read by Trustee v0.21.0; use \[attestation_token\]: trusted_certs_paths for CoCo tokens/,
    ],
    [
      '[as_config]',
      `${HEAD}[as_config]\nwork_dir = "/opt"\n`,
      /as_config: is not read by Trustee v0.21.0; use \[attestation_service\] type = "coco_as_builtin"/,
    ],
    [
      'the legacy resource plugin keys',
      `${HEAD}[[plugins]]\nname = "resource"\ntype = "LocalFs"\ndir_path = "/x"\n`,
      /plugins\[0\].type: is not read .*storage_backend_type = "kvstorage"[\s\S]*plugins\[0\].dir_path: is not read/,
    ],
    [
      'the legacy TPM verifier keys',
      `${HEAD}[attestation_service]\ntype = "coco_as_builtin"\n[attestation_service.verifier_config.tpm_verifier]\ntrusted_ak_keys_dir = "/ak"\n`,
      /tpm_verifier.trusted_ak_keys_dir: is not read/,
    ],
    [
      'an unknown key (a typo Trustee would ignore)',
      `${HEAD.replace('insecure_http = true', 'insecure_http = true\ninsecure_htp = true')}`,
      /http_server: has keys Trustee v0.21.0 does not read: insecure_htp/,
    ],
    [
      'an unknown admin mode',
      '[http_server]\n[admin]\nauthorization_mode = "AllowAll"\n',
      /admin.authorization_mode: must be "DenyAll", "InsecureAllowAll" or "AuthenticatedAuthorization"/,
    ],
    [
      'no identity provider',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\n' +
        'identity_providers = []\n[admin.authorization.regex_acl]\nacls = []\n[attestation_token]\ninsecure_header_jwk = true\n',
      /identity_providers: must list at least one identity provider/,
    ],
    [
      'an identity provider without a key',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\n' +
        'identity_providers = [{ issuer = "x" }]\n[admin.authorization.regex_acl]\n[attestation_token]\ninsecure_header_jwk = true\n',
      /identity_providers\[0\]: must set public_key_uri and\/or jwk_set_uri/,
    ],
    [
      'an unanchored ACL',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n' +
        '[admin.authentication.bearer_jwt]\nidentity_providers = [{ public_key_uri = "/a" }]\n[admin.authorization.regex_acl]\n' +
        'acls = [{ role = "admin", allowed_endpoints = ".*" }]\n[attestation_token]\ninsecure_header_jwk = true\n',
      /must start with "\^\/kbs" and end with "\$"/,
    ],
    [
      'a host name as socket',
      `${HEAD.replace('insecure_http = true', 'insecure_http = true\nsockets = ["localhost:8080"]')}`,
      /http_server.sockets\[0\]: must be "ip:port"/,
    ],
    [
      'an address out of range',
      `${HEAD.replace('insecure_http = true', 'insecure_http = true\nsockets = ["999.1.1.1:8080"]')}`,
      /http_server.sockets\[0\]: must be "ip:port"/,
    ],
    [
      'no sockets',
      `${HEAD.replace('insecure_http = true', 'insecure_http = true\nsockets = []')}`,
      /http_server.sockets: must list at least one address/,
    ],
    [
      'tls_min_version above tls_max_version',
      `${HEAD.replace('insecure_http = true', 'insecure_http = true\ntls_min_version = "1.3"\ntls_max_version = "1.2"')}`,
      /tls_min_version: is above tls_max_version/,
    ],
    [
      'HTTPS without certificate and key',
      HEAD.replace('insecure_http = true\n', ''),
      /http_server.certificate: is required for HTTPS[\s\S]*http_server.private_key: is required for HTTPS/,
    ],
    ['no [admin]', '[http_server]\n', /admin/],
    [
      'no attestation token trust material',
      '[http_server]\ninsecure_http = true\n[admin]\nauthorization_mode = "DenyAll"\n',
      /attestation_token: has no trust material: the KBS refuses to start/,
    ],
    [
      'an unknown storage type',
      `${HEAD}[storage_backend]\nstorage_type = "S3"\n`,
      /storage_backend.storage_type: must be one of Memory, memory, LocalJson/,
    ],
    [
      'LocalFs without its backend table',
      `${HEAD}[storage_backend]\nstorage_type = "LocalFs"\n`,
      /storage_backend.storage_type: is LocalFs, but \[storage_backend.backends.local_fs\] is missing/,
    ],
    [
      'LocalJson sessions without their backend table',
      `session_storage_type = "local_json"\n${HEAD}`,
      /session_storage_type: is LocalJson, but \[storage_backend.backends.local_json\] is missing/,
    ],
    [
      'a resource plugin without storage_backend_type',
      `${HEAD}[[plugins]]\nname = "resource"\n`,
      /plugins\[0\].storage_backend_type: is required; it must be one of kvstorage/,
    ],
    ['an unknown plugin', `${HEAD}[[plugins]]\nname = "secrets"\n`, /plugins\[0\].name: must be one of sample, Sample, resource/],
    [
      'Vault without a token',
      `${HEAD}[[plugins]]\nname = "resource"\nstorage_backend_type = "vault"\nvault_url = "https://v"\n`,
      /plugins\[0\].token: is required/,
    ],
    [
      'an external https backend without a CA',
      `${HEAD}[[plugins]]\nname = "external"\nbackends = [{ name = "a", endpoint = "https://a" }]\n`,
      /plugins\[0\].backends\[0\].ca_cert_path: an https:\/\/ endpoint needs ca_cert_path/,
    ],
    [
      'duplicate external backends',
      `${HEAD}[[plugins]]\nname = "external"\nbackends = [{ name = "a", endpoint = "http://a" }, { name = "a", endpoint = "http://b" }]\n`,
      /plugins\[0\].backends: names the backend "a" twice/,
    ],
    [
      'an attestation service without type',
      `${HEAD}[attestation_service]\ntimeout = 5\n`,
      /attestation_service.type: is required; it must be "coco_as_builtin"/,
    ],
    [
      'a lower-case RVPS type',
      `${HEAD}[attestation_service]\ntype = "coco_as_builtin"\n[attestation_service.rvps_config]\ntype = "builtin"\n`,
      /rvps_config.type: must be "BuiltIn" or "GrpcRemote"/,
    ],
    [
      'a bool written as a string',
      `${HEAD.replace('insecure_http = true', 'insecure_http = "yes"')}`,
      /http_server.insecure_http: .*Expected boolean/,
    ],
  ];

  test.each(REFUSED)('parseKbsConfig refuses %s, naming the key and the fix', (_name, text, message) => {
    expect(() => parseKbsConfig(text)).toThrow(message);
  });

  test('every problem of a file is reported at once', () => {
    const text =
      '[http_server]\nsockets = ["localhost"]\ntls_min_version = "1.3"\ntls_max_version = "1.2"\n' +
      '[admin]\ntype = "DenyAll"\n[attestation_token]\ninsecure_key = true\n[as_config]\n';
    const problems = kbsConfigProblems(parseToml(text));
    expect(problems.map((p) => p.key)).toEqual(
      expect.arrayContaining(['admin.type', 'attestation_token.insecure_key', 'as_config', 'http_server.sockets[0]']),
    );
    expect(() => parseKbsConfig(text)).toThrow(/kbs-config.toml: has \d+ problems:\n  - /);
  });

  test('the development configuration in the upstream form is valid, and its findings are reported', () => {
    const dev = parseKbsConfig(
      [
        '[http_server]',
        'sockets = ["0.0.0.0:8080"]',
        'insecure_http = true',
        '[admin]',
        'authorization_mode = "InsecureAllowAll"',
        '[attestation_token]',
        'insecure_header_jwk = true',
        '[storage_backend]',
        'storage_type = "local_fs"',
        '[storage_backend.backends.local_fs]',
        'dir_path = "/opt/confidential-containers/storage"',
        '[attestation_service]',
        'type = "CoCoASBuiltIn"',
        '[attestation_service.attestation_token_broker]',
        'duration_min = 5',
        '[attestation_service.rvps_config]',
        'type = "BuiltIn"',
        '[[plugins]]',
        'name = "resource"',
        'storage_backend_type = "kvstorage"',
      ].join('\n'),
    );
    expect(kbsConfigFindings(dev).map((f) => f.key)).toEqual([
      'http_server.insecure_http',
      'admin.authorization_mode',
      'attestation_token.insecure_header_jwk',
      'attestation_token.trusted_certs_paths',
      'attestation_service.attestation_token_broker.signer',
    ]);
  });

  test('renderKbsConfig refuses Terraform tokens and invalid objects', () => {
    expect(() => renderKbsConfig({ ...secure, http_server: { ...secure.http_server, certificate: '${TfToken[TOKEN.1]}' } })).toThrow(
      /kbsConfig.http_server.certificate: is an unresolved Terraform token/,
    );
    expect(() => renderKbsConfig({ ...secure, extra: 1 } as unknown as KbsConfig)).toThrow(
      /kbsConfig: has keys Trustee v0.21.0 does not read: extra/,
    );
  });
});

describe('LocalFs layout', () => {
  test('writes every "/" of a key as the literal four characters \\x2F', () => {
    expect(kbsLocalFsLayout.resource(ResourcePath.parse('default/key/k1'))).toEqual({
      namespace: 'repository',
      fileName: 'default\\x2Fkey\\x2Fk1',
      relativePath: 'repository/default\\x2Fkey\\x2Fk1',
    });
    expect(kbsLocalFsLayout.resource(ResourcePath.parse('default/key/k1')).fileName).toHaveLength('default/key/k1'.length + 6);
  });

  test('places the policies and reference values where Trustee v0.21.0 reads them', () => {
    expect(kbsLocalFsLayout.resourcePolicy().relativePath).toBe('kbs/resource-policy.rego');
    expect(kbsLocalFsLayout.attestationPolicy().relativePath).toBe('attestation_service_policy/default_cpu.rego');
    expect(kbsLocalFsLayout.referenceValue('initdata.pcr08').relativePath).toBe('reference_value/initdata.pcr08');
  });

  test('fails for keys Trustee refuses', () => {
    expect(() => localFsFileName('a b')).toThrow(/key: must contain only letters/);
  });
});
