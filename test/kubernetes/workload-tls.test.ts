import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktf';
import {
  AgentPolicy,
  ConfidentialInference,
  ConfidentialWorkload,
  ConfidentialWorkloadProps,
  KeyManager,
  WorkloadTlsSettings,
  ModelSource,
  Probe,
  WorkloadTls,
} from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack } from '../helpers/synth';
import { PROXY_IMAGE, WORKLOAD_TLS, clusterParts, keyManagerBase, tlsOf } from './fixtures';

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
function caller(parts: Parts, tls: WorkloadTlsSettings): ConfidentialWorkload {
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
    // @ts-expect-error a Service without tls or plainHttpInsecure: the types refuse it too (WorkloadTransport)
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
        // @ts-expect-error a server without tls or plainHttpInsecure: the types refuse it too (ServerTransport)
        new KeyManager(parts.trustee.node.scope!, 'km', keyManagerBase(parts)),
    ).toThrow(/^KeyManager test\/km: tls: is required with a Service: .* Pass tls: \{ identity: workloadTls.identity\('key-manager'\) \}/);
  });

  test(
    'GIVEN a key manager that admits the workload CA WHEN an inference without ' +
      'a TLS identity calls it THEN synth fails naming the missing client key',
    () => {
      const parts = clusterParts(emptyStack());
      const km = new KeyManager(parts.trustee.node.scope!, 'km', { ...keyManagerBase(parts), ...tlsOf('key-manager') });
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

  test.each<[string, (parts: Parts) => WorkloadTlsSettings, RegExp]>([
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
    [{ plainHttpInsecure: true }, /plainHttpInsecure: contradicts tls \(its Service serves TLS only\); remove plainHttpInsecure/],
    // The TLS settings put init containers of their own first: the user's are still named by their place in the props.
    [
      { initContainers: [{ name: 'init', image: pinned('init'), runAsUser: 1000 } as never] },
      /ConfidentialWorkload test\/app: initContainers\[0\]\.command: is required/,
    ],
    [
      { initContainers: [{ name: 'init', image: pinned('init'), command: ['/i', '$(HOME)'], runAsUser: 1000 }] },
      /ConfidentialWorkload test\/app: initContainers\[0\]\.command\[1\]: contains "\$\("/,
    ],
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
        } as ConfidentialWorkloadProps),
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

describe('no side door into a TLS workload', () => {
  const FILTER_IMAGE = pinned('distroless-iptables');
  const withFilter = WorkloadTls.fromDirectory(join(__dirname, '..', 'fixtures', 'workload-tls', 'main'), {
    proxyImage: PROXY_IMAGE,
    ingressFilterImage: FILTER_IMAGE,
  });
  type Tf = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- synthesized JSON
  const deployment = (stack: TerraformStack, id: string): Tf => {
    const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, Tf>> };
    return Object.entries(json.resource.kubernetes_deployment_v1).find(([k]) => k.startsWith(id))![1];
  };

  test('GIVEN an ingress filter image WHEN a TLS server is rendered THEN the filter is its first init container, root with NET_ADMIN alone', () => {
    const parts = clusterParts(emptyStack());
    const scope = parts.trustee.node.scope!;
    new KeyManager(scope, 'km', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('km'),
      command: ['/k'],
      runAsUser: 1000,
      tls: { identity: withFilter.identity('key-manager'), clients: ['inference'] },
    });
    const spec = deployment(TerraformStack.of(scope), 'km_').spec.template.spec;
    expect(spec.init_container.map((c: Tf) => c.name)).toEqual(['ingress-filter', 'tls-keys']);
    expect(spec.init_container[0]).toMatchObject({
      image: FILTER_IMAGE,
      volume_mount: [],
      security_context: { run_as_user: '0', run_as_non_root: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
    });
    expect(spec.init_container[1].security_context).toMatchObject({ run_as_non_root: true, capabilities: { drop: ['ALL'] } });
    const ns = JSON.parse(Testing.synth(TerraformStack.of(scope))).resource.kubernetes_namespace_v1;
    expect(Object.values(ns as Record<string, Tf>)[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('without a filter the namespace keeps enforcing restricted', () => {
    const parts = clusterParts(emptyStack());
    server(parts, 'key-manager');
    const ns = JSON.parse(Testing.synth(TerraformStack.of(parts.trustee))).resource.kubernetes_namespace_v1;
    expect(Object.values(ns as Record<string, Tf>)[0].metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
    });
  });

  test('a filtered workload in a namespace given by name warns that it must admit NET_ADMIN', () => {
    const parts = clusterParts(emptyStack());
    const w = new ConfidentialWorkload(parts.trustee.node.scope!, 'w', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'app',
      namespace: 'confidential-ai',
      containers: [{ name: 'app', image: pinned('app'), command: ['/a', '--listen', '127.0.0.1:8080'], runAsUser: 1000 }],
      service: { port: 8080 },
      tls: { identity: withFilter.identity('app') },
    });
    expect(w.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringMatching(/namespace "confidential-ai" must admit the ingress filter's NET_ADMIN/),
    );
    expect(w.exposure.filtered).toBe(true);
  });

  test('with an agent policy of its own, the filter is not reported as closing the ports: nothing makes it run first', () => {
    const parts = clusterParts(emptyStack());
    const w = new ConfidentialWorkload(parts.trustee.node.scope!, 'w', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'app',
      containers: [{ name: 'app', image: pinned('app'), command: ['/a', '--listen', '127.0.0.1:8080'], runAsUser: 1000 }],
      service: { port: 8080 },
      tls: { identity: withFilter.identity('app') },
      agentPolicy: AgentPolicy.allowAllExceptExecInsecure(),
    });
    expect(w.exposure.filtered).toBe(false);
  });

  test('users connect on a listener of their own that trusts the users CA only; the Service exposes it too', () => {
    const parts = clusterParts(emptyStack());
    const w = server(parts, 'key-manager', { clients: ['inference'], users: {} });
    const names = w.agentPolicy.data.containers.map((c) => c.name);
    expect(names).toEqual(['tls-keys', 'app', 'tls-server', 'tls-users']);
    const users = w.agentPolicy.data.containers.find((c) => c.name === 'tls-users')!.args;
    expect(users).toEqual(expect.arrayContaining(['--listen', '0.0.0.0:8445', '--cacert', '/tls/users-ca.pem', '--allow-all']));
    const keys = w.agentPolicy.data.containers.find((c) => c.name === 'tls-keys')!.args[2];
    expect(keys).toContain('printf "%s" "$TLS_USERS_CA" > /tls/users-ca.pem');
    expect(w.exposure.ports.map((p) => p.port)).toEqual([8443, 8444, 8445]);
    expect(w.service!.node.id).toBe('Service');
  });

  test.each<[string, object, RegExp]>([
    ['users without a users CA', { users: {} }, /tls\.users: needs the deployment's users CA/],
    ['a users port taken by the TLS port', { users: { port: 8443 } }, /tls\.users\.port: 8443 is already used in this pod/],
    ['a status port taken by the TLS port', { statusPort: 8443 }, /tls\.statusPort: 8443 is already used in this pod/],
    ['a status port taken by the application', { statusPort: 8080 }, /tls\.statusPort: 8080 is already used in this pod/],
  ])('fails on %s', (_what, tls, message) => {
    const parts = clusterParts(emptyStack());
    const noUsers = new WorkloadTls({ caCertPem: WORKLOAD_TLS.caCertPem, proxyImage: PROXY_IMAGE });
    const identity =
      _what === 'users without a users CA'
        ? noUsers.identity('key-manager', WORKLOAD_TLS.identity('key-manager').certPem)
        : WORKLOAD_TLS.identity('key-manager');
    expect(() => server(parts, 'key-manager', { identity, ...tls })).toThrow(message);
  });

  test('the users CA must be a CA of its own', () => {
    expect(() => new WorkloadTls({ caCertPem: WORKLOAD_TLS.caCertPem, usersCaCertPem: WORKLOAD_TLS.caCertPem, proxyImage: PROXY_IMAGE })).toThrow(
      /usersCaCertPem: must be a CA of its own, not the workload CA/,
    );
  });

  test('GIVEN a key manager that admits the whole workload CA THEN synth warns: name its callers and give users their own CA', () => {
    const parts = clusterParts(emptyStack());
    const km = new KeyManager(parts.trustee.node.scope!, 'km', { ...keyManagerBase(parts), ...tlsOf('key-manager') });
    expect(km.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringMatching(/^tls\.clients is "workload-ca": every certificate of the workload CA/),
    );
  });

  test('a probe through the proxy needs a TLS workload, and takes no port', () => {
    const parts = clusterParts(emptyStack());
    expect(
      () =>
        new ConfidentialWorkload(parts.trustee.node.scope!, 'w', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          name: 'dev',
          containers: [
            { name: 'app', image: pinned('app'), command: ['/a'], runAsUser: 1000, ports: [8080], readinessProbe: Probe.throughTlsProxy() },
          ],
          service: { port: 8080 },
          plainHttpInsecure: true,
        }),
    ).toThrow(/containers\[0\]\.readinessProbe: probes through the TLS proxy, but this workload serves no TLS/);
    expect(() => Probe.throughTlsProxy({ port: 1 } as never)).toThrow(/probe\.port: is the proxy status port; it cannot be set here/);
  });
});
