import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import { ConfidentialInference, ConfidentialWorkload, ConfidentialWorkloadProps, KeyManager, ModelSource, WorkloadTls } from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack } from '../helpers/synth';
import { PROXY_IMAGE, WORKLOAD_TLS, clusterParts, tlsOf } from './fixtures';

const OTHER_CA = WorkloadTls.fromDirectory(join(__dirname, '..', 'fixtures', 'workload-tls', 'other-ca'), { proxyImage: PROXY_IMAGE });

type Parts = ReturnType<typeof clusterParts>;

function server(parts: Parts, name: string, tls: Partial<NonNullable<ConfidentialWorkloadProps['tls']>> = {}, id = name): ConfidentialWorkload {
  return new ConfidentialWorkload(parts.trustee.node.scope!, id, {
    runtime: parts.runtime,
    kbs: parts.trustee,
    name,
    containers: [{ name: 'app', image: pinned(name), command: ['/app/server', '--listen', '127.0.0.1:8080'], runAsUser: 1000 }],
    service: { port: 8080 },
    tls: { identity: WORKLOAD_TLS.identity(name), ...tls },
  });
}

/** A workload named "plain" with no TLS and no Service. */
function plain(parts: Parts): ConfidentialWorkload {
  return new ConfidentialWorkload(parts.trustee.node.scope!, 'plain', {
    runtime: parts.runtime,
    kbs: parts.trustee,
    name: 'plain',
    containers: [{ name: 'app', image: pinned('plain'), command: ['/p'], runAsUser: 1000 }],
  });
}

/** A workload named "caller" with no Service, calling upstreams with `tls`. */
function caller(parts: Parts, tls: ConfidentialWorkloadProps['tls']): ConfidentialWorkload {
  return new ConfidentialWorkload(parts.trustee.node.scope!, 'caller', {
    runtime: parts.runtime,
    kbs: parts.trustee,
    name: 'caller',
    containers: [{ name: 'app', image: pinned('caller'), command: ['/c'], runAsUser: 1000 }],
    tls,
  });
}

describe('WorkloadTls', () => {
  test('reads the CA and each identity, whose key is a KBS resource of that workload', () => {
    const id = WORKLOAD_TLS.identity('key-manager');
    expect(id.dnsNames).toEqual(['key-manager.confidential-ai.svc.cluster.local']);
    expect(id.keyResource.uri).toBe('kbs:///workload-tls/key-manager/tls-key');
    expect(id.certPem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
  });

  test.each<[() => unknown, RegExp]>([
    [() => WORKLOAD_TLS.identity('nobody'), /identity\(nobody\): .*nobody.crt .* cannot be read; create it with cai-create-workload-certs/],
    [() => WORKLOAD_TLS.identity('inference', OTHER_CA.identity('key-manager').certPem), /identity\(inference\): is not issued by the workload CA/],
    [
      () => WORKLOAD_TLS.identity('inference', WORKLOAD_TLS.identity('app').certPem),
      /identity\(inference\): is issued to CN=app, not CN=inference: clients check the CN/,
    ],
    [() => new WorkloadTls({ caCertPem: WORKLOAD_TLS.identity('app').certPem, proxyImage: PROXY_IMAGE }), /caCertPem: is not a CA certificate/],
    [() => new WorkloadTls({ caCertPem: 'nope', proxyImage: PROXY_IMAGE }), /caCertPem: must be one PEM certificate/],
    [
      () => new WorkloadTls({ caCertPem: WORKLOAD_TLS.caCertPem, proxyImage: 'ghostunnel/ghostunnel:latest' }),
      /proxyImage: must be a fully qualified image pinned by digest/,
    ],
  ])('refuses %#', (build, message) => {
    expect(build).toThrow(message);
  });
});

describe('ConfidentialWorkload TLS wiring', () => {
  test('a Service without TLS is refused unless plain HTTP is asked for, loudly', () => {
    const parts = clusterParts(emptyStack());
    const plain = {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'app',
      containers: [{ name: 'app', image: pinned('app'), command: ['/a'], runAsUser: 1000, ports: [8080] }],
      service: { port: 8080 },
    };
    expect(() => new ConfidentialWorkload(parts.trustee.node.scope!, 'w', plain)).toThrow(
      /ConfidentialWorkload test\/w: tls: is required with a Service: without it, traffic to the workload crosses the cluster network in clear text/,
    );
    const dev = new ConfidentialWorkload(parts.trustee.node.scope!, 'dev', { ...plain, name: 'dev', plainHttpInsecure: true });
    expect(dev.serviceUrl).toBe('http://dev.confidential-ai.svc.cluster.local:8080');
    expect(dev.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringMatching(/^plainHttpInsecure: the Service serves plain HTTP on the cluster network/),
    );
    expect(
      () =>
        new KeyManager(parts.trustee.node.scope!, 'km', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          image: pinned('km'),
          command: ['/k'],
          runAsUser: 1000,
        }),
    ).toThrow(
      /ConfidentialWorkload test\/km\/Workload: tls: is required with a Service: .* Pass tls: \{ identity: workloadTls.identity\('key-manager'\) \}/,
    );
  });

  test(
    'GIVEN a key manager that admits the workload CA WHEN an inference without ' +
      'a TLS identity calls it THEN synth fails naming the missing client key',
    () => {
      const parts = clusterParts(emptyStack());
      const km = new KeyManager(parts.trustee.node.scope!, 'km', {
        runtime: parts.runtime,
        kbs: parts.trustee,
        image: pinned('km'),
        command: ['/k'],
        runAsUser: 1000,
        ...tlsOf('key-manager'),
      });
      expect(
        () =>
          new ConfidentialInference(parts.trustee.node.scope!, 'inf', {
            runtime: parts.runtime,
            kbs: parts.trustee,
            image: pinned('vllm'),
            command: ['/s'],
            runAsUser: 1000,
            model: ModelSource.encryptedImage({ decryptionKey: 'kbs:///m/k/v' }),
            keyManager: km,
            plainHttpInsecure: true,
          }),
      ).toThrow(
        'ConfidentialInference test/inf: tls: the key manager confidential-ai/key-manager ' +
          'serves TLS and admits client certificates only; give this workload tls: { identity }',
      );
    },
  );

  test('synth fails when a caller and its upstream have different workload CAs', () => {
    const parts = clusterParts(emptyStack());
    expect(() =>
      caller(parts, { identity: OTHER_CA.identity('key-manager'), upstreams: [{ workload: server(parts, 'key-manager'), localPort: 9443 }] }),
    ).toThrow(/tls\.identity: is the identity of "key-manager", not of this workload "caller"/);
    const other = clusterParts(emptyStack());
    const otherCaKm = server(other, 'key-manager', { identity: OTHER_CA.identity('key-manager') });
    expect(() =>
      caller(clusterParts(emptyStack()), { identity: WORKLOAD_TLS.identity('caller'), upstreams: [{ workload: otherCaKm, localPort: 9443 }] }),
    ).toThrow(
      /tls\.upstreams\[0\]: confidential-ai\/key-manager uses another workload CA than this workload: its proxy would refuse this one's certificate/,
    );
  });

  test.each<[string, (parts: Parts) => ConfidentialWorkloadProps['tls'], RegExp]>([
    [
      'an upstream that admits other workloads only',
      (parts) => ({
        identity: WORKLOAD_TLS.identity('caller'),
        upstreams: [{ workload: server(parts, 'key-manager', { clients: ['inference'] }), localPort: 9443 }],
      }),
      /tls\.upstreams\[0\]: confidential-ai\/key-manager admits only inference; add "caller" to its tls.clients/,
    ],
    [
      'an upstream without TLS',
      (parts) => ({ identity: WORKLOAD_TLS.identity('caller'), upstreams: [{ workload: plain(parts), localPort: 9443 }] }),
      /tls\.upstreams\[0\]: confidential-ai\/plain serves no TLS/,
    ],
    [
      'two upstreams on one local port',
      (parts) => ({
        identity: WORKLOAD_TLS.identity('caller'),
        upstreams: [
          { workload: server(parts, 'key-manager'), localPort: 9443 },
          { workload: server(parts, 'inference'), localPort: 9443 },
        ],
      }),
      /tls\.upstreams\[1\]: local port 9443 is already used in this pod/,
    ],
  ])('synth fails on %s', (_what, tls, message) => {
    const parts = clusterParts(emptyStack());
    expect(() => caller(parts, tls(parts))).toThrow(message);
  });

  test.each<[Partial<ConfidentialWorkloadProps>, RegExp]>([
    [
      { namespace: 'team-a' },
      new RegExp(
        'tls\\.identity: the certificate of "app" does not name app\\.team-a\\.svc\\.cluster\\.local ' +
          '\\(it names app\\.confidential-ai\\.svc\\.cluster\\.local\\), so clients would refuse it; ' +
          'issue it with cai-create-workload-certs <dir> app=app\\.team-a\\.svc\\.cluster\\.local',
      ),
    ],
    [{ tls: { identity: WORKLOAD_TLS.identity('app'), port: 8080 } }, /tls\.port: 8080 is also the application's port/],
    [{ tls: { identity: WORKLOAD_TLS.identity('app'), clients: [] } }, /tls\.clients: must name at least one workload; use "any" for none/],
  ])('a TLS server fails on %p', (override, message) => {
    const parts = clusterParts(emptyStack());
    expect(
      () =>
        new ConfidentialWorkload(parts.trustee.node.scope!, 'app', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          name: 'app',
          containers: [{ name: 'app', image: pinned('app'), command: ['/a'], runAsUser: 1000, ports: [8080] }],
          service: { port: 8080 },
          tls: { identity: WORKLOAD_TLS.identity('app') },
          ...override,
        }),
    ).toThrow(message);
  });

  test('synth fails when another workload lists a TLS key that is not its own', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const parts = clusterParts(stack);
    server(parts, 'key-manager');
    new ConfidentialWorkload(stack, 'thief', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'thief',
      containers: [{ name: 'app', image: pinned('thief'), command: ['/t'], runAsUser: 1000 }],
      resources: [WORKLOAD_TLS.identity('key-manager').keyResource],
    });
    expect(() => Testing.synth(stack, true)).toThrow(
      's/thief (confidential-ai/thief) needs kbs:///workload-tls/key-manager/tls-key, ' +
        'which is reserved for s/key-manager (confidential-ai/key-manager)',
    );
  });

  test("clients 'any' and a list render ghostunnel's access flags", () => {
    const parts = clusterParts(emptyStack());
    const open = server(parts, 'app', { clients: 'any' });
    const listed = server(parts, 'key-manager', { clients: ['inference', 'caller'] });
    const args = (w: ConfidentialWorkload) => w.agentPolicy.data.containers.find((c) => c.name === 'tls-server')!.args;
    expect(args(open).slice(-3)).toEqual(['--disable-authentication', '--status', 'https://0.0.0.0:8444']);
    expect(args(listed).slice(-6)).toEqual(['--allow-cn', 'inference', '--allow-cn', 'caller', '--status', 'https://0.0.0.0:8444']);
  });
});
