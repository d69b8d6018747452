import { buildReferenceApp } from '../../examples/reference/app';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import { Initdata, parseKbsConfig } from '../../src';
import { ImageConfig, K8sPod, containerId, createContainer, podOfDeployment } from '../helpers/kata-runtime';
import { CONTAINER_TAMPERINGS } from '../attestation/fixtures/tamperings';
import { gunzipBase64, pcr8OfBytes } from '../helpers/external';
import { PolicyState, agentAllows, describeWithEngine, regoEval } from '../helpers/rego-engine';
import { INGRESS_FILTER, startPod, startedPodState } from '../helpers/pod-lifecycle';
import { describeNoSideDoors } from '../helpers/side-doors';
import { bindingTable, earToken, releasedTo, resourceRequest, snpInput, tdxInput } from '../helpers/trustee-claims';
import { Synthesized, resourceOf, resourcesOf, synthApp } from '../helpers/synth';

function synthReference(): Record<string, string> {
  delete process.env.CAI_STATE_STORAGE_ACCOUNT;
  return synthApp((app) => void buildReferenceApp(app));
}

describe('reference app', () => {
  const text = synthReference();
  const infra = JSON.parse(text.infra) as Synthesized;
  const cluster = JSON.parse(text.cluster) as Synthesized;
  const trust = JSON.parse(text.trust) as Synthesized;
  // The KBS state the trust stack's VM places into its storage, keyed as the in-cluster seed was:
  // `default_cpu.rego`, `resource-policy.rego` and `rv.<reference value>`.
  const state = JSON.parse(gunzipSync(Buffer.from(resourceOf(trust, 'azurerm_key_vault_secret', 'State').value as string, 'base64')).toString()) as {
    files: Record<string, string>;
  };
  const kbsFiles: Record<string, string> = Object.fromEntries(
    Object.entries(state.files).map(([path, content]) => [
      path.startsWith('reference_value/') ? `rv.${path.slice('reference_value/'.length)}` : path.slice(path.indexOf('/') + 1),
      content,
    ]),
  );

  test('infra stack matches the reviewed snapshot', () => {
    expect(infra).toMatchSnapshot();
  });

  test('cluster stack matches the reviewed snapshot', () => {
    expect(cluster).toMatchSnapshot();
  });

  test('trust stack matches the reviewed snapshot', () => {
    expect(trust).toMatchSnapshot();
  });

  test('synthesizes exactly the three stacks, byte-identical twice', () => {
    expect(Object.keys(text)).toEqual(['cluster', 'infra', 'trust']);
    expect(synthReference()).toEqual(text);
  });

  describe('infra', () => {
    test('has a V2 confidential image definition', () => {
      expect(resourceOf(infra, 'azurerm_shared_image')).toMatchObject({
        hyper_v_generation: 'V2',
        confidential_vm_supported: true,
        os_type: 'Linux',
      });
    });

    test('has an AKS cluster with OIDC, workload identity and the worker label', () => {
      expect(resourceOf(infra, 'azurerm_kubernetes_cluster')).toMatchObject({
        oidc_issuer_enabled: true,
        workload_identity_enabled: true,
        default_node_pool: expect.objectContaining({ node_labels: { 'node.kubernetes.io/worker': '' } }),
      });
    });

    test('has the two federated credentials, the least-privilege roles and the pod-VM NSG rules', () => {
      expect(Object.keys(resourcesOf(infra, 'azurerm_federated_identity_credential'))).toHaveLength(2);
      const assignments = Object.keys(resourcesOf(infra, 'azurerm_role_assignment'));
      for (const part of ['VmContributorOnPodVmResourceGroup', 'AttachPodVmSubnet', 'AttachPodVmNsg', 'VmSizesReaderOnSubscription']) {
        expect(assignments.some((id) => id.includes(part))).toBe(true);
      }
      const ports = Object.values(resourcesOf(infra, 'azurerm_network_security_rule'))
        .filter((r) => r.access === 'Allow')
        .map((r) => `${r.destination_port_range}/${String(r.protocol).toLowerCase()}`);
      expect(ports).toEqual(['15150/tcp', '4789/udp']);
    });

    test('takes subscription, admin group and image blob as variables, not hard-coded values', () => {
      const vars = (infra as { variable?: Record<string, unknown> }).variable ?? {};
      expect(Object.keys(vars).sort()).toEqual([
        'admin_group_object_id',
        'pod_vm_image_storage_account_id',
        'pod_vm_image_vhd_uri',
        'subscription_id',
      ]);
    });
  });

  describe('trust', () => {
    test('runs the KBS on two confidential VMs in zones 1 and 2 behind an internal load balancer at its URL, no public IP', () => {
      const vms = Object.values(resourcesOf(trust, 'azurerm_linux_virtual_machine'));
      expect(vms.map((v) => v.zone).sort()).toEqual(['1', '2']);
      for (const vm of vms) {
        expect(vm).toMatchObject({
          size: 'Standard_DC2as_v5',
          vtpm_enabled: true,
          secure_boot_enabled: true,
          os_disk: { security_encryption_type: 'DiskWithVMGuestState' },
        });
      }
      expect(new Set(vms.map((v) => v.custom_data)).size).toBe(1);
      expect(resourceOf(trust, 'azurerm_lb').frontend_ip_configuration).toEqual([
        expect.objectContaining({ private_ip_address: '10.250.0.10', private_ip_address_allocation: 'Static' }),
      ]);
      const nics = Object.values(resourcesOf(trust, 'azurerm_network_interface'));
      expect(nics.map((n) => (n.ip_configuration as Array<{ private_ip_address: string }>)[0].private_ip_address).sort()).toEqual([
        '10.250.0.11',
        '10.250.0.12',
      ]);
      for (const nic of nics) expect(nic.ip_configuration).not.toHaveProperty('0.public_ip_address_id');
      expect(resourceOf(trust, 'azurerm_lb_rule')).toMatchObject({ load_distribution: 'SourceIP' });
      const cloudConfig = Buffer.from(vms[0].custom_data as string, 'base64').toString();
      expect(cloudConfig).toMatch(/key-broker-service:built-in-as-v0\.21\.0@sha256:[0-9a-f]{64} \/usr\/local\/bin\/kbs/);
      const toml = (
        JSON.parse(cloudConfig.slice(cloudConfig.indexOf('\n') + 1)) as { write_files: Array<{ path: string; content: string }> }
      ).write_files.find((f) => f.path === '/etc/kbs/kbs-config.toml')!.content;
      const parsed = parseKbsConfig(toml);
      expect(parsed.admin).toEqual({ authorization_mode: 'DenyAll' });
      expect(parsed.http_server.insecure_http).toBe(false);
      expect(parsed.attestation_token?.insecure_header_jwk).toBe(false);
    });

    test('peers its VNet with the cluster VNet (each stack its half, in its subscription), and admits only the pod-VM subnet', () => {
      expect(Object.values(resourcesOf(trust, 'azurerm_virtual_network_peering')).map((p) => p.name)).toEqual(['trust-to-cluster']);
      expect(resourceOf(cluster, 'azurerm_virtual_network_peering')).toMatchObject({
        name: 'cluster-to-trust',
        resource_group_name: 'confidential-ai',
        remote_virtual_network_id: expect.stringContaining('azurerm_virtual_networkVnet'),
      });
      const allowed = Object.values(resourcesOf(trust, 'azurerm_network_security_rule'))
        .filter((r) => r.access === 'Allow')
        .map((r) => r.source_address_prefixes ?? r.source_address_prefix);
      // The pod-VM subnet, and the load balancer's health probe.
      expect(allowed).toEqual(['AzureLoadBalancer', ['10.225.0.0/16']]);
    });

    test("takes the model owner's subscription, SSH key and addresses as variables, and outputs how to upload the key material", () => {
      expect(Object.keys((trust as { variable?: Record<string, unknown> }).variable ?? {}).sort()).toEqual([
        'kbs_admin_ssh_public_key',
        'model_owner_ip_ranges',
        'trust_subscription_id',
      ]);
      // Its own subscription, not the cluster's subscription_id (baseline rule CAI-KBS-9).
      const azurerm = (stack: Synthesized) => (stack as { provider: { azurerm: Array<{ subscription_id: string }> } }).provider.azurerm;
      expect(azurerm(trust)).toEqual([expect.objectContaining({ subscription_id: '${var.trust_subscription_id}' })]);
      expect(azurerm(infra)).toEqual([expect.objectContaining({ subscription_id: '${var.subscription_id}' })]);
      expect(azurerm(cluster)).toEqual([expect.objectContaining({ subscription_id: '${var.subscription_id}' })]);
      const outputs = (trust as { output: Record<string, { value: string }> }).output;
      expect(outputs.kbs_url.value).toBe('https://10.250.0.10:8080');
      expect(outputs.upload_kbs_key_material.value).toContain('--name kbs-https-key --file examples/reference/.secrets/kbs-https.key');
    });
  });

  describe('cluster', () => {
    test('configures kubernetes and helm from the AKS data source with kubelogin', () => {
      const providers = (cluster as { provider: Record<string, Array<Record<string, unknown>>> }).provider;
      expect(providers.kubernetes[0]).toMatchObject({
        host: expect.stringContaining('data.azurerm_kubernetes_cluster.Aks'),
        exec: [expect.objectContaining({ command: 'kubelogin' })],
      });
      expect(providers.helm[0].kubernetes).toMatchObject({ exec: expect.objectContaining({ command: 'kubelogin' }) });
    });

    test('installs cert-manager, then the peerpods chart wired to the pool identity from the infra state', () => {
      const releases = resourcesOf(cluster, 'helm_release');
      const peerpods = Object.entries(releases).find(([id]) => id.startsWith('PeerPods_') && !id.includes('CertManager'))![1];
      expect(peerpods.depends_on).toEqual(expect.arrayContaining([expect.stringContaining('helm_release.PeerPods_CertManager')]));
      expect(String((peerpods.values as string[])[0])).toContain('cross-stack-output-azurerm_user_assigned_identityPool');
      expect(resourceOf(cluster, 'kubernetes_secret_v1').data).toEqual({
        AZURE_CLIENT_ID: expect.stringContaining('client_id'),
        AZURE_TENANT_ID: expect.stringContaining('tenant_id'),
      });
    });

    test("runs no KBS in the cluster: the workloads attest to the trust stack's confidential VM", () => {
      expect(Object.keys(resourcesOf(cluster, 'kubernetes_deployment_v1')).filter((id) => /trustee|kbs/i.test(id))).toEqual([]);
      const initdata = Object.values(resourcesOf(cluster, 'kubernetes_deployment_v1')).map((d) =>
        gunzipBase64(podOfDeployment(d).annotations['io.katacontainers.config.hypervisor.cc_init_data']),
      );
      const ca = readFileSync(join(__dirname, '../../examples/reference/pki/example/kbs-ca.pem'), 'utf8');
      for (const toml of initdata) {
        const aa = parseToml(Initdata.fromToml(toml.toString('utf8')).aaToml) as { token_configs: { kbs: { url: string; cert: string } } };
        expect(aa.token_configs.kbs).toEqual({ url: 'https://10.250.0.10:8080', cert: ca });
      }
    });

    describeNoSideDoors(() => cluster, ['key-manager', 'inference']);

    test("outputs the commands that set the keys out of band into the KBS VM's Key Vault (its admin API is off)", () => {
      const outputs = (cluster as { output: Record<string, { value: string }> }).output;
      const set = (secret: string, file: string) =>
        `az keyvault secret set --vault-name cai-trust-kbs-example --name ${secret} --file ${file} --encoding base64 --output none`;
      expect(outputs.set_model_owner_key.value).toBe(set('res-enkrypt--key-hmanager--private-hkey', 'model-owner-private-key.pem'));
      expect(outputs.set_model_decryption_key.value).toBe(set('res-enkrypt--model--decryption-hkey', 'model-decryption-key.bin'));
      expect(outputs.set_registry_credentials.value).toBe(set('res-enkrypt--registry--credentials', 'registry-auth.json'));
      expect(outputs.set_key_manager_tls_key.value).toBe(set('res-workload-htls--key-hmanager--tls-hkey', 'key-manager.key'));
      expect(outputs.set_inference_tls_key.value).toBe(set('res-workload-htls--inference--tls-hkey', 'inference.key'));
      // The vault name is a literal: the cluster stack takes no Terraform reference into the trust stack for it.
      expect(JSON.stringify(outputs)).not.toContain('${');
    });

    describeWithEngine('the trust chain, as the KBS decides (engine)', () => {
      test('closes the trust chain: every confidential pod PCR 8 is a reference value and gates exactly its resources', () => {
        const seed = kbsFiles;
        const pcr8s = (JSON.parse(seed['rv.initdata.pcr08']) as { value: string[] }).value;
        const pods = Object.values(resourcesOf(cluster, 'kubernetes_deployment_v1')).filter(
          (d) => (d.spec as { template: { spec: { runtime_class_name?: string } } }).template.spec.runtime_class_name === 'kata-remote',
        );
        expect(pods).toHaveLength(2);
        const policy = seed['resource-policy.rego'];
        const bindings = bindingTable(policy);
        for (const pod of pods) {
          const annotation = (pod.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations[
            'io.katacontainers.config.hypervisor.cc_init_data'
          ];
          const pcr8 = Initdata.fromToml(gunzipSync(Buffer.from(annotation, 'base64')).toString('utf8')).azureVtpmPcr8;
          expect(pcr8s).toContain(pcr8);
          // Its own key, its own TLS key, and the registry credentials its pod VM pulls the images with.
          const granted = Object.entries(bindings)
            .filter(([, list]) => list.includes(pcr8))
            .map(([path]) => path);
          expect(granted).toHaveLength(3);
          expect(granted).toContain('enkrypt/registry/credentials');
          const name = (pod.metadata as { name: string }).name;
          expect(granted).toContain(`workload-tls/${name}/tls-key`);
          expect(bindings[`workload-tls/${name}/tls-key`]).toEqual([pcr8]);
          // And the KBS, deciding on a token with this PCR 8, releases exactly those.
          expect(releasedTo(policy, pcr8, Object.keys(bindings)).sort()).toEqual([...granted].sort());
        }
      });
    });

    describeWithEngine("each workload's agent policy, taken from its pod annotation and evaluated as the kata agent does", () => {
      const deployments = Object.values(resourcesOf(cluster, 'kubernetes_deployment_v1')).filter(
        (d) => (d.metadata as { namespace: string }).namespace === 'confidential-ai',
      );
      const pods = deployments.map(podOfDeployment);
      const policyOf = (pod: K8sPod): string => {
        const toml = gunzipSync(Buffer.from(pod.annotations['io.katacontainers.config.hypervisor.cc_init_data'], 'base64')).toString('utf8');
        return Initdata.fromToml(toml).agentPolicy;
      };
      // What containerd reads from each image: the committed example config, parsed here without the library.
      const imageConfig = (image: string): ImageConfig => {
        const repo = image.split('@')[0].split('/').pop()!.split(':')[0];
        const name = ({ ghostunnel: 'tls-proxy', 'distroless-iptables': 'ingress-filter' } as Record<string, string>)[repo] ?? repo;
        return (JSON.parse(readFileSync(join(__dirname, '../../examples/reference/images', name, 'config.json'), 'utf8')) as { config: ImageConfig })
          .config;
      };

      test.each(pods.map((p) => [p.name, p] as const))(
        '%s starts: sandbox, pause, the ingress filter first, file copies and every container are admitted, in order',
        (_name, pod) => {
          expect(pod.initContainers[0].name).toBe(INGRESS_FILTER);
          const { steps } = startPod(policyOf(pod), pod, imageConfig);
          expect(steps.filter((s) => !s.allowed)).toEqual([]);
          expect(steps.filter((s) => s.request === 'CreateContainerRequest').map((s) => s.container)).toEqual([
            'pause',
            ...[...pod.initContainers, ...pod.containers].map((c) => c.name),
          ]);
        },
      );

      // Every tampering that changes the container's request (a container without a *_URL variable has none to alter).
      const changes = (pod: K8sPod, c: K8sPod['containers'][number], tamper: (r: never) => void): boolean => {
        const request = createContainer(pod, c.name, imageConfig(c.image));
        const before = JSON.stringify(request);
        try {
          tamper(request as never);
        } catch {
          return false; // it edits a part this container does not have (the ingress filter mounts no volume)
        }
        return JSON.stringify(request) !== before;
      };
      // The library's own containers (ingress filter, key fetcher, proxies) are the same in both pods: tampered in the first.
      const seen = new Set<string>();
      const firstOfName = (c: { name: string }): boolean => !seen.has(c.name) && seen.add(c.name) !== undefined;
      const cases = pods.flatMap((pod) =>
        [...pod.initContainers, ...pod.containers]
          .filter(firstOfName)
          .flatMap((c) =>
            CONTAINER_TAMPERINGS.filter(([, tamper]) => changes(pod, c, tamper)).map(
              ([what, tamper]) => [`${pod.name.split('-7c')[0]}/${c.name}`, what, pod, c, tamper] as const,
            ),
          ),
      );
      // Each request is decided in the state the pod is in when the runtime creates that container (the start test
      // above shows the untampered request is admitted in that state).
      const statesBefore = new Map<K8sPod, ReadonlyMap<string, PolicyState>>();
      const stateBefore = (pod: K8sPod, container: string): PolicyState => {
        if (!statesBefore.has(pod)) statesBefore.set(pod, startPod(policyOf(pod), pod, imageConfig).before);
        return statesBefore.get(pod)!.get(container)!;
      };
      test.each(cases)('%s denies a container with %s', (_container, _what, pod, c, tamper) => {
        const request = createContainer(pod, c.name, imageConfig(c.image));
        tamper(request);
        expect(agentAllows(policyOf(pod), 'CreateContainerRequest', request, stateBefore(pod, c.name))).toBe(false);
      });

      test("neither admits the other's containers, and neither admits exec", () => {
        expect(pods).toHaveLength(2);
        const [a, b] = pods;
        for (const [policyPod, other] of [
          [a, b],
          [b, a],
        ]) {
          const started = startedPodState(policyOf(policyPod), policyPod, imageConfig);
          for (const c of other.containers) {
            const request = createContainer(other, c.name, imageConfig(c.image));
            expect(agentAllows(policyOf(policyPod), 'CreateContainerRequest', request, started)).toBe(false);
          }
          expect(
            agentAllows(policyOf(policyPod), 'ExecProcessRequest', {
              container_id: containerId(policyPod, policyPod.containers[0].name),
              exec_id: 'e',
              process: { Args: ['sh'] },
            }),
          ).toBe(false);
        }
      });
    });

    describeWithEngine("the Trustee VM's policies, evaluated as Trustee v0.21.0 does", () => {
      const seed = kbsFiles;
      // What the RVPS serves: the value of every seeded record.
      const served = Object.fromEntries(
        Object.entries(seed)
          .filter(([k]) => k.startsWith('rv.'))
          .map(([k, v]) => [k.slice(3), (JSON.parse(v) as { value: unknown }).value]),
      );
      const measured = (tee: string): Record<number, string> => {
        const bank = (
          JSON.parse(readFileSync(join(__dirname, `../../examples/reference/podvm/measurements-${tee}.example.json`), 'utf8')) as {
            measurements: { sha256: Record<string, string> };
          }
        ).measurements.sha256;
        return Object.fromEntries(Object.entries(bank).map(([name, hex]) => [Number(name.slice(3)), hex]));
      };
      // PCR 8 of each workload from its pod annotation, computed with sha256sum.
      const pcr8 = (name: string): string => {
        const deployment = Object.values(resourcesOf(cluster, 'kubernetes_deployment_v1')).find(
          (d) => (d.metadata as { name: string }).name === name,
        )!;
        return pcr8OfBytes(gunzipBase64(podOfDeployment(deployment).annotations['io.katacontainers.config.hypervisor.cc_init_data']));
      };
      const token = (input: Record<string, unknown>): unknown => {
        const trust = regoEval(seed['default_cpu.rego'], input, ['data.policy.trust_claims'], { referenceValues: served }) as Record<string, number>;
        return earToken({ cpu0: { vector: trust, evidence: input } });
      };
      const allows = (t: unknown, path: string): boolean =>
        regoEval(seed['resource-policy.rego'], t, ['data.policy.allow'], { data: resourceRequest(path) }) === true;

      test.each([
        ['key-manager', 'enkrypt/key-manager/private-key', 'enkrypt/model/decryption-key'],
        ['inference', 'enkrypt/model/decryption-key', 'enkrypt/key-manager/private-key'],
      ])('%s on SNP and on TDX gets its own key and the registry credentials, never the other key', (name, own, other) => {
        for (const input of [snpInput({ pcrs: { ...measured('snp'), 8: pcr8(name) } }), tdxInput({ pcrs: { ...measured('tdx'), 8: pcr8(name) } })]) {
          const t = token(input);
          expect([allows(t, own), allows(t, 'enkrypt/registry/credentials'), allows(t, other)]).toEqual([true, true, false]);
        }
      });

      test('a pod VM with debug on, an unknown initdata or another image gets nothing', () => {
        const km = pcr8('key-manager');
        for (const input of [
          snpInput({ pcrs: { ...measured('snp'), 8: km }, debug: true }),
          snpInput({ pcrs: { ...measured('snp'), 8: pcr8OfBytes('other initdata') } }),
          snpInput({ pcrs: { ...measured('snp'), 11: 'ab'.repeat(32), 8: km } }),
          snpInput({ pcrs: { ...measured('snp'), 8: km }, tcb: { microcode: '200' } }),
        ]) {
          expect(allows(token(input), 'enkrypt/key-manager/private-key')).toBe(false);
        }
      });
    });

    test('holds no private key material', () => {
      expect(text.cluster).not.toMatch(/PRIVATE KEY/);
      expect(text.infra).not.toMatch(/PRIVATE KEY/);
      expect(text.trust).not.toMatch(/PRIVATE KEY/);
    });
  });
});
