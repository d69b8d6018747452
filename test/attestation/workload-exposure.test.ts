import { ExposureContainer, ExposureInput, describeExposure, listenEvidence, workloadExposure } from '../../src/attestation/workload-exposure';

const proxy: ExposureContainer = {
  name: 'tls-server',
  field: 'containers.tls-server',
  init: false,
  rendered: true,
  ports: [8443, 8444],
  args: ['/usr/bin/ghostunnel', 'server', '--listen', '0.0.0.0:8443', '--status', 'https://0.0.0.0:8444'],
  env: [],
};
const app = (over: Partial<ExposureContainer> = {}): ExposureContainer => ({
  name: 'app',
  field: 'containers.app',
  init: false,
  rendered: false,
  ports: [],
  args: ['/app/server', '--listen', '127.0.0.1:8080'],
  env: ['PATH=/usr/bin'],
  ...over,
});
const tlsInput = (over: Partial<ExposureInput> = {}): ExposureInput => ({
  tls: true,
  listeners: [
    { container: 'tls-server', port: 8443, external: true, tls: true, purpose: 'TLS to the application on 127.0.0.1:8080' },
    { container: 'tls-server', port: 8444, external: true, tls: true, purpose: 'proxy status' },
    { container: 'tls-to-km', port: 9443, external: false, tls: false, purpose: 'client proxy' },
  ],
  containers: [app(), proxy],
  probes: [{ container: 'app', field: 'containers.app.readinessProbe', port: 8444, scheme: 'HTTPS' }],
  service: { targetPorts: [8443], field: 'service' },
  ingressFilter: false,
  ...over,
});

describe('what a TLS workload exposes', () => {
  test('GIVEN an application on loopback behind its proxy THEN only the TLS listeners are reachable, and nothing is warned', () => {
    const exposure = workloadExposure(tlsInput());
    expect(exposure.ports.map((p) => [p.port, p.protocol, p.container])).toEqual([
      [8443, 'tls', 'tls-server'],
      [8444, 'tls', 'tls-server'],
    ]);
    expect(exposure.applications).toEqual([{ container: 'app', listens: 'loopback' }]);
    expect(exposure.warnings).toEqual([]);
    expect(describeExposure(exposure)).toBe(
      '8443/tcp TLS (tls-server: TLS to the application on 127.0.0.1:8080)<br>8444/tcp TLS (tls-server: proxy status)' +
        '<br>no ingress filter<br>app names 127.0.0.1 in its args or env, no wildcard address',
    );
  });

  test.each<[string, Partial<ExposureInput>, RegExp]>([
    [
      'a declared plaintext port',
      { containers: [app({ ports: [8080] }), proxy] },
      /containers\.app\.ports\[0\]: 8080 is not a TLS port of this workload \(its TLS listeners: 8443, 8444\)/,
    ],
    [
      'a proxy port that is not its listener',
      { containers: [app(), { ...proxy, ports: [8443, 8444, 9000] }] },
      /containers\.tls-server\.ports\[2\]: 9000 is not a TLS port/,
    ],
    [
      'a probe of the plaintext port',
      { probes: [{ container: 'app', field: 'containers.app.livenessProbe', port: 8080, scheme: 'TCP' }] },
      /containers\.app\.livenessProbe: probes port 8080, which is not a TLS listener .* Use Probe\.throughTlsProxy\(\)/,
    ],
    [
      'a probe of a loopback-only client proxy',
      { probes: [{ container: 'app', field: 'containers.app.startupProbe', port: 9443, scheme: 'TCP' }] },
      /containers\.app\.startupProbe: probes port 9443/,
    ],
    [
      'a plain HTTP GET of a TLS port',
      { probes: [{ container: 'app', field: 'containers.app.readinessProbe', port: 8443, scheme: 'HTTP' }] },
      /containers\.app\.readinessProbe: is a plain HTTP GET on the TLS port 8443/,
    ],
    [
      'a Service on the plaintext port',
      { service: { targetPorts: [8080], field: 'service' } },
      /service: targets port 8080, which is not a TLS listener/,
    ],
    [
      'a wildcard bind in the args',
      { containers: [app({ args: ['python3', '-m', 'model_server', '--host', '0.0.0.0'] }), proxy] },
      /containers\.app: listens on every interface \("0\.0\.0\.0" in its args\).* Bind 127\.0\.0\.1/,
    ],
    [
      'a wildcard bind in the env',
      { containers: [app({ args: ['/app'], env: ['PATH=/usr/bin', 'LISTEN_ADDR=:8080'] }), proxy] },
      /containers\.app: listens on every interface \("LISTEN_ADDR=:8080" in its env\)/,
    ],
    [
      'a wildcard bind in an init container',
      { containers: [app(), proxy, app({ name: 'fetch', field: 'initContainers.fetch', init: true, args: ['/fetch', '--serve', '[::]:9000'] })] },
      /initContainers\.fetch: listens on every interface/,
    ],
  ])('fails on %s', (_what, over, message) => {
    expect(() => workloadExposure(tlsInput(over))).toThrow(message);
  });

  test('GIVEN an application whose bind synth cannot see THEN it warns, and says the filter covers it when there is one', () => {
    const unseen = app({ args: ['/app/server'] });
    const bare = workloadExposure(tlsInput({ containers: [unseen, proxy] }));
    expect(bare.applications).toEqual([{ container: 'app', listens: 'not visible' }]);
    expect(bare.warnings).toEqual([
      expect.stringMatching(/^container "app": synth cannot see where it listens .* reachable from outside the pod VM$/),
    ]);
    const filtered = workloadExposure(tlsInput({ containers: [unseen, proxy], ingressFilter: true }));
    expect(filtered.filtered).toBe(true);
    expect(filtered.warnings).toEqual([expect.stringMatching(/if the ingress filter does not run$/)]);
    expect(describeExposure(filtered)).toContain('ingress filter admits only these<br>app listens on an address synth cannot see');
  });

  test('library containers (proxies, the key fetcher, the filter) and init containers are not warned about', () => {
    const keys = { ...proxy, name: 'tls-keys', init: true, ports: [], args: ['/bin/sh', '-c', 'wget ...'] };
    expect(workloadExposure(tlsInput({ containers: [app(), proxy, keys] })).warnings).toEqual([]);
  });
});

describe('what a workload without TLS exposes (development only)', () => {
  test('every declared port and the Service target, in clear text; nothing is refused', () => {
    const exposure = workloadExposure({
      tls: false,
      listeners: [],
      containers: [app({ ports: [8080], args: ['/app', '--host', '0.0.0.0'] })],
      probes: [{ container: 'app', field: 'p', port: 8080, scheme: 'TCP' }],
      service: { targetPorts: [8081], field: 'service' },
      ingressFilter: false,
    });
    expect(exposure.ports.map((p) => [p.port, p.protocol])).toEqual([
      [8080, 'plain'],
      [8081, 'plain'],
    ]);
    expect(describeExposure(exposure)).toContain('8080/tcp **clear text**');
  });
});

describe('listen addresses synth can see', () => {
  test.each([
    ['0.0.0.0'],
    ['--host=0.0.0.0'],
    ['0.0.0.0:8080'],
    ['http://0.0.0.0:8000'],
    ['[::]:8080'],
    ['[::]'],
    ['::'],
    ['*:8080'],
    [':8080'],
    ['--addr=:8080'],
  ])('%s binds every interface', (arg) => {
    expect(listenEvidence({ args: [arg], env: [] }).wildcard).toBe(arg);
  });

  test.each([['127.0.0.1'], ['127.0.0.1:8080'], ['--host=localhost'], ['[::1]:8080'], ['::1'], ['http://127.0.0.1:9443']])(
    '%s is loopback',
    (arg) => {
      expect(listenEvidence({ args: [], env: [`ADDR=${arg}`] })).toEqual({ loopback: `ADDR=${arg}` });
    },
  );

  test.each([['10.0.0.1:8080'], ['10.0.0.0'], ['--workers=4'], ['a:b'], ['/models/0.0.0.0.bin.txt'], ['localhostname'], ['1270.0.0.1']])(
    '%s is neither',
    (arg) => {
      expect(listenEvidence({ args: [arg], env: [] })).toEqual({});
    },
  );
});
