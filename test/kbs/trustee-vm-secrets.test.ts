import fc from 'fast-check';
import { Testing, TerraformStack } from 'cdktf';
import { ResourcePath, ResourceSource, TrusteeVm } from '../../src';
import { TRUSTEE_VM_SECRETS, resourceSecretName } from '../../src/kbs/trustee-vm-secrets';
import { baseInfra } from '../azure/fixtures';
import { TestWorkload } from '../helpers/workload-identity';
import { vmProps } from './fixtures';

// Bounded runs keep `npm test` fast; fast-check prints the seed and the shrunk counterexample on failure.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 300) };

/** Reads a resource secret name back into its path, independently of the encoder: the proof that no two paths share a name. */
function decode(name: string): string {
  expect(name.startsWith('res-')).toBe(true);
  const escapes: Record<string, string> = { '-': '/', h: '-', u: '_', p: '.' };
  let out = '';
  for (let i = 'res-'.length; i < name.length; i++) {
    if (name[i] !== '-') out += name[i];
    else if (name[i + 1] === 'c') {
      out += name[i + 2].toUpperCase();
      i += 2;
    } else {
      out += escapes[name[i + 1]];
      i += 1;
    }
  }
  return out;
}

// A resource path segment exactly as Trustee admits it: ^[a-zA-Z0-9_-][a-zA-Z0-9_.-]*
const segment = fc.stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,12}$/);
const resourcePath = fc.tuple(segment, segment, segment).map(([r, t, g]) => new ResourcePath(r, t, g));

describe('resourceSecretName', () => {
  test.each([
    ['enkrypt/model/decryption-key', 'res-enkrypt--model--decryption-hkey'],
    ['workload-tls/key-manager/tls-key', 'res-workload-htls--key-hmanager--tls-hkey'],
    ['default/key/Model_1.bin', 'res-default--key---cmodel-u1-pbin'],
    ['-/_/_.', 'res--h---u---u-p'],
  ])('names %s %s', (path, name) => {
    expect(resourceSecretName(ResourcePath.parse(path))).toBe(name);
  });

  test('is injective, also as Key Vault compares names (case-insensitively), and only writes what Key Vault admits', () => {
    fc.assert(
      fc.property(resourcePath, (path) => {
        const name = resourceSecretName(path);
        expect(name).toMatch(/^[0-9a-z-]+$/);
        expect(decode(name.toLowerCase())).toBe(path.path);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(resourcePath, resourcePath, (a, b) => {
        if (a.path !== b.path) expect(resourceSecretName(a).toLowerCase()).not.toBe(resourceSecretName(b).toLowerCase());
      }),
      RUNS,
    );
  });

  test('never names a secret the Trustee VM keeps for itself', () => {
    const reserved = Object.values(TRUSTEE_VM_SECRETS);
    expect(reserved.every((r) => r.startsWith('kbs-'))).toBe(true);
    fc.assert(
      fc.property(resourcePath, (path) => {
        expect(resourceSecretName(path).startsWith('kbs-')).toBe(false);
      }),
      RUNS,
    );
    // The closest a path can come: its name still starts with the resource prefix.
    expect(resourceSecretName(ResourcePath.parse('kbs/https/key'))).toBe('res-kbs--https--key');
  });
});

describe('TrusteeVm resources through Key Vault', () => {
  function kbs(): { vm: TrusteeVm; stack: TerraformStack } {
    const stack = new TerraformStack(Testing.app(), 's');
    const { network } = baseInfra(stack);
    return { vm: new TrusteeVm(stack, 'Kbs', vmProps(network)), stack };
  }

  test('setResourceCommand uploads an out-of-band resource into the VM vault, base64 so any bytes survive; no admin token', () => {
    const { vm } = kbs();
    vm.declareResource('enkrypt/model/decryption-key', ResourceSource.outOfBand());
    vm.declareResource('enkrypt/registry/credentials', ResourceSource.azureKeyVault('registry-auth'));
    expect(vm.setResourceCommand('kbs:///enkrypt/model/decryption-key', 'model.key')).toBe(
      'az keyvault secret set --vault-name owner-kbs-kv --name res-enkrypt--model--decryption-hkey --file model.key --encoding base64 --output none',
    );
    expect(vm.setResourceCommand(ResourcePath.parse('enkrypt/registry/credentials'))).toBe(
      'az keyvault secret set --vault-name owner-kbs-kv --name registry-auth --file <file> --encoding base64 --output none',
    );
  });

  test.each<[string, (vm: TrusteeVm) => void, string, string]>([
    ['the resource is not declared', () => undefined, 'a/b/c', 'kbs:///a/b/c is not declared; declare it with declareResource first'],
    [
      'its Key Vault source is pinned to a version',
      (vm) => vm.declareResource('a/b/c', ResourceSource.azureKeyVault('pinned', 'f'.repeat(32))),
      'a/b/c',
      `kbs:///a/b/c is pinned to version ${'f'.repeat(32)} of Key Vault secret pinned, so a version set now would never be read`,
    ],
    [
      'it comes from a Kubernetes Secret',
      (vm) => vm.declareResource('a/b/c', ResourceSource.kubernetesSecret('s', 'k')),
      'a/b/c',
      'kbs:///a/b/c comes from Kubernetes Secret s[k], which a TrusteeVm cannot read',
    ],
  ])('setResourceCommand fails when %s', (_case, declare, path, message) => {
    const { vm } = kbs();
    declare(vm);
    expect(() => vm.setResourceCommand(path)).toThrow(`TrusteeVm s/Kbs: setResourceCommand.resource: ${message}`);
  });

  test('synth fails on resource secret names Key Vault would confuse or refuse', () => {
    const { vm, stack } = kbs();
    const long = `apps/${'k'.repeat(60)}/${'K'.repeat(30)}`;
    const resources = [
      vm.declareResource('a/b/c', ResourceSource.outOfBand()),
      // Key Vault names compare case-insensitively: this one is res-a--b--c too.
      vm.declareResource('x/y/z', ResourceSource.azureKeyVault('RES-a--b--c')),
      vm.declareResource('x/y/state', ResourceSource.azureKeyVault('KBS-State')),
      vm.declareResource(long, ResourceSource.outOfBand()),
    ];
    vm.grantResources(new TestWorkload(stack, 'w', 'a'.repeat(64)), ...resources);
    expect(vm.node.validate()).toEqual([
      'kbs:///a/b/c is set out of band into Key Vault secret res-a--b--c, which kbs:///x/y/z also comes from (ResourceSource.azureKeyVault); ' +
        'store kbs:///x/y/z under another name',
      `kbs:///${long} would be Key Vault secret ${resourceSecretName(ResourcePath.parse(long))}, longer than the 127 characters Key Vault ` +
        "allows; shorten the resource path, or store it as ResourceSource.azureKeyVault('<a name of your own>')",
      'kbs:///x/y/state comes from Key Vault secret KBS-State, a name the Trustee VM keeps for itself; store the resource under another name',
    ]);
  });
});
