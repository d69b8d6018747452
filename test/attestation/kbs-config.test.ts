import { parse as parseToml } from 'smol-toml';
import { KbsConfig, kbsConfigFindings, kbsLocalFsLayout, localFsFileName, parseKbsConfig, renderKbsConfig, ResourcePath, secureKbsConfig } from '../../src/attestation';

const secure = secureKbsConfig({
  tls: { privateKeyPath: '/etc/kbs/https/tls.key', certificatePath: '/etc/kbs/https/tls.crt' },
  adminPublicKeyPath: '/etc/kbs/admin/public.pem',
  tokenSigner: { keyPath: '/etc/kbs/signer/tls.key', certChainPath: '/etc/kbs/signer/tls.crt' },
  trustedCertsPaths: ['/etc/kbs/signer/ca.crt'],
});

describe('kbs-config.toml', () => {
  test('the secure default renders TOML that parses back to the same configuration', () => {
    const text = renderKbsConfig(secure);
    expect(parseToml(text)).toEqual(secure);
    expect(parseKbsConfig(text)).toEqual(secure);
  });

  test('the secure default is HTTPS, authenticated admin, signed tokens and persistent storage', () => {
    const doc = parseToml(renderKbsConfig(secure)) as Record<string, Record<string, unknown>>;
    expect(doc.http_server).toMatchObject({ insecure_http: false, private_key: '/etc/kbs/https/tls.key', certificate: '/etc/kbs/https/tls.crt', sockets: ['0.0.0.0:8080'] });
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

  test('reports every insecure setting', () => {
    const insecure: KbsConfig = {
      http_server: { sockets: ['0.0.0.0:8080'], insecure_http: true },
      admin: { authorization_mode: 'InsecureAllowAll' },
      attestation_token: { insecure_header_jwk: true },
      attestation_service: { type: 'coco_as_builtin' },
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

  test.each([
    ['[admin] type', '[http_server]\n[admin]\ntype = "DenyAll"\n', /admin.type: is not read by Trustee v0.21.0; use \[admin\] authorization_mode/],
    ['auth_public_key', '[http_server]\n[admin]\nauth_public_key = "/a.pub"\n', /admin.auth_public_key: .*identity_providers/],
    ['insecure_api', '[http_server]\n[admin]\ninsecure_api = true\n', /admin.insecure_api: is not read/],
    ['[policy_engine]', '[http_server]\n[admin]\nauthorization_mode = "DenyAll"\n[policy_engine]\npolicy_path = "/p.rego"\n', /policy_engine: .*resource-policy/],
    ['work_dir', 'work_dir = "/opt"\n[http_server]\n[admin]\nauthorization_mode = "DenyAll"\n', /work_dir: .*local_fs/],
    ['insecure_key', '[http_server]\n[admin]\nauthorization_mode = "DenyAll"\n[attestation_token]\ninsecure_key = true\n', /insecure_key: .*insecure_header_jwk/],
    ['legacy resource plugin keys', '[http_server]\n[admin]\nauthorization_mode = "DenyAll"\n[[plugins]]\nname = "resource"\ntype = "LocalFs"\ndir_path = "/x"\n', /legacy resource plugin keys/],
  ])('parseKbsConfig refuses the dead key %s with its replacement', (_n, text, message) => {
    expect(() => parseKbsConfig(text)).toThrow(message);
  });

  test.each([
    ['an unknown key (a typo Trustee would ignore)', '[http_server]\ninsecure_htp = true\n[admin]\nauthorization_mode = "DenyAll"\n', /http_server: has keys Trustee v0.21.0 does not read: insecure_htp/],
    ['an unknown admin mode', '[http_server]\n[admin]\nauthorization_mode = "AllowAll"\n', /admin.authorization_mode/],
    ['no identity provider', '[http_server]\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\nidentity_providers = []\n[admin.authorization.regex_acl]\nacls = []\n', /identity_providers/],
    ['an unanchored ACL', '[http_server]\n[admin]\nauthorization_mode = "AuthenticatedAuthorization"\n[admin.authentication.bearer_jwt]\nidentity_providers = [{ public_key_uri = "/a" }]\n[admin.authorization.regex_acl]\nacls = [{ role = "admin", allowed_endpoints = ".*" }]\n', /must start with "\^\/kbs" and end with "\$"/],
    ['a bad socket', '[http_server]\nsockets = ["localhost"]\n[admin]\nauthorization_mode = "DenyAll"\n', /http_server.sockets.0: must be "ip:port"/],
    ['no [admin]', '[http_server]\n', /admin/],
    ['an unknown storage type', '[http_server]\n[admin]\nauthorization_mode = "DenyAll"\n[storage_backend]\nstorage_type = "S3"\n', /storage_backend.storage_type/],
  ])('parseKbsConfig fails with %s', (_n, text, message) => {
    expect(() => parseKbsConfig(text)).toThrow(message);
  });

  test('accepts a development configuration in the upstream form (format valid, findings reported)', () => {
    const dev = parseKbsConfig(
      [
        '[http_server]',
        'sockets = ["0.0.0.0:8080"]',
        'insecure_http = true',
        '[admin]',
        'authorization_mode = "InsecureAllowAll"',
        '[attestation_token]',
        '[storage_backend]',
        'storage_type = "LocalFs"',
        '[storage_backend.backends.local_fs]',
        'dir_path = "/opt/confidential-containers/storage"',
        '[attestation_service]',
        'type = "coco_as_builtin"',
        '[attestation_service.attestation_token_broker]',
        'duration_min = 5',
        '[attestation_service.rvps_config]',
        'type = "BuiltIn"',
        '[[plugins]]',
        'name = "resource"',
        'storage_backend_type = "kvstorage"',
      ].join('\n'),
    );
    expect(kbsConfigFindings(dev).map((f) => f.key)).toContain('admin.authorization_mode');
  });

  test('renderKbsConfig refuses Terraform tokens and invalid objects', () => {
    expect(() => renderKbsConfig({ ...secure, http_server: { ...secure.http_server, certificate: '${TfToken[TOKEN.1]}' } })).toThrow(/kbsConfig.http_server.certificate: is an unresolved Terraform token/);
    expect(() => renderKbsConfig({ ...secure, extra: 1 } as unknown as KbsConfig)).toThrow(/kbsConfig: has keys Trustee v0.21.0 does not read: extra/);
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
