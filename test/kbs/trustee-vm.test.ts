import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Testing, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';
import {
  ConfidentialVmPool,
  ConfidentialVmSize,
  KeyManager,
  PeerPodNetwork,
  PeerPodsRuntime,
  ResourceSource,
  SecurityBaseline,
  TrusteeVm,
  TrusteeVmProps,
  collectAnnotations,
  parseKbsConfig,
} from '../../src';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { KBS_SYNC_SCRIPT, TrusteeVmStateDocument } from '../../src/kbs/trustee-vm-boot';
import { pinned } from '../attestation/fixtures/values';
import { baseInfra } from '../azure/fixtures';
import { Synthesized, emptyStack, resourceOf, resourcesOf, synth } from '../helpers/synth';
import { findings } from '../helpers/baseline';
import { KBS_IMAGE, PUBLIC_MATERIAL, tlsOf } from '../kubernetes/fixtures';
import { vmProps } from './fixtures';
import { TestWorkload } from '../helpers/workload-identity';

/** A cluster whose key manager attests to a Trustee VM. */
function deployment(scope: Construct, keyManagerImage = pinned('key-manager')): TrusteeVm {
  const infra = baseInfra(scope);
  const pool = new ConfidentialVmPool(scope, 'pool', {
    location: 'westeurope',
    podVmResourceGroupName: 'podvms',
    ...infra,
    instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5],
  });
  const runtime = new PeerPodsRuntime(scope, 'runtime', { pool });
  const kbs = new TrusteeVm(scope, 'Kbs', vmProps(infra.network));
  kbs.trustImage(infra.image);
  new KeyManager(scope, 'km', { runtime, kbs, image: keyManagerImage, command: ['/app/server'], runAsUser: 1000, ...tlsOf('key-manager') });
  return kbs;
}

const cloudConfigOf = (json: Synthesized): string =>
  Buffer.from(resourceOf(json, 'azurerm_linux_virtual_machine').custom_data as string, 'base64').toString('utf8');
const stateOf = (json: Synthesized): TrusteeVmStateDocument =>
  JSON.parse(gunzipSync(Buffer.from(resourceOf(json, 'azurerm_key_vault_secret', 'State').value as string, 'base64')).toString());

describe('TrusteeVm', () => {
  let kbs: TrusteeVm | undefined;
  const json = synth((stack) => {
    kbs = deployment(stack);
  });
  const vm = resourceOf(json, 'azurerm_linux_virtual_machine');

  test('is a confidential VM: SNP size, guest state and OS disk encrypted by the TEE, secure boot, vTPM', () => {
    expect(vm).toMatchObject({
      size: 'Standard_DC2as_v5',
      vtpm_enabled: true,
      secure_boot_enabled: true,
      os_disk: { security_encryption_type: 'DiskWithVMGuestState' },
      source_image_reference: { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'cvm', version: '24.04.202510010' },
      disable_password_authentication: true,
      identity: { type: 'UserAssigned' },
    });
  });

  test('takes no commands from the Azure control plane: no extensions, no VM agent, no boot diagnostics (serial console)', () => {
    expect(vm).toMatchObject({ allow_extension_operations: false, provision_vm_agent: false });
    expect(vm).not.toHaveProperty('boot_diagnostics');
    const doc = JSON.parse(cloudConfigOf(json).slice('#cloud-config\n'.length)) as { bootcmd: string[][] };
    // The image still ships the Azure Linux agent: masked (and stopped) before anything else runs, on every boot.
    expect(doc.bootcmd).toEqual([['systemctl', '--no-block', 'mask', '--now', 'walinuxagent.service']]);
  });

  test('has no public IP, and its NSG admits the KBS port from the pod-VM subnet only (no admin rule)', () => {
    // The only public IP is the pod-VM subnet's NAT gateway; nothing of the KBS has one.
    expect(Object.keys(resourcesOf(json, 'azurerm_public_ip'))).toEqual([expect.stringMatching(/^network_NatPublicIp_/)]);
    expect(resourceOf(json, 'azurerm_network_interface').ip_configuration).not.toHaveProperty('0.public_ip_address_id');
    expect(resourceOf(json, 'azurerm_network_interface').ip_configuration).toEqual([
      { name: 'kbs', subnet_id: expect.stringContaining('/subnets/kbs'), private_ip_address_allocation: 'Static', private_ip_address: '10.250.0.10' },
    ]);
    const rules = Object.values(resourcesOf(json, 'azurerm_network_security_rule')).filter((r) =>
      String(r.network_security_group_name).includes('Kbs_Nsg'),
    );
    expect(
      rules.map((r) => [r.priority, r.access, r.source_address_prefixes, r.destination_port_range]).sort((a, b) => Number(a[0]) - Number(b[0])),
    ).toEqual([
      [100, 'Allow', ['10.225.0.0/16'], '8080'],
      [4000, 'Deny', ['0.0.0.0/0'], '*'],
    ]);
  });

  test('reads its keys from a Key Vault with RBAC, purge protection and a firewall, with a read-only identity', () => {
    expect(resourceOf(json, 'azurerm_key_vault')).toMatchObject({
      name: 'owner-kbs-kv',
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      network_acls: {
        default_action: 'Deny',
        bypass: 'None',
        ip_rules: ['203.0.113.7'],
        virtual_network_subnet_ids: [expect.stringContaining('/subnets/kbs')],
      },
    });
    expect(resourceOf(json, 'azurerm_role_assignment', 'VmReadsSecrets')).toMatchObject({
      role_definition_name: 'Key Vault Secrets User',
      principal_id: expect.stringContaining('Kbs_Identity'),
    });
    expect(kbs!.uploadKeyMaterialCommands('.secrets').map((c) => c.replace(/--vault-name \S+/, '--vault-name V'))).toEqual([
      'az keyvault secret set --vault-name V --name kbs-https-key --file .secrets/kbs-https.key --output none',
      'az keyvault secret set --vault-name V --name kbs-https-cert --file .secrets/kbs-https.crt --output none',
      'az keyvault secret set --vault-name V --name kbs-token-signer-key --file .secrets/token-signer.key --output none',
      'az keyvault secret set --vault-name V --name kbs-token-signer-chain --file .secrets/token-signer-chain.pem --output none',
    ]);
  });

  test('its custom data holds public configuration only: the secure kbs-config.toml, the pinned image, no private key', () => {
    const config = cloudConfigOf(json);
    expect(config.startsWith('#cloud-config\n')).toBe(true);
    const doc = JSON.parse(config.slice('#cloud-config\n'.length)) as { write_files: Array<{ path: string; content: string }>; runcmd: string[][] };
    const file = (path: string) => doc.write_files.find((f) => f.path === path)!.content;
    expect(parseKbsConfig(file('/etc/kbs/kbs-config.toml'))).toEqual(kbs!.kbsConfig);
    expect(kbs!.kbsConfig.http_server).toMatchObject({ sockets: ['0.0.0.0:8080'], insecure_http: false, private_key: '/run/kbs/https.key' });
    expect(doc.write_files.map((f) => f.path)).toEqual([
      '/etc/kbs/kbs-config.toml',
      '/etc/kbs/token-signer-ca.pem',
      '/etc/kbs/sync.env',
      '/usr/local/sbin/kbs-sync',
      '/etc/systemd/system/kbs.service',
      '/etc/systemd/system/kbs-sync.service',
      '/etc/systemd/system/kbs-sync.timer',
      '/etc/kbs/audit.env',
      '/usr/local/sbin/kbs-audit-ship',
      '/etc/systemd/system/kbs-audit-ship.service',
      '/etc/systemd/system/kbs-audit-ship.timer',
    ]);
    // Releases (200) and refusals (401, PolicyDeny) at info, each attestation's claims at debug (kbs-audit-ship keeps them).
    expect(file('/etc/systemd/system/kbs.service')).toContain(
      `/usr/bin/docker run --rm --name kbs --network host -e RUST_LOG=info,attestation_service=debug`,
    );
    expect(file('/etc/kbs/audit.env')).toBe('AUDIT_ACCOUNT=ownerkbskvaudit\nAUDIT_CONTAINER=kbs-audit\nAUDIT_CURSOR=/var/lib/kbs/audit.cursor\n');
    expect(file('/etc/systemd/system/kbs.service')).toContain(`${KBS_IMAGE} /usr/local/bin/kbs --config-file /etc/kbs/kbs-config.toml`);
    expect(file('/etc/kbs/sync.env')).toBe('VAULT_NAME=owner-kbs-kv\nSTORAGE_DIR=/var/lib/kbs/storage\nSECRETS_DIR=/run/kbs\n');
    expect(file('/usr/local/sbin/kbs-sync')).toBe(KBS_SYNC_SCRIPT);
    expect(JSON.stringify(json)).not.toMatch(/PRIVATE KEY/);
    expect(config).not.toMatch(/PRIVATE KEY/);
  });

  test('its admin API is off: the kbs-config.toml it boots with, parsed back, says DenyAll and names no admin key', () => {
    const doc = JSON.parse(cloudConfigOf(json).slice('#cloud-config\n'.length)) as { write_files: Array<{ path: string; content: string }> };
    const toml = doc.write_files.find((f) => f.path === '/etc/kbs/kbs-config.toml')!.content;
    expect(toml).toMatch(/^\[admin\]\nauthorization_mode = "DenyAll"\n/m);
    expect(parseKbsConfig(toml).admin).toEqual({ authorization_mode: 'DenyAll' });
    expect(toml).not.toMatch(/public_key_uri|identity_providers|admin-public/);
    expect(cloudConfigOf(json)).not.toContain('PUBLIC KEY');
  });

  test('GIVEN the deprecated admin props WHEN synthesized THEN each is ignored with a warning, and the plan is unchanged', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const { network } = baseInfra(stack);
    const old = new TrusteeVm(stack, 'Kbs', {
      ...vmProps(network),
      adminPublicKeyPem: PUBLIC_MATERIAL.adminPublicKey,
      adminSourceRanges: ['10.251.0.0/24'],
    });
    Testing.synth(stack);
    expect(collectAnnotations(old).map((a) => `${a.level} ${a.message}`)).toEqual(
      ['adminPublicKeyPem', 'adminSourceRanges'].map(
        (prop) =>
          `warning ${prop} is deprecated and ignored: the Trustee VM's admin API is off (authorization_mode = "DenyAll"); ` +
          'its policies, reference values and resources come from its Key Vault (setResourceCommand); remove the prop',
      ),
    );
    expect(old.kbsConfigToml).toBe(kbs!.kbsConfigToml);
    expect(old.node.findAll().filter((c) => c instanceof NetworkSecurityRule)).toHaveLength(2);
  });

  test('fails when a deprecated admin prop is malformed: a private key is refused even where it would be ignored', () => {
    const scope = emptyStack();
    const { network } = baseInfra(scope);
    expect(
      () => new TrusteeVm(scope, 'Kbs', { ...vmProps(network), adminPublicKeyPem: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n' }),
    ).toThrow(/TrusteeVm test\/Kbs: adminPublicKeyPem: holds a PEM private key \(PRIVATE KEY\)/);
  });

  test('the state secret carries the policies and reference values of the same derivation as every placement', () => {
    const state = stateOf(json);
    expect(state.files['attestation_service_policy/default_cpu.rego']).toBe(kbs!.state.attestationPolicy());
    expect(state.files['kbs/resource-policy.rego']).toBe(kbs!.state.resourcePolicy());
    expect(JSON.parse(state.files['reference_value/initdata.pcr08']).value).toEqual(kbs!.state.registeredWorkloads.map((w) => w.pcr8));
    expect(state.owned_dirs).toEqual(['reference_value', 'repository']);
  });

  test("GIVEN a workload's image changes WHEN synthesized again THEN the state secret changes and the VM does not (no replacement)", () => {
    const other = synth((stack) => {
      deployment(stack, pinned('key-manager-2'));
    });
    expect(resourceOf(other, 'azurerm_linux_virtual_machine')).toEqual(vm);
    expect(resourceOf(other, 'azurerm_key_vault_secret', 'State').value).not.toEqual(resourceOf(json, 'azurerm_key_vault_secret', 'State').value);
    expect(stateOf(other).files['kbs/resource-policy.rego']).not.toEqual(stateOf(json).files['kbs/resource-policy.rego']);
  });

  test('passes the security baseline', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    deployment(stack);
    expect(findings(stack).errors.filter((e) => e.split(' ')[1].startsWith('s/Kbs'))).toEqual([]);
  });

  test('fails the security baseline (CAI-CVM-6) when an escape hatch allows extension operations again', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    deployment(stack).vm.addOverride('allow_extension_operations', true);
    const baseline = new SecurityBaseline();
    for (const c of stack.node.findAll()) baseline.visit(c);
    const errors = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === '@cdktf/error').map((m) => `${c.node.path}: ${String(m.data)}`));
    expect(errors.filter((e) => e.startsWith('s/Kbs'))).toEqual([
      expect.stringMatching(/^s\/Kbs\/Vm: CAI-CVM-6 .*\(extension operations are allowed\)/),
    ]);
  });
});

describe('TrusteeVm validation', () => {
  function build(override: Partial<TrusteeVmProps>): TrusteeVm {
    const scope = emptyStack();
    const { network } = baseInfra(scope);
    return new TrusteeVm(scope, 'Kbs', { ...vmProps(network), ...override });
  }

  test.each<[Partial<TrusteeVmProps>, RegExp]>([
    [{ staticIp: '10.250.0.2' }, /TrusteeVm test\/Kbs: staticIp: 10.250.0.2 is not a usable address of 10.250.0.0\/26/],
    [{ subnetCidr: '10.230.0.0/26', staticIp: '10.230.0.10' }, /subnetCidr: 10.230.0.0\/26 overlaps the cluster's VNet 10.224.0.0\/12/],
    [{ size: ConfidentialVmSize.nonConfidentialInsecure('Standard_D2s_v5') }, /size: Standard_D2s_v5 is not a confidential size/],
    [{ image: 'ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0' }, /image: must pin the Trustee image by digest/],
    [{ adminSourceRanges: ['the VPN'] }, /adminSourceRanges\[0\]: must be an IPv4 address or CIDR \(an admin source\)/],
    [{ keyVaultName: 'kv' }, /keyVaultName: must be a Key Vault name: 3-24 letters/],
    [{ adminSshPublicKey: 'password' }, /adminSshPublicKey: must be an OpenSSH public key/],
    [{ subnetCidr: '${TfToken[TOKEN.1]}' }, /subnetCidr: must be the literal IPv4 CIDR of the subnet/],
    [
      { keyVaultAllowedIpRanges: ['my laptop'] },
      /keyVaultAllowedIpRanges\[0\]: must be an IPv4 address or CIDR \(a public address Terraform and key uploads come from\)/,
    ],
  ])('fails on %p', (override, message) => {
    expect(() => build(override)).toThrow(message);
  });

  const imageFix =
    'must pin a version of the Canonical ubuntu-24_04-lts cvm image, e.g. "24.04.202510010", not "latest" (a redeploy would boot ' +
    'whatever image is newest then); list the versions with `az vm image list --publisher Canonical --offer ubuntu-24_04-lts --sku cvm --all`';

  test.each(['latest', '24.04', '24.04.202510010-beta', ' 24.04.202510010'])(
    'fails when osImageVersion is %p, naming path, field, value and fix',
    (version) => {
      expect(() => build({ osImageVersion: version })).toThrow(`TrusteeVm test/Kbs: osImageVersion: ${imageFix} (got ${JSON.stringify(version)})`);
    },
  );

  test('fails when osImageVersion is missing, or a token only apply knows', () => {
    expect(() => build({ osImageVersion: undefined })).toThrow(`TrusteeVm test/Kbs: osImageVersion: is required; it ${imageFix}`);
    expect(() => build({ osImageVersion: '${TfToken[TOKEN.1]}' })).toThrow(
      `TrusteeVm test/Kbs: osImageVersion: must be known at synth time: it ${imageFix}`,
    );
  });

  test('fails on an imported pod-VM network without its CIDR', () => {
    const scope = emptyStack();
    const { network } = baseInfra(scope);
    const podVmNetwork = PeerPodNetwork.fromPeerPodNetworkAttributes(scope, 'Existing', { vnetId: 'v', nodeSubnetId: 'n', podVmSubnetId: 'p' });
    // @ts-expect-error an import without podVmSubnetCidr is no IPeerPodNetworkWithSubnetCidr: the types refuse it too
    expect(() => new TrusteeVm(scope, 'Kbs', { ...vmProps(network), podVmNetwork })).toThrow(
      /TrusteeVm test\/Kbs: podVmNetwork: must give podVmSubnetCidr/,
    );
  });

  test('synth fails when the state outgrows a Key Vault secret (25 KB compressed)', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const { network } = baseInfra(stack);
    const kbs = new TrusteeVm(stack, 'Kbs', vmProps(network));
    // Random PCR 8 values do not compress: 600 workloads with a resource each.
    for (let i = 0; i < 600; i++) {
      const key = kbs.declareResource(`apps/w${i}/key`, ResourceSource.outOfBand());
      kbs.grantResources(new TestWorkload(stack, `w${i}`, createHash('sha256').update(`w${i}`).digest('hex')), key);
    }
    expect(kbs.node.validate()).toEqual([
      expect.stringMatching(
        /^the KBS state is \d+ bytes once compressed, more than a Key Vault secret holds \(25600\); split the workloads over two KBSs$/,
      ),
    ]);
  });

  test('synth fails on a resource the VM cannot read, or stored under a name the VM keeps for itself', () => {
    const stack = new TerraformStack(Testing.app(), 's');
    const { network } = baseInfra(stack);
    const kbs = new TrusteeVm(stack, 'Kbs', vmProps(network));
    const a = kbs.declareResource('a/b/secret', ResourceSource.kubernetesSecret('s', 'k'));
    const b = kbs.declareResource('a/b/state', ResourceSource.azureKeyVault('kbs-state'));
    kbs.grantResources(new TestWorkload(stack, 'w', 'a'.repeat(64)), a, b);
    expect(kbs.node.validate()).toEqual([
      'kbs:///a/b/secret comes from Kubernetes Secret s[k], which a TrusteeVm cannot ' +
        'read; use ResourceSource.outOfBand() or ResourceSource.azureKeyVault(...)',
      'kbs:///a/b/state comes from Key Vault secret kbs-state, a name the Trustee VM keeps for itself; store the resource under another name',
    ]);
  });
});

describe('TrusteeVm size in a region not known to offer it', () => {
  const CONTEXT_KEY = 'confidential-ai:regionOffers';
  function build(override: Partial<TrusteeVmProps>, context: Record<string, unknown> = {}): TrusteeVm {
    const stack = new TerraformStack(Testing.app({ context }), 'test');
    const { network } = baseInfra(stack);
    return new TrusteeVm(stack, 'Kbs', { ...vmProps(network), ...override });
  }
  const warningsOf = (kbs: TrusteeVm): string[] =>
    collectAnnotations(kbs)
      .filter((a) => a.level === 'warning' && a.path === kbs.node.path)
      .map((a) => a.message);

  test('GIVEN the default size (Standard_DC2as_v5) or Standard_DC2es_v6 in westeurope THEN nothing is warned', () => {
    expect(warningsOf(build({}))).toEqual([]);
    expect(warningsOf(build({ size: ConfidentialVmSize.STANDARD_DC2ES_V6 }))).toEqual([]);
  });

  test('GIVEN Standard_DC4as_v5 in brazilsouth THEN the VM warns, naming the field, size, family, date, check and context key', () => {
    const [warning, ...rest] = warningsOf(build({ location: 'brazilsouth', size: ConfidentialVmSize.STANDARD_DC4AS_V5 }));
    expect(rest).toEqual([]);
    expect(warning).toMatch(/^size: Standard_DC4as_v5 \(family DCasv5\): location brazilsouth is not in the library's table of regions known /);
    expect(warning).toContain(
      'known to offer DCasv5 (as of 2025-07-15: eastus, eastus2, germanywestcentral, northeurope, southeastasia, westeurope, westus)',
    );
    expect(warning).toContain('`az vm list-skus --location brazilsouth --size Standard_DC4as_v5 --all --output table`');
    expect(warning).toContain(`"${CONTEXT_KEY}"`);
  });

  test('GIVEN a TDX size in a region known only for SNP THEN it is judged by its own family', () => {
    expect(warningsOf(build({ location: 'southeastasia', size: ConfidentialVmSize.STANDARD_DC2ES_V6 }))).toEqual([
      expect.stringMatching(
        /^size: Standard_DC2es_v6 \(family DCesv6\): location southeastasia .*\(as of 2026-02-26: eastus, westeurope, westus, westus3\)/,
      ),
    ]);
    expect(warningsOf(build({ location: 'southeastasia' }))).toEqual([]);
  });

  test('GIVEN a location known only at apply THEN nothing is warned', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const { network } = baseInfra(stack);
    const location = new TerraformVariable(stack, 'location', { type: 'string' }).stringValue;
    expect(warningsOf(new TrusteeVm(stack, 'Kbs', { ...vmProps(network), location, size: ConfidentialVmSize.STANDARD_DC4AS_V5 }))).toEqual([]);
  });

  test('GIVEN the context confirms the family in the region THEN the warning is silenced; a wrong context value fails', () => {
    expect(warningsOf(build({ location: 'brazilsouth' }, { [CONTEXT_KEY]: { DCasv5: ['brazilsouth'] } }))).toEqual([]);
    expect(warningsOf(build({ location: 'brazilsouth' }, { [CONTEXT_KEY]: { DCadsv5: ['brazilsouth'] } }))).toHaveLength(1);
    expect(() => build({}, { [CONTEXT_KEY]: ['brazilsouth'] })).toThrow(
      'TrusteeVm test/Kbs: context["confidential-ai:regionOffers"]: must be an object of confidential VM families to the regions you confirmed ' +
        'offer them, e.g. { "DCasv5": ["brazilsouth"] } (got ["brazilsouth"]); fix it in cdktf.json "context" or app.node.setContext',
    );
  });
});
