import { gunzipSync } from 'node:zlib';
import { Testing, TerraformStack } from 'cdktf';
import { parse as parseToml } from 'smol-toml';
import {
  AgentPolicy,
  ConfidentialInference,
  ConfidentialVmSize,
  ConfidentialWorkload,
  ConfidentialWorkloadProps,
  ExternalKbs,
  ImageFacts,
  Initdata,
  KeyManager,
  ModelSource,
  PeerPodsRuntime,
  PodVmImage,
  Probe,
  ResourceSource,
  WorkloadNamespace,
} from '../../src';
import { join } from 'node:path';
import { pinned, podPolicy } from '../attestation/fixtures/values';
import { readFileSync } from 'node:fs';
import { ImageConfig, createContainer, podOfDeployment } from '../helpers/kata-runtime';
import { startPod } from '../helpers/pod-lifecycle';
import { describeWithEngine } from '../helpers/rego-engine';
import { releasedTo } from '../helpers/trustee-claims';
import { emptyStack, resourceOf, resourcesOf, synth, Synthesized } from '../helpers/synth';
import { PROXY_IMAGE, WORKLOAD_TLS, clusterParts, tlsOf } from './fixtures';

type Parts = ReturnType<typeof clusterParts>;

const REFERENCE_KM = 'confidentialai.azurecr.io/enkrypt/key-manager@sha256:f7c56dbc74eadb755393d60f1062762e50939c2124a462f98ccc749b40afdd48';

function podTemplate(json: Synthesized, idPart: string): { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } {
  return (resourceOf(json, 'kubernetes_deployment_v1', idPart).spec as Record<string, unknown>).template as never;
}

function seedData(json: Synthesized): Record<string, string> {
  return Object.values(resourcesOf(json, 'kubernetes_config_map_v1')).find((c) => (c.metadata as { name: string }).name === 'kbs-seed')!
    .data as Record<string, string>;
}

/** What the seeded resource policy releases to an affirming token with `pcr8` (engine). */
function released(json: Synthesized, pcr8: string, paths: readonly string[]): string[] {
  return releasedTo(seedData(json)['resource-policy.rego'], pcr8, paths);
}

describe('KeyManager and ConfidentialInference, wired end to end', () => {
  let km: KeyManager | undefined;
  let inf: ConfidentialInference | undefined;
  const json = synth((stack) => {
    const parts: Parts = clusterParts(stack);
    const ns = new WorkloadNamespace(stack, 'ns');
    km = new KeyManager(stack, 'km', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('key-manager'),
      command: ['/app/server'],
      runAsUser: 1000,
      namespace: ns,
      ...tlsOf('key-manager'),
    });
    inf = new ConfidentialInference(stack, 'inf', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('vllm'),
      command: ['/app/server'],
      runAsUser: 1000,
      namespace: ns,
      model: ModelSource.encryptedBlob({
        url: 'https://models.blob.core.windows.net/m/model.enc',
        decryptionKey: 'kbs:///enkrypt/model/decryption-key',
        decryptImage: pinned('fetcher'),
        decryptCommand: ['/fetch'],
        decryptRunAsUser: 1000,
      }),
      keyManager: km,
      ...tlsOf('inference'),
      signedImagePolicy: 'kbs:///enkrypt/policy/images',
      instanceSize: ConfidentialVmSize.STANDARD_DC2ES_V6,
    });
  });

  test('each pod annotation decodes to its workload initdata', () => {
    for (const [idPart, workload] of [
      ['km', km!.workload],
      ['inf', inf!.workload],
    ] as const) {
      const annotation = podTemplate(json, idPart).metadata.annotations['io.katacontainers.config.hypervisor.cc_init_data'];
      const toml = gunzipSync(Buffer.from(annotation, 'base64')).toString('utf8');
      expect(toml).toBe(workload.initdata.toml);
      expect(Initdata.fromToml(toml).azureVtpmPcr8).toBe(workload.pcr8);
    }
  });

  test('every PCR 8 is in the reference values', () => {
    expect(JSON.parse(seedData(json)['rv.initdata.pcr08']).value).toEqual([km!.workload.pcr8, inf!.workload.pcr8].sort());
  });

  describeWithEngine('as the KBS decides (engine)', () => {
    test('the key manager key is released to the key manager only, the model key to inference only', () => {
      const paths = [
        'enkrypt/key-manager/private-key',
        'enkrypt/model/decryption-key',
        'enkrypt/policy/images',
        'workload-tls/inference/tls-key',
        'workload-tls/key-manager/tls-key',
      ];
      // Each TLS key to its own workload alone.
      expect(released(json, km!.workload.pcr8, paths)).toEqual(['enkrypt/key-manager/private-key', 'workload-tls/key-manager/tls-key']);
      expect(released(json, inf!.workload.pcr8, paths)).toEqual([
        'enkrypt/model/decryption-key',
        'enkrypt/policy/images',
        'workload-tls/inference/tls-key',
      ]);
      expect(released(json, 'e'.repeat(64), paths)).toEqual([]);
    });
  });

  test('each agent policy admits exactly its workload containers, with their images and command lines', () => {
    const keys = { name: 'tls-keys', image: PROXY_IMAGE, args: ['/bin/sh', '-c', expect.stringContaining('wget -q -O /tls/key.pem "$TLS_KEY_URL"')] };
    const files = ['--cert', '/tls/cert.pem', '--key', '/tls/key.pem', '--cacert', '/tls/ca.pem'];
    const status = (port: number) => ['--status', `https://0.0.0.0:${port}`];
    expect(km!.workload.agentPolicy.data.containers).toEqual([
      keys,
      { name: 'key-manager', image: pinned('key-manager'), args: ['/app/server'] },
      {
        name: 'tls-server',
        image: PROXY_IMAGE,
        args: ['/usr/bin/ghostunnel', 'server', '--listen', '0.0.0.0:8443', '--target', '127.0.0.1:8080', ...files, '--allow-all', ...status(8444)],
      },
    ]);
    expect(inf!.workload.agentPolicy.data.containers).toEqual([
      keys,
      { name: 'fetch-model', image: pinned('fetcher'), args: ['/fetch'] },
      { name: 'server', image: pinned('vllm'), args: ['/app/server'] },
      {
        name: 'tls-server',
        image: PROXY_IMAGE,
        args: ['/usr/bin/ghostunnel', 'server', '--listen', '0.0.0.0:8443', '--target', '127.0.0.1:8000', ...files, '--allow-all', ...status(8444)],
      },
      {
        name: 'tls-to-key-manager',
        image: PROXY_IMAGE,
        args: [
          '/usr/bin/ghostunnel',
          'client',
          '--listen',
          '127.0.0.1:9443',
          '--target',
          'key-manager.confidential-ai.svc.cluster.local:8443',
          ...files,
          '--verify-cn',
          'key-manager',
        ],
      },
    ]);
  });

  test('pods run in kata-remote with the requested machine type and a hardened spec', () => {
    const km0 = podTemplate(json, 'km');
    const inf0 = podTemplate(json, 'inf');
    expect(km0.spec.runtime_class_name).toBe('kata-remote');
    expect(km0.metadata.annotations['io.katacontainers.config.hypervisor.machine_type']).toBe('Standard_DC2as_v5');
    expect(inf0.metadata.annotations['io.katacontainers.config.hypervisor.machine_type']).toBe('Standard_DC2es_v6');
    expect(km0.spec.automount_service_account_token).toBe(false);
    const container = (km0.spec.container as Array<Record<string, unknown>>)[0];
    expect(container.security_context).toMatchObject({
      privileged: false,
      allow_privilege_escalation: false,
      read_only_root_filesystem: true,
      run_as_non_root: true,
      capabilities: { drop: ['ALL'] },
    });
    const volumes = km0.spec.volume as Array<Record<string, unknown>>;
    expect(volumes.every((v) => 'empty_dir' in v && !('host_path' in v))).toBe(true);
  });

  test('resources reach containers as CDH URLs in the environment, never as Secrets', () => {
    const env = (podTemplate(json, 'km').spec.container as Array<Record<string, unknown>>)[0].env as Array<{ name: string; value: string }>;
    expect(env).toContainEqual({ name: 'PRIVATE_KEY_URL', value: 'http://127.0.0.1:8006/cdh/resource/enkrypt/key-manager/private-key' });
    expect(JSON.stringify(resourcesOf(json, 'kubernetes_deployment_v1'))).not.toContain('secret_key_ref');
    const fetch = (podTemplate(json, 'inf').spec.init_container as Array<Record<string, unknown>>).find((c) => c.name === 'fetch-model')!;
    expect(fetch.env).toContainEqual({ name: 'MODEL_KEY_URL', value: 'http://127.0.0.1:8006/cdh/resource/enkrypt/model/decryption-key' });
  });

  test('inference knows the key manager URL and enforces the image signature policy through cdh.toml', () => {
    const env = (podTemplate(json, 'inf').spec.container as Array<Record<string, unknown>>)[0].env as Array<{ name: string; value: string }>;
    // Through its client proxy, which presents the inference certificate and checks the key manager's.
    expect(env).toContainEqual({ name: 'KEY_MANAGER_URL', value: 'http://127.0.0.1:9443' });
    expect((parseToml(inf!.workload.initdata.cdhToml) as { image: Record<string, string> }).image).toEqual({
      image_security_policy_uri: 'kbs:///enkrypt/policy/images',
    });
  });

  test('the key manager exposes the command that pushes the owner key out of band', () => {
    expect(km!.setPrivateKeyCommand('owner.pem')).toContain('set-resource --path enkrypt/key-manager/private-key --resource-file owner.pem');
    expect(resourceOf(json, 'kubernetes_service_v1', 'km')).toMatchObject({ spec: { type: 'ClusterIP' } });
  });

  test('the Services expose only the TLS port of the proxy; the key and certificates reach the proxies only', () => {
    for (const idPart of ['km', 'inf']) {
      expect((resourceOf(json, 'kubernetes_service_v1', idPart).spec as { port: unknown }).port).toEqual([
        { name: 'https', port: 8443, target_port: '8443' },
      ]);
      const spec = podTemplate(json, idPart).spec;
      const containers = [...(spec.init_container as Array<Record<string, unknown>>), ...(spec.container as Array<Record<string, unknown>>)];
      for (const c of containers) {
        const mountsTls = (c.volume_mount as Array<{ name: string }>).some((m) => m.name === 'tls');
        expect([c.name, mountsTls]).toEqual([c.name, String(c.name).startsWith('tls-')]);
      }
      const keys = containers.find((c) => c.name === 'tls-keys')!;
      const env = Object.fromEntries((keys.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
      expect(env.TLS_KEY_URL).toBe(`http://127.0.0.1:8006/cdh/resource/workload-tls/${idPart === 'km' ? 'key-manager' : 'inference'}/tls-key`);
      expect(env.TLS_CA).toBe(WORKLOAD_TLS.caCertPem);
      expect(env.TLS_CERT).toContain('-----BEGIN CERTIFICATE-----');
    }
    expect(km!.serviceUrl).toBe('https://key-manager.confidential-ai.svc.cluster.local:8443');
  });

  test(
    'GIVEN TLS WHEN the kubelet probes the key manager and the model server THEN it asks the proxy status endpoint, which checks the ' +
      'application on 127.0.0.1, and never a plaintext port',
    () => {
      const server = (idPart: string) => (podTemplate(json, idPart).spec.container as Array<Record<string, unknown>>)[0];
      const status = { http_get: { path: '/_status', port: '8444', scheme: 'HTTPS' } };
      expect(server('km_')).toMatchObject({
        readiness_probe: { ...status, period_seconds: 5 },
        liveness_probe: { ...status, period_seconds: 10, failure_threshold: 3 },
        startup_probe: { ...status, period_seconds: 5, failure_threshold: 24 },
        port: [],
        env: expect.arrayContaining([{ name: 'HOST', value: '127.0.0.1' }]),
      });
      expect(server('inf_')).toMatchObject({ readiness_probe: status, startup_probe: { ...status, period_seconds: 10, failure_threshold: 90 } });
    },
  );

  test('a probe given replaces only its default', () => {
    let km: KeyManager | undefined;
    const own = synth((stack) => {
      const parts = clusterParts(stack);
      km = new KeyManager(stack, 'km', {
        runtime: parts.runtime,
        kbs: parts.trustee,
        image: pinned('key-manager'),
        command: ['/app/server'],
        runAsUser: 1000,
        probes: { readiness: Probe.throughTlsProxy({ periodSeconds: 2 }) },
        ...tlsOf('key-manager'),
      });
    });
    const c = (podTemplate(own, 'km_').spec.container as Array<Record<string, unknown>>)[0];
    expect(c.readiness_probe).toEqual({ http_get: { path: '/_status', port: '8444', scheme: 'HTTPS' }, period_seconds: 2 });
    expect(c.liveness_probe).toEqual({ http_get: { path: '/_status', port: '8444', scheme: 'HTTPS' }, period_seconds: 10, failure_threshold: 3 });
    expect(km).toBeDefined();
    const parts = clusterParts(emptyStack());
    expect(
      () =>
        new KeyManager(parts.trustee.node.scope!, 'km', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          image: pinned('k'),
          command: ['/k'],
          runAsUser: 1000,
          ...tlsOf('key-manager'),
          probes: { ready: Probe.fromTcpSocket() } as never,
        }),
    ).toThrow(/KeyManager test\/km: probes.ready: is not a known key/);
  });

  test('workloads are created after the runtime and their namespace', () => {
    expect(resourceOf(json, 'kubernetes_deployment_v1', 'km').depends_on).toEqual([
      expect.stringContaining('helm_release.runtime'),
      expect.stringContaining('kubernetes_namespace_v1.ns'),
    ]);
  });
});

describe('ConfidentialWorkload wiring checks', () => {
  // Deterministic construct ids: w1, w2, ... (two workloads of one scope need distinct ids).
  let ids = 0;
  function workload(parts: Parts, override: Partial<ConfidentialWorkloadProps> = {}): ConfidentialWorkload {
    return new ConfidentialWorkload(parts.trustee.node.scope!, `w${(ids += 1)}`, {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'app',
      containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000 }],
      ...override,
    } as ConfidentialWorkloadProps); // overrides may pair tls and service wrongly on purpose: the checks at synth are tested
  }

  test('fails when an image is given by tag, naming the container', () => {
    expect(() =>
      workload(clusterParts(emptyStack()), {
        containers: [{ name: 'server', image: 'example.azurecr.io/app:1.0', command: ['/s'], runAsUser: 1000 }],
      }),
    ).toThrow(
      /ConfidentialWorkload test\/w\w+: containers\[0\].image: must be fully qualified and pinned by digest.*\(got "example.azurecr.io\/app:1.0"\)/,
    );
  });

  test("fails when the machine type is not one of the pool's sizes", () => {
    expect(() => workload(clusterParts(emptyStack()), { instanceSize: ConfidentialVmSize.of('Standard_DC8as_v5') })).toThrow(
      /instanceSize: "Standard_DC8as_v5" is not one of the runtime's sizes \[Standard_DC2as_v5, Standard_DC2es_v6\]/,
    );
  });

  test('fails when the KBS URL is a token only Terraform knows (initdata is fixed at synth)', () => {
    const parts = clusterParts(emptyStack());
    const url = `https://${parts.network.nodeSubnetId}:8080`;
    expect(
      () =>
        new ExternalKbs(parts.network, 'kbs', {
          url,
          caCertPem: parts.trustee.kbsEndpoint.caCertPem!,
          referenceValuesExpire: '2027-06-30T00:00:00Z',
        }),
    ).toThrow(/ExternalKbs test\/\w+\/kbs: kbsEndpoint.url: is an unresolved Terraform token.*must be known at synth time/);
  });

  test('fails when the runtime is installed in another stack', () => {
    const app = Testing.app();
    const a = new TerraformStack(app, 'a');
    const b = new TerraformStack(app, 'b');
    const parts = clusterParts(a);
    const other = clusterParts(b);
    expect(
      () =>
        new ConfidentialWorkload(b, 'w', {
          runtime: parts.runtime,
          kbs: other.trustee,
          name: 'app',
          containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000 }],
        }),
    ).toThrow(/runtime: is in stack "a", not in this one/);
    // An imported runtime is a construct too, held to the same rule.
    const imported = PeerPodsRuntime.fromRuntimeAttributes(a, 'installed', parts.runtime);
    expect(
      () =>
        new ConfidentialWorkload(b, 'w2', {
          runtime: imported,
          kbs: other.trustee,
          name: 'app2',
          containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000 }],
        }),
    ).toThrow(
      /ConfidentialWorkload b\/w2: runtime: is in stack "a", not in this one; create the workload in that stack, or import the runtime into this one/,
    );
  });

  test('synth fails when a workload needs a resource no one declared', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    workload(clusterParts(stack), { resources: ['kbs:///enkrypt/undeclared/key'] });
    expect(() => Testing.synth(stack, true)).toThrow(/needs kbs:\/\/\/enkrypt\/undeclared\/key, which no one declared/);
  });

  test('synth fails when the pool image is not trusted by the KBS', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    const parts = clusterParts(stack);
    const image = PodVmImage.fromImageAttributes(stack, 'other-image', {
      imageId: '/CommunityGalleries/g/Images/i/Versions/1.0.0',
      measurements: [{ tee: 'az-snp-vtpm', pcrs: { 11: 'f'.repeat(64) } }],
    });
    const { runtimeClassName, namespace, instanceSizes, defaultInstanceSize, evidenceTypes } = parts.runtime;
    const attributes = { runtimeClassName, namespace, instanceSizes, defaultInstanceSize, evidenceTypes, image };
    const untrusted = PeerPodsRuntime.fromRuntimeAttributes(stack, 'rt', attributes);
    new ConfidentialWorkload(stack, 'w', {
      runtime: untrusted,
      kbs: parts.trustee,
      name: 'app',
      containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000 }],
    });
    expect(() => Testing.synth(stack, true)).toThrow(/boots a pod VM image whose measurements the KBS does not trust/);
  });

  test('synth fails when two workloads have the same identity', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    const parts = clusterParts(stack);
    const same = podPolicy(pinned('app'));
    workload(parts, { agentPolicy: same });
    workload(parts, { agentPolicy: same, name: 'other' });
    expect(() => Testing.synth(stack, true)).toThrow(/have the same initdata .* so the KBS cannot tell them apart/);
  });

  test('fails when two workloads of a stack share a namespace and name, naming both', () => {
    const parts = clusterParts(emptyStack());
    const first = workload(parts);
    expect(() => workload(parts)).toThrow(
      new RegExp(`ConfidentialWorkload test/w\\w+: name: confidential-ai/app is already the name of ${first.node.path} in this stack`),
    );
    expect(() => workload(parts, { name: 'other' })).not.toThrow();
  });

  test("synth fails when another workload needs the key manager's private key", () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const parts = clusterParts(stack);
    const km = new KeyManager(stack, 'km', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('key-manager'),
      command: ['/app/server'],
      runAsUser: 1000,
      ...tlsOf('key-manager'),
    });
    workload(parts, { name: 'thief', resources: [km.privateKey] });
    expect(() => Testing.synth(stack, true)).toThrow(
      new RegExp(
        's/w\\w+ \\(confidential-ai/thief\\) needs kbs:///enkrypt/key-manager/private-key, ' +
          'which is reserved for s/km/Workload \\(confidential-ai/key-manager\\)',
      ),
    );
  });

  test("GIVEN no namespace WHEN workloads are created THEN the stack's confidential-ai namespace is created once and they depend on it", () => {
    const json = synth((stack) => {
      const parts = clusterParts(stack);
      workload(parts);
      workload(parts, { name: 'other' });
      workload(parts, { name: 'elsewhere', namespace: 'existing-team-ns' });
    });
    const namespaces = Object.entries(resourcesOf(json, 'kubernetes_namespace_v1')).filter(
      ([, n]) => (n.metadata as { name: string }).name === 'confidential-ai',
    );
    expect(namespaces).toHaveLength(1);
    const [[nsId, ns]] = namespaces;
    expect((ns.metadata as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const byName = (name: string) =>
      Object.values(resourcesOf(json, 'kubernetes_deployment_v1')).find((d) => (d.metadata as { name: string }).name === name)!;
    expect(byName('app').depends_on).toContain(`kubernetes_namespace_v1.${nsId}`);
    expect(byName('other').depends_on).toContain(`kubernetes_namespace_v1.${nsId}`);
    expect(byName('elsewhere').depends_on).not.toContain(`kubernetes_namespace_v1.${nsId}`);
    expect((byName('elsewhere').metadata as { namespace: string }).namespace).toBe('existing-team-ns');
  });

  test("GIVEN the app's own confidential-ai WorkloadNamespace WHEN a workload gets no namespace THEN it uses that one", () => {
    const parts = clusterParts(emptyStack());
    const own = new WorkloadNamespace(parts.trustee.node.scope!, 'Mine');
    workload(parts);
    expect(WorkloadNamespace.defaultOf(parts.trustee)).toBe(own);
  });

  test('fails when a WorkloadNamespace repeats one the stack already creates, saying which to pass', () => {
    const parts = clusterParts(emptyStack());
    workload(parts);
    expect(() => new WorkloadNamespace(parts.trustee.node.scope!, 'Late')).toThrow(
      'WorkloadNamespace test/Late: name: "confidential-ai" is already created by test/ConfidentialAiNamespace in ' +
        'this stack; a workload given no namespace created it first; create this WorkloadNamespace before the workloads',
    );
  });

  test.each<[Partial<ConfidentialWorkloadProps>, RegExp]>([
    [
      {
        containers: [
          { name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000 },
          { name: 'app', image: pinned('b'), command: ['/b'], runAsUser: 1000 },
        ],
      },
      /containers\[1\].name: "app" is already the name of containers\[0\]; containers and init containers of a pod need distinct names$/,
    ],
    [
      { initContainers: [{ name: 'app', image: pinned('init'), command: ['/i'], runAsUser: 1000 }] },
      /containers\[0\].name: "app" is already the name of initContainers\[0\]/,
    ],
    [
      { scratchVolumes: [{ name: 'cache', mountPath: '/cache', sizeLimit: 'lots' }] },
      /scratchVolumes\[0\].sizeLimit: must be a Kubernetes quantity such as "1Gi" \(got "lots"\)/,
    ],
    [{ scratchVolumes: [{ name: 'tmp', mountPath: '/scratch' }] }, /scratchVolumes\[0\].name: must not be "tmp"/],
    [{ scratchVolumes: [{ name: 'cache', mountPath: '/tmp/' }] }, /scratchVolumes\[0\].mountPath: must not be \/tmp/],
    [
      {
        scratchVolumes: [
          { name: 'a', mountPath: '/a' },
          { name: 'a', mountPath: '/b' },
        ],
      },
      /scratchVolumes\[1\].name: "a" names two scratch volumes/,
    ],
    [
      {
        scratchVolumes: [
          { name: 'a', mountPath: '/a' },
          { name: 'b', mountPath: '/a' },
        ],
      },
      /scratchVolumes\[1\].mountPath: \/a is the mount path of two scratch volumes/,
    ],
    [
      { containers: [{ name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000, resources: { cpu: '1', memory: 'much' } }] },
      /containers\[0\].resources.memory: must be a Kubernetes quantity such as "2Gi"/,
    ],
    // Nested props are strict too: a misspelt key is an error naming it, never a setting silently dropped.
    [
      { containers: [{ name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000, readOnlyRootFilesytem: false } as never] },
      /containers\[0\]\.readOnlyRootFilesytem: is not a known key; did you mean "readOnlyRootFilesystem"\?/,
    ],
    [
      {
        containers: [
          { name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000, resources: { cpu: '1', memory: '1Gi', gpu: '1' } } as never,
        ],
      },
      /containers\[0\]\.resources\.gpu: is not a known key/,
    ],
  ])('fails, naming the field, when Kubernetes would refuse the pod: %#', (override, message) => {
    expect(() => workload(clusterParts(emptyStack()), override)).toThrow(message);
  });

  test('accepts decimal and binary quantities Kubernetes accepts', () => {
    expect(() => workload(clusterParts(emptyStack()), { scratchVolumes: [{ name: 'cache', mountPath: '/cache', sizeLimit: '1.5G' }] })).not.toThrow();
    expect(() =>
      workload(clusterParts(emptyStack()), { name: 'b', scratchVolumes: [{ name: 'cache', mountPath: '/cache', sizeLimit: '500Mi' }] }),
    ).not.toThrow();
  });

  test('GIVEN a container with ports WHEN no probe is given THEN the Service waits for a TCP readiness probe of its first port', () => {
    const json = synth((stack) => {
      const parts = clusterParts(stack);
      workload(parts, {
        containers: [{ name: 'app', image: pinned('app'), command: ['/app/server'], runAsUser: 1000, ports: [8443, 9090] }],
        initContainers: [{ name: 'init', image: pinned('init'), command: ['/init'], runAsUser: 1000, ports: [1] }],
      });
      workload(parts, { name: 'quiet' });
    });
    const spec = (name: string) =>
      (
        Object.values(resourcesOf(json, 'kubernetes_deployment_v1')).find((d) => (d.metadata as { name: string }).name === name)!.spec as never as {
          template: { spec: { container: Array<Record<string, unknown>>; init_container: Array<Record<string, unknown>> } };
        }
      ).template.spec;
    expect(spec('app').container[0].readiness_probe).toEqual({ tcp_socket: [{ port: '8443' }] });
    expect(spec('app').container[0].liveness_probe).toBeUndefined();
    expect(spec('app').init_container[0].readiness_probe).toBeUndefined();
    expect(spec('quiet').container[0].readiness_probe).toBeUndefined();
  });

  test('renders the HTTP and TCP probes given, with their timings', () => {
    const json = synth((stack) => {
      workload(clusterParts(stack), {
        containers: [
          {
            name: 'app',
            image: pinned('app'),
            command: ['/app/server'],
            runAsUser: 1000,
            ports: [8080],
            readinessProbe: Probe.fromHttpGet('/healthz', { scheme: 'HTTPS', periodSeconds: 5 }),
            livenessProbe: Probe.fromTcpSocket({ port: 9000, failureThreshold: 5, timeoutSeconds: 2 }),
            startupProbe: Probe.fromHttpGet('/ready', { initialDelaySeconds: 10, failureThreshold: 60 }),
          },
        ],
      });
    });
    const container = (
      resourceOf(json, 'kubernetes_deployment_v1', /^w/).spec as never as { template: { spec: { container: Array<Record<string, unknown>> } } }
    ).template.spec.container[0];
    expect(container.readiness_probe).toEqual({ http_get: { path: '/healthz', port: '8080', scheme: 'HTTPS' }, period_seconds: 5 });
    expect(container.liveness_probe).toEqual({ tcp_socket: [{ port: '9000' }], failure_threshold: 5, timeout_seconds: 2 });
    expect(container.startup_probe).toEqual({
      http_get: { path: '/ready', port: '8080', scheme: 'HTTP' },
      initial_delay_seconds: 10,
      failure_threshold: 60,
    });
  });

  test.each<[() => Partial<ConfidentialWorkloadProps>, RegExp]>([
    [
      () => ({ containers: [{ name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000, livenessProbe: Probe.fromTcpSocket() }] }),
      new RegExp(
        'ConfidentialWorkload test/w\\w+: containers\\[0\\].livenessProbe.port: the container ' +
          'exposes no port for the TCP probe; set ports on the container or port on the probe',
      ),
    ],
    [
      () => ({
        initContainers: [{ name: 'init', image: pinned('i'), command: ['/i'], runAsUser: 1000, readinessProbe: Probe.fromTcpSocket({ port: 1 }) }],
      }),
      /initContainers\[0\].readinessProbe: init containers run to completion and take no probes/,
    ],
    [
      () => ({
        containers: [
          { name: 'app', image: pinned('a'), command: ['/a'], runAsUser: 1000, readinessProbe: { exec: { command: ['cat', '/ready'] } } as never },
        ],
      }),
      /containers\[0\].readinessProbe: must be Probe.fromHttpGet\(...\) or Probe.fromTcpSocket\(...\); exec probes are denied by the agent policy/,
    ],
  ])('fails on a probe Kubernetes or the agent policy would refuse: %#', (override, message) => {
    expect(() => workload(clusterParts(emptyStack()), override())).toThrow(message);
  });

  test('Probe refuses a relative path, unknown options and out-of-range timings', () => {
    expect(() => Probe.fromHttpGet('healthz')).toThrow(/probe.path: must be an absolute request path such as "\/healthz"/);
    expect(() => Probe.fromTcpSocket({ periodSecond: 5 } as never)).toThrow(/probe.periodSecond: is not a known key/);
    expect(() => Probe.fromTcpSocket({ port: 70000 })).toThrow(/probe.port: /);
    expect(() => Probe.fromHttpGet('/x', { failureThreshold: 0 })).toThrow(/probe.failureThreshold: /);
  });

  test('fails when a resource path is declared from two sources', () => {
    const parts = clusterParts(emptyStack());
    parts.trustee.declareResource('kbs:///enkrypt/model/decryption-key', ResourceSource.kubernetesSecret('s', 'k'));
    expect(
      () =>
        new ConfidentialInference(parts.trustee.node.scope!, 'inf', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          image: pinned('vllm'),
          command: ['/app/server'],
          runAsUser: 1000,
          model: ModelSource.encryptedImage({ decryptionKey: 'kbs:///enkrypt/model/decryption-key' }),
          ...tlsOf('inference'),
        }),
    ).toThrow(
      'Trustee test/trustee: resource: kbs:///enkrypt/model/decryption-key is already ' +
        'declared from Kubernetes Secret s[k]; it cannot also come from out of band',
    );
  });

  test('registry credentials and a signature policy are declared on the KBS, bound to the workload and named in cdh.toml', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    const parts = clusterParts(stack);
    const w = workload(parts, {
      imagePull: {
        registryCredentials: { resource: 'kbs:///apps/registry/auth', source: ResourceSource.kubernetesSecret('registry', 'auth.json') },
        signaturePolicy: 'kbs:///apps/policy/images',
      },
    });
    expect((parseToml(w.initdata.cdhToml) as { image: Record<string, string> }).image).toEqual({
      authenticated_registry_credentials_uri: 'kbs:///apps/registry/auth',
      image_security_policy_uri: 'kbs:///apps/policy/images',
    });
    expect(parts.trustee.state.declaredResources.map((r) => [r.path.uri, r.source.describe()])).toEqual([
      ['kbs:///apps/policy/images', 'out of band'],
      ['kbs:///apps/registry/auth', 'Kubernetes Secret registry[auth.json]'],
    ]);
    expect(parts.trustee.state.registeredWorkloads[0].resources.map((r) => r.uri)).toEqual([
      'kbs:///apps/registry/auth',
      'kbs:///apps/policy/images',
    ]);
  });

  test('a container without image facts is accepted with a warning that names what the policy assumes', () => {
    const w = workload(clusterParts(emptyStack()));
    expect(w.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringContaining('container "app" has no imageFacts: its agent policy assumes the image sets no ENV but PATH'),
    );
  });

  test('fails when image facts belong to another image, naming the construct and the container', () => {
    const facts = ImageFacts.fromDirectory(REFERENCE_KM, join(__dirname, '../../examples/reference/images/key-manager'));
    expect(() => workload(clusterParts(emptyStack()), { containers: [{ name: 'app', image: pinned('app'), imageFacts: facts }] })).toThrow(
      new RegExp(
        'ConfidentialWorkload test/w\\w+: containers\\[0\\]\\.imageFacts: describe ' +
          'confidentialai.azurecr.io/enkrypt/key-manager@sha256:f7c56dbc.*, not example.azurecr.io/app@sha256',
      ),
    );
  });

  test('fails when the name is too long for the agent policy to pin its pods', () => {
    expect(() => workload(clusterParts(emptyStack()), { name: 'a'.repeat(47) })).toThrow(
      /ConfidentialWorkload test\/w\w+: name: must be at most 46 characters/,
    );
  });

  test('an insecure agent policy is accepted with a warning', () => {
    const parts = clusterParts(emptyStack());
    const w = workload(parts, { agentPolicy: AgentPolicy.allowAllInsecure() });
    expect(w.node.metadata.map((m) => m.data)).toContainEqual(expect.stringContaining('development only'));
  });
});

describeWithEngine('ConfidentialWorkload renders the pod its agent policy admits', () => {
  test(
    'GIVEN facts, a group, a working directory and scratch volumes WHEN the ' +
      'runtime creates the synthesized pod THEN the policy in its annotation admits it',
    () => {
      const facts = ImageFacts.fromDirectory(REFERENCE_KM, join(__dirname, '../../examples/reference/images/key-manager'));
      const json = synth((stack) => {
        const parts = clusterParts(stack);
        new ConfidentialWorkload(stack, 'w', {
          runtime: parts.runtime,
          kbs: parts.trustee,
          name: 'worker',
          namespace: 'jobs',
          initContainers: [
            { name: 'prepare', image: pinned('prepare'), command: ['/bin/prepare'], args: ['--into', '/work'], runAsUser: 4000, runAsGroup: 4000 },
          ],
          containers: [
            { name: 'main', image: REFERENCE_KM, imageFacts: facts, workingDir: '/work', env: { MODE: 'batch' }, readOnlyRootFilesystem: false },
          ],
          scratchVolumes: [{ name: 'work', mountPath: '/work', sizeLimit: '2Gi' }],
        });
      });
      const pod = podOfDeployment(resourceOf(json, 'kubernetes_deployment_v1', /^w_/));
      const rego = Initdata.fromToml(
        gunzipSync(Buffer.from(pod.annotations['io.katacontainers.config.hypervisor.cc_init_data'], 'base64')).toString('utf8'),
      ).agentPolicy;
      const config = (
        JSON.parse(readFileSync(join(__dirname, '../../examples/reference/images/key-manager/config.json'), 'utf8')) as { config: ImageConfig }
      ).config;
      const { steps } = startPod(rego, pod, (image) => (image === REFERENCE_KM ? config : {}));
      expect(steps.filter((s) => !s.allowed)).toEqual([]);
      expect(steps.filter((s) => s.request === 'CreateContainerRequest').map((s) => s.container)).toEqual(['pause', 'prepare', 'main']);
      const main = createContainer(pod, 'main', config) as { OCI: { Process: { Args: string[]; Cwd: string; User: unknown } } };
      expect(main.OCI.Process).toMatchObject({ Args: ['/usr/local/bin/key-manager'], Cwd: '/work', User: { UID: 65532, GID: 0 } });
    },
  );
});

describe('server workloads parse their shared props by the workload rules', () => {
  test.each<[string, object, string]>([
    ['root user', { runAsUser: 0 }, 'KeyManager test/km: runAsUser: must not be 0: the namespace enforces non-root pods (got 0)'],
    ['a namespace that is no Kubernetes name', { namespace: 'Team_A' }, 'KeyManager test/km: namespace: '],
    [
      'an environment variable name with a dash',
      { env: { 'MY-VAR': 'x' } },
      'KeyManager test/km: env["MY-VAR"]: "MY-VAR" is not an environment variable name (letters, digits and "_", not starting with a digit)',
    ],
    ['too many replicas', { replicas: 1000 }, 'KeyManager test/km: replicas: '],
  ])('GIVEN a KeyManager WHEN given %s THEN it fails naming its own prop', (_what, override, message) => {
    const parts = clusterParts(emptyStack());
    const props = { runtime: parts.runtime, kbs: parts.trustee, image: pinned('km'), command: ['/k'], runAsUser: 1000, ...tlsOf('key-manager') };
    expect(() => new KeyManager(parts.trustee.node.scope!, 'km', { ...props, ...override })).toThrow(message);
  });
});
