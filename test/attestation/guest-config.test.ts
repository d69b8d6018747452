import { parse as parseToml } from 'smol-toml';
import { ResourcePath, renderAaToml, renderCdhToml } from '../../src/attestation';
import { EXAMPLE_CA_PEM } from './fixtures/values';

const kbs = { url: 'https://10.224.0.250:8080', caCertPem: EXAMPLE_CA_PEM };

describe('aa.toml', () => {
  test('points the attestation agent at the KBS with its CA certificate', () => {
    const doc = parseToml(renderAaToml(kbs)) as { token_configs: { kbs: { url: string; cert: string } } };
    expect(doc).toEqual({ token_configs: { kbs: { url: kbs.url, cert: `${EXAMPLE_CA_PEM}\n` } } });
  });

  test('fails when the URL is plain http without the development opt-in', () => {
    expect(() => renderAaToml({ url: 'http://10.0.0.1:8080', caCertPem: EXAMPLE_CA_PEM })).toThrow(/kbs.url: must use https.*plainHttpInsecure/);
  });

  test('the earlier spelling insecureHttpForDevelopment is the same setting', () => {
    expect(renderAaToml({ url: 'http://10.0.0.1:8080', insecureHttpForDevelopment: true })).toBe(
      renderAaToml({ url: 'http://10.0.0.1:8080', plainHttpInsecure: true }),
    );
  });

  test('allows plain http only with plainHttpInsecure, and then writes no cert', () => {
    const doc = parseToml(renderAaToml({ url: 'http://10.0.0.1:8080', plainHttpInsecure: true })) as Record<
      string,
      Record<string, Record<string, string>>
    >;
    expect(doc.token_configs.kbs).toEqual({ url: 'http://10.0.0.1:8080' });
  });

  test.each([
    ['a path', 'https://kbs.example.com/kbs'],
    ['a trailing slash', 'https://kbs.example.com/'],
    ['not a URL', 'kbs.example.com:8080'],
  ])('fails when the URL has %s', (_n, url) => {
    expect(() => renderAaToml({ url, caCertPem: EXAMPLE_CA_PEM })).toThrow(/kbs.url: /);
  });

  test('fails when the CA certificate is missing or not PEM', () => {
    expect(() => renderAaToml({ url: kbs.url })).toThrow(/kbs.caCertPem: is required/);
    expect(() => renderAaToml({ url: kbs.url, caCertPem: 'not a cert' })).toThrow(/kbs.caCertPem: must be one PEM certificate/);
  });
});

describe('cdh.toml', () => {
  test('configures the cc_kbc client with the KBS URL and certificate', () => {
    const doc = parseToml(renderCdhToml({ kbs })) as Record<string, unknown>;
    expect(doc).toEqual({
      socket: 'unix:///run/confidential-containers/cdh.sock',
      kbc: { name: 'cc_kbc', url: kbs.url, kbs_cert: `${EXAMPLE_CA_PEM}\n` },
    });
  });

  test('writes image security settings as kbs:/// URIs', () => {
    const doc = parseToml(
      renderCdhToml({
        kbs,
        image: {
          imageSecurityPolicy: ResourcePath.parse('kbs:///default/security-policy/model'),
          sigstoreConfig: ResourcePath.parse('default/sigstore-config/model'),
          registryCredentials: ResourcePath.parse('default/credential/acr'),
        },
      }),
    ) as { image: Record<string, string> };
    expect(doc.image).toEqual({
      image_security_policy_uri: 'kbs:///default/security-policy/model',
      sigstore_config_uri: 'kbs:///default/sigstore-config/model',
      authenticated_registry_credentials_uri: 'kbs:///default/credential/acr',
    });
  });

  test('a hostile URL cannot add a key to the document', () => {
    const hostile = { url: 'https://a.example.com:8080', caCertPem: EXAMPLE_CA_PEM };
    const text = renderCdhToml({ kbs: hostile });
    expect(Object.keys(parseToml(text))).toEqual(['socket', 'kbc']);
  });
});

describe('ResourcePath', () => {
  test('parses kbs:/// URIs and bare paths', () => {
    const path = ResourcePath.parse('kbs:///enkrypt/key-manager/private-key');
    expect(path.segments).toEqual(['enkrypt', 'key-manager', 'private-key']);
    expect(path.uri).toBe('kbs:///enkrypt/key-manager/private-key');
    expect(path.cdhUrl).toBe('http://127.0.0.1:8006/cdh/resource/enkrypt/key-manager/private-key');
    expect(path.adminApiPath).toBe('/kbs/v0/resource/enkrypt/key-manager/private-key');
    expect(ResourcePath.parse('a/b/c.d').equals(new ResourcePath('a', 'b', 'c.d'))).toBe(true);
  });

  test.each([
    ['two segments', 'kbs:///a/b', /exactly three segments/],
    ['four segments', 'a/b/c/d', /exactly three segments/],
    ['an empty segment', 'a//c', /resourcePath.type: must match/],
    ['a leading dot', 'a/.b/c', /resourcePath.type: must match/],
    ['a space', 'a/b/c d', /resourcePath.tag: must match/],
    ['a quote', 'a/b/c"', /resourcePath.tag: must match/],
  ])('fails with %s', (_n, text, message) => {
    expect(() => ResourcePath.parse(text)).toThrow(message);
  });
});
