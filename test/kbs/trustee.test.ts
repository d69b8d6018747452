import { Testing, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { Initdata, PeerPodNetwork, ResourcePath, ResourceSource, Trustee, parseKbsConfig, renderAaToml, renderCdhToml } from '../../src';
import { pinned, podPolicy } from '../attestation/fixtures/values';
import { emptyStack, resourceOf, synth } from '../helpers/synth';
import { KBS_IMAGE, PUBLIC_MATERIAL, clusterParts, trusteeProps } from '../kubernetes/fixtures';
import { TestWorkload } from '../helpers/workload-identity';
import { describeWithEngine } from '../helpers/rego-engine';
import { bindingTable, releasedTo } from '../helpers/trustee-claims';

function workloadPcr8(trustee: Trustee, image: string): string {
  return new Initdata({
    aaToml: renderAaToml(trustee.kbsEndpoint),
    cdhToml: renderCdhToml({ kbs: trustee.kbsEndpoint }),
    agentPolicy: podPolicy(pinned(image), image).rego,
  }).azureVtpmPcr8;
}

describe('Trustee', () => {
  let trustee: Trustee | undefined;
  let kmPcr8 = '';
  let infPcr8 = '';
  const json = synth((stack) => {
    trustee = clusterParts(stack).trustee;
    trustee.declareResource('kbs:///enkrypt/key-manager/private-key', ResourceSource.outOfBand());
    trustee.declareResource('kbs:///enkrypt/model/key', ResourceSource.kubernetesSecret('model-key', 'key.bin'));
    kmPcr8 = workloadPcr8(trustee, 'key-manager');
    infPcr8 = workloadPcr8(trustee, 'inference');
    trustee.grantResources(new TestWorkload(stack, 'km', kmPcr8, ['az-snp-vtpm']), 'enkrypt/key-manager/private-key');
    trustee.grantResources(new TestWorkload(stack, 'inf', infPcr8, ['az-snp-vtpm']), 'enkrypt/model/key');
  });
  const config = resourceOf(json, 'kubernetes_config_map_v1', 'Config');
  const seed = resourceOf(json, 'kubernetes_config_map_v1', 'Seed');
  const deployment = resourceOf(json, 'kubernetes_deployment_v1');
  const podSpec = ((deployment.spec as Record<string, unknown>).template as Record<string, Record<string, unknown>>).spec;

  test('renders a kbs-config.toml that parses back as valid for Trustee v0.21.0 and is secure', () => {
    const parsed = parseKbsConfig((config.data as Record<string, string>)['kbs-config.toml']);
    expect(parsed.http_server).toMatchObject({ insecure_http: false, private_key: '/etc/kbs/https/tls.key', certificate: '/etc/kbs/https/tls.crt' });
    expect(parsed.admin.authorization_mode).toBe('AuthenticatedAuthorization');
    expect(parsed.attestation_token).toEqual({ trusted_certs_paths: ['/etc/kbs/config/token-signer-ca.pem'], insecure_header_jwk: false });
    expect(parsed.storage_backend?.storage_type).toBe('LocalFs');
  });

  test('ships only public material in the plan: the admin public key and CA certificates', () => {
    const data = config.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['admin-public.pem', 'kbs-config.toml', 'token-signer-ca.pem']);
    expect(JSON.stringify(json)).not.toMatch(/PRIVATE KEY/);
  });

  test('seeds both policies and the reference values, with every workload PCR 8', () => {
    const data = seed.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(
      expect.arrayContaining(['default_cpu.rego', 'resource-policy.rego', 'rv.initdata.pcr08', 'rv.az-snp-vtpm.pcr11', 'rv.az-tdx-vtpm.pcr11']),
    );
    expect(JSON.parse(data['rv.initdata.pcr08']).value).toEqual([kmPcr8, infPcr8].sort());
  });

  describeWithEngine('as the KBS decides (engine)', () => {
    test('binds the key manager key to the key manager only, and the model key to inference only', () => {
      const policy = (seed.data as Record<string, string>)['resource-policy.rego'];
      expect(bindingTable(policy)).toEqual({ 'enkrypt/key-manager/private-key': [kmPcr8], 'enkrypt/model/key': [infPcr8] });
      const paths = ['enkrypt/key-manager/private-key', 'enkrypt/model/key'];
      expect(releasedTo(policy, kmPcr8, paths)).toEqual(['enkrypt/key-manager/private-key']);
      expect(releasedTo(policy, infPcr8, paths)).toEqual(['enkrypt/model/key']);
    });
  });

  test('an init container writes the seed into the flat LocalFs names, including Secret-backed resources', () => {
    const init = (podSpec.init_container as Array<Record<string, unknown>>)[0];
    const script = (init.command as string[])[2];
    expect(script).toContain("cp '/seed/rv.initdata.pcr08' '/opt/confidential-containers/storage/reference_value/initdata.pcr08'");
    expect(script).toContain("cp '/kbs-resources/0/value' '/opt/confidential-containers/storage/repository/enkrypt\\x2Fmodel\\x2Fkey'");
    expect(podSpec.volume).toContainEqual({ name: 'resource-0', secret: { secret_name: 'model-key', items: [{ key: 'key.bin', path: 'value' }] } });
  });

  test('rolls the pods when the seed changes (checksum annotation)', () => {
    const annotations = (deployment.spec as Record<string, Record<string, Record<string, Record<string, string>>>>).template.metadata.annotations;
    expect(annotations['confidential-ai/config-checksum']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('runs the pinned all-in-one image with HTTPS probes on /healthz and no capabilities', () => {
    const kbs = (podSpec.container as Array<Record<string, unknown>>)[0];
    expect(kbs.image).toBe(KBS_IMAGE);
    expect(kbs.readiness_probe).toMatchObject({ http_get: { path: '/healthz', scheme: 'HTTPS', port: '8080' } });
    expect(kbs.security_context).toMatchObject({ allow_privilege_escalation: false, capabilities: { drop: ['ALL'] } });
    expect((deployment.spec as Record<string, unknown>).replicas).toBe('1');
  });

  test('admits only the pod-VM subnet to the KBS port, with their own source addresses kept', () => {
    expect(resourceOf(json, 'kubernetes_service_v1').spec).toMatchObject({ external_traffic_policy: 'Local' });
    expect(resourceOf(json, 'kubernetes_network_policy_v1').spec).toEqual({
      pod_selector: { match_labels: { 'app.kubernetes.io/name': 'kbs', 'app.kubernetes.io/part-of': 'trustee' } },
      policy_types: ['Ingress'],
      ingress: [{ from: [{ ip_block: { cidr: '10.225.0.0/16' } }], ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
  });

  test('is reachable by pod VMs on an internal load balancer with the static IP', () => {
    const service = resourceOf(json, 'kubernetes_service_v1');
    expect(service.metadata).toMatchObject({
      annotations: {
        'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
        'service.beta.kubernetes.io/azure-load-balancer-ipv4': '10.224.0.250',
      },
    });
    expect(service.spec).toMatchObject({ type: 'LoadBalancer' });
    expect(trustee!.kbsEndpoint.url).toBe('https://10.224.0.250:8080');
  });

  test('prints the out-of-band command for a resource', () => {
    expect(trustee!.setResourceCommand('kbs:///enkrypt/key-manager/private-key', 'private-key.pem')).toBe(
      'kbs-client --url https://10.224.0.250:8080 --cert-file kbs-ca.pem config --admin-token-file ' +
        'admin-token.jwt set-resource --path enkrypt/key-manager/private-key --resource-file private-key.pem',
    );
  });
});

describe('Trustee validation', () => {
  function build(override: object | ((scope: Construct) => object) = {}): Trustee {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    return new Trustee(scope, 't', { ...trusteeProps(network), ...(typeof override === 'function' ? override(scope) : override) });
  }

  test.each([
    [{ staticIp: '10.225.0.10' }, /Trustee test\/t: staticIp: 10.225.0.10 is not a usable address of the node subnet 10.224.0.0\/16/],
    [{ staticIp: '10.224.0.1' }, /staticIp: 10.224.0.1 is not a usable address/],
    [{ staticIp: '${TfToken[TOKEN.1]}' }, /staticIp: must be known at synth time/],
    [{ replicas: 2 }, /replicas: must be 1: KBS sessions live in memory/],
    [
      { image: 'ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0' },
      new RegExp(
        'image: must pin the Trustee image by digest, e.g. ' +
          '"ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0@sha256:<64 hex>" \\(`crane digest',
      ),
    ],
    [
      (scope: Construct) => ({
        network: PeerPodNetwork.fromPeerPodNetworkAttributes(scope, 'existing', {
          vnetId: 'v',
          nodeSubnetId: 'n',
          podVmSubnetId: 'p',
          nodeSubnetCidr: '10.224.0.0/16',
        }),
      }),
      /Trustee test\/t: network: must give podVmSubnetCidr \(known at synth time\)/,
    ],
    [
      { adminPublicKeyPem: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----' },
      /adminPublicKeyPem: holds a PEM private key \(PRIVATE KEY\); pass the public key \(openssl pkey -pubout\), never the key/,
    ],
    [{ adminPublicKeyPem: PUBLIC_MATERIAL.kbsCa }, /adminPublicKeyPem: must be one PEM public key/],
    [{ referenceValuesExpire: '2027-12-31' }, /Trustee test\/t: referenceValuesExpire: must be a UTC time/],
    [
      { referenceValuesExpire: '2025-01-01T00:00:00Z' },
      /Trustee test\/t: referenceValuesExpire: is 2025-01-01T00:00:00Z, before Trustee v0.21.0 was even released \(2026-07-16T00:00:00Z\)/,
    ],
    [{ snpTcbFloor: { bootloader: 4, tee: 0, snp: 24 } }, /Trustee test\/t: snpTcbFloor.microcode: must be the minimum microcode version/],
  ])('fails when %p', (override, message) => {
    expect(() => build(override)).toThrow(message);
  });

  test('fails when an insecure option is used without the explicit development opt-in', () => {
    const insecureAdmin = { configure: (c: object) => ({ ...c, admin: { authorization_mode: 'InsecureAllowAll' } }) };
    expect(() => build(insecureAdmin)).toThrow(/configure: makes the KBS insecure: admin.authorization_mode InsecureAllowAll/);
    expect(() => build({ ...insecureAdmin, acceptKbsConfigFindingsInsecure: true })).not.toThrow();
    // The earlier spelling still works for one release, with a deprecation warning.
    const old = build({ ...insecureAdmin, allowInsecureConfigForDevelopment: true });
    expect(old.node.metadata.map((m) => m.data)).toContainEqual(expect.stringMatching(/^allowInsecureConfigForDevelopment is deprecated/));
  });

  test('fails when the configuration edit adds a key Trustee would ignore', () => {
    expect(() => build({ configure: (c: object) => ({ ...c, policy_engine: {} }) })).toThrow(
      /Trustee test\/t: configure.kbsConfig policy_engine: is not read by Trustee v0.21.0; the resource policy lives in the storage backend/,
    );
    expect(() => build({ configure: (c: object) => ({ ...c, policy_enigne: {} }) })).toThrow(
      /Trustee test\/t: configure.kbsConfig: has keys Trustee v0.21.0 does not read: policy_enigne/,
    );
  });

  test('fails when one resource is declared from two different sources', () => {
    const scope = emptyStack();
    const network = new PeerPodNetwork(scope, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    const t = new Trustee(scope, 't', trusteeProps(network));
    t.declareResource('a/b/c', ResourceSource.outOfBand());
    expect(() => t.declareResource('a/b/c', ResourceSource.kubernetesSecret('s', 'k'))).toThrow(
      /kbs:\/\/\/a\/b\/c is already declared from out of band/,
    );
  });

  test('synth fails when a workload needs a resource reserved for another one', () => {
    const stack = new TerraformStack(Testing.app(), 'x');
    const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    const t = new Trustee(stack, 't', trusteeProps(network));
    const km = new TestWorkload(stack, 'km', 'a'.repeat(64));
    const key = t.declareResource('enkrypt/key-manager/private-key', ResourceSource.outOfBand(), { exclusiveTo: km });
    expect(() => t.declareResource(key, ResourceSource.outOfBand(), { exclusiveTo: new TestWorkload(stack, 'other', 'c'.repeat(64)) })).toThrow(
      'Trustee x/t: resource: kbs:///enkrypt/key-manager/private-key is reserved ' +
        'for x/km (test/km); it cannot also be reserved for x/other (test/other)',
    );
    t.grantResources(km, key);
    expect(t.state.problems()).toEqual([]);
    t.grantResources(new TestWorkload(stack, 'inf', 'b'.repeat(64)), key);
    expect(t.state.problems()).toEqual([
      'x/inf (test/inf) needs kbs:///enkrypt/key-manager/private-key, which is reserved for ' +
        'x/km (test/km) (it would be released to both); give x/inf (test/inf) its own resource',
    ]);
    expect(() => Testing.synth(stack, true)).toThrow(/which is reserved for x\/km/);
  });

  test('fails when a grant names something that is not a confidential workload', () => {
    const stack = new TerraformStack(Testing.app(), 'x');
    const t = new Trustee(stack, 't', trusteeProps(new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' })));
    const lookAlike = { workloadName: 'ns/w', pcr8: 'a'.repeat(64), evidenceTypes: [], node: stack.node } as unknown as TestWorkload;
    expect(() => t.grantResources(lookAlike)).toThrow(
      'Trustee x/t: grantResources.workload: must be a ConfidentialWorkload (its PCR 8 is its identity)',
    );
  });

  test('grants add up: granting a workload again releases more resources to the same PCR 8', () => {
    const stack = new TerraformStack(Testing.app(), 'x');
    const t = new Trustee(stack, 't', trusteeProps(new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' })));
    const a = t.declareResource('app/key/a', ResourceSource.outOfBand());
    const b = t.declareResource('app/key/b', ResourceSource.outOfBand());
    const w = new TestWorkload(stack, 'w', 'a'.repeat(64));
    t.grantResources(w, a);
    t.grantResources(w, b, a);
    expect(t.state.registeredWorkloads).toEqual([expect.objectContaining({ name: 'x/w (test/w)', pcr8: 'a'.repeat(64), resources: [a, b] })]);
    expect(t.state.warnings()).toEqual([]);
  });

  test('warns at synth about a resource declared but bound to no workload', () => {
    let t: Trustee | undefined;
    synth((stack) => {
      t = new Trustee(stack, 't', trusteeProps(new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' })));
      const used = t.declareResource('a/b/used', ResourceSource.outOfBand());
      t.declareResource('a/b/forgotten', ResourceSource.outOfBand());
      t.grantResources(new TestWorkload(stack, 'w', 'a'.repeat(64)), used);
    });
    const warnings = t!.node.metadata.filter((m) => m.type === '@cdktf/warn').map((m) => m.data);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^in-cluster Trustee: the cluster admin this library defends against can exec into the KBS pod and read its HTTPS and token-signer keys/,
      ),
      'kbs:///a/b/forgotten is declared but no workload needs it, so the KBS releases it to no one; bind it to a workload or remove it',
    ]);
  });

  test('synth fails when a workload needs a resource no one declared', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'x');
    const network = new PeerPodNetwork(stack, 'n', { resourceGroupName: 'rg', location: 'westeurope' });
    const t = new Trustee(stack, 't', trusteeProps(network));
    t.grantResources(new TestWorkload(stack, 'km', 'a'.repeat(64), ['az-snp-vtpm']), ResourcePath.parse('enkrypt/key-manager/private-key'));
    expect(t.state.problems()).toEqual([
      expect.stringMatching(
        /^x\/km \(test\/km\) needs kbs:\/\/\/enkrypt\/key-manager\/private-key, which no one declared; declare it on the KBS with its source/,
      ),
      expect.stringMatching(/^x\/km \(test\/km\) runs on az-snp-vtpm pod VMs, but no trusted image has az-snp-vtpm measurements/),
    ]);
    expect(() => Testing.synth(stack, true)).toThrow(/which no one declared/);
  });

  test('synth fails when SNP images are trusted without a TCB floor, unless allowed insecurely with a warning', () => {
    const attempt = (override: object): Trustee => {
      let t: Trustee | undefined;
      synth((stack) => {
        const parts = clusterParts(stack);
        t = new Trustee(stack, 'floorless', { ...trusteeProps(parts.network), snpTcbFloor: undefined, ...override });
        t.trustImage(parts.image);
      });
      return t!;
    };
    expect(() => attempt({})).toThrow(/trusts az-snp-vtpm pod VM images but has no snpTcbFloor, so SNP hardware would never be affirming/);
    const t = attempt({ allowAnySnpTcbInsecure: true });
    expect(t.node.metadata.map((m) => m.data)).toContainEqual(
      expect.stringContaining('allowAnySnpTcbInsecure: SNP hosts with old, vulnerable firmware are affirming'),
    );
    expect(t.state.attestationPolicy()).not.toContain('reported_tcb');
  });
});
