// Every check of every props schema carries a message of the library's own, which names the requirement and the fix:
// without one, the user reads valibot's wording ("Invalid value: Expected <=65535 but received 70000").
import * as v from 'valibot';
import { configureAksProviders, schema as aksProvidersSchema } from '../../src/app/aks-providers';
import { firstIssue } from '../../src/attestation/schema';
import { importSchema as aksClusterImportSchema, schema as aksClusterSchema } from '../../src/azure/confidential-aks-cluster';
import { schema as vmPoolSchema } from '../../src/azure/confidential-vm-pool';
import { schema as keyVaultAccessSchema } from '../../src/azure/kbs-key-vault-access';
import { importSchema as networkImportSchema, schema as networkSchema } from '../../src/azure/peer-pod-network';
import { importSchema as podVmImageImportSchema, schema as podVmImageSchema } from '../../src/azure/pod-vm-image';
import { schema as externalKbsSchema } from '../../src/kbs/external-kbs';
import { trusteeVmPropsSchema } from '../../src/kbs/trustee-vm-props';
import { schema as inferenceSchema } from '../../src/kubernetes/confidential-inference';
import { workloadSchema } from '../../src/kubernetes/confidential-workload-schema';
import { schema as keyManagerSchema } from '../../src/kubernetes/key-manager';
import { importSchema as runtimeImportSchema, schema as runtimeSchema } from '../../src/kubernetes/peer-pods-runtime';
import { httpOptions, Probe, proxyOptions, tcpOptions } from '../../src/kubernetes/probe';
import { trusteePropsSchema } from '../../src/kbs/trustee-props';
import { workloadNamespaceSchema } from '../../src/kubernetes/workload-namespace';
import { serverTlsSchema, workloadTlsSchema } from '../../src/kubernetes/workload-tls';
import { synth } from '../helpers/synth';

/** The schemas that parse what users pass: every construct's props, its import's attributes, and the option objects. */
const SCHEMAS: Record<string, unknown> = {
  TrusteeVm: trusteeVmPropsSchema,
  ExternalKbs: externalKbsSchema,
  Trustee: trusteePropsSchema,
  ConfidentialWorkload: workloadSchema,
  KeyManager: keyManagerSchema,
  ConfidentialInference: inferenceSchema,
  PeerPodsRuntime: runtimeSchema,
  'PeerPodsRuntime.alreadyInstalled': runtimeImportSchema,
  ConfidentialVmPool: vmPoolSchema,
  PeerPodNetwork: networkSchema,
  'PeerPodNetwork.fromExisting': networkImportSchema,
  ConfidentialAksCluster: aksClusterSchema,
  'ConfidentialAksCluster.fromExisting': aksClusterImportSchema,
  PodVmImage: podVmImageSchema,
  'PodVmImage.fromImageId': podVmImageImportSchema,
  KbsKeyVaultAccess: keyVaultAccessSchema,
  WorkloadNamespace: workloadNamespaceSchema,
  configureAksProviders: aksProvidersSchema,
  'Probe.fromHttpGet': httpOptions,
  'Probe.fromTcpSocket': tcpOptions,
  'Probe.throughTlsProxy': proxyOptions,
  ServerTlsSettings: serverTlsSchema,
  WorkloadTlsSettings: workloadTlsSchema,
};

/**
 * Kinds that never report an issue of their own, so have no message to give: the optional wrappers (they pass
 * `undefined` and hand anything else to the schema they wrap), schemas that accept anything, and a raw check,
 * whose messages are given one by one where it reports (rawCheck, fieldCheck).
 */
const NO_OWN_ISSUE = new Set(['optional', 'nullable', 'nullish', 'undefinedable', 'exact_optional', 'any', 'unknown', 'raw_check']);

interface Node {
  readonly kind?: string;
  readonly type?: string;
  readonly message?: unknown;
  readonly pipe?: readonly Node[];
  readonly entries?: Record<string, Node>;
  readonly item?: Node;
  readonly items?: readonly Node[];
  readonly options?: readonly unknown[];
  readonly wrapped?: Node;
  readonly key?: unknown;
  readonly value?: Node;
  readonly rest?: Node;
  readonly getter?: unknown;
}

/** The path (`TrusteeVm.port<max_value>`) of every check under `node` that has no message. */
function unmessaged(node: Node, path: string, found: string[], seen = new Set<Node>()): string[] {
  if (seen.has(node)) return found;
  seen.add(node);
  if (node.pipe) {
    // A pipe carries its first schema's properties too; each of its parts is walked once, as a part.
    node.pipe.forEach((part) => unmessaged(part, path, found, seen));
    return found;
  }
  if (node.kind === 'transformation' || node.kind === 'metadata') return found; // they cannot fail
  if (node.message === undefined && !NO_OWN_ISSUE.has(node.type ?? '')) found.push(`${path}<${node.type}>`);
  if (node.type === 'lazy') throw new Error(`${path}: a lazy schema; walk what its getter returns`);
  for (const [key, entry] of Object.entries(node.entries ?? {})) unmessaged(entry, `${path}.${key}`, found, seen);
  if (node.item) unmessaged(node.item, `${path}[]`, found, seen);
  node.items?.forEach((item, i) => unmessaged(item, `${path}[${i}]`, found, seen));
  if (node.wrapped) unmessaged(node.wrapped, path, found, seen);
  if (node.rest) unmessaged(node.rest, `${path}.*`, found, seen);
  // A record's key and value; a variant's key is a string, its options are schemas; a picklist's options are values.
  if (typeof node.key === 'object' && node.key !== null) unmessaged(node.key as Node, `${path}<key>`, found, seen);
  if (node.type === 'record' && node.value) unmessaged(node.value, `${path}.*`, found, seen);
  if (node.type !== 'picklist') node.options?.forEach((o, i) => unmessaged(o as Node, `${path}|${i}`, found, seen));
  return found;
}

describe('the messages of the props schemas', () => {
  test.each(Object.keys(SCHEMAS))('GIVEN the %s schema THEN every check in it has a message of its own', (name) => {
    expect(unmessaged(SCHEMAS[name] as Node, name, [])).toEqual([]);
  });

  test('GIVEN the walker WHEN a check has no message THEN it is named by its path', () => {
    // The walker itself: it must see into every kind of nesting the schemas use.
    const bare = v.object(
      {
        a: v.optional(v.pipe(v.number('n'), v.maxValue(3))),
        b: v.array(v.union([v.literal('x', 'x'), v.string()], 'u')),
        c: v.record(v.string(), v.boolean('b'), 'r'),
      },
      'o',
    );
    expect(unmessaged(bare as Node, 'S', [])).toEqual(['S.a<max_value>', 'S.b<array>', 'S.b[]|1<string>', 'S.c<key><string>']);
  });
});

describe('the errors those messages make', () => {
  test('GIVEN a number out of range WHEN refused THEN the error states the rule and quotes the value', () => {
    expect(() => Probe.fromTcpSocket({ port: 70000 })).toThrow('probe.port: must be a whole number from 1 to 65535 (got 70000)');
    expect(() => Probe.fromHttpGet('/healthz', { scheme: 'https' as never })).toThrow('probe.scheme: must be one of "HTTP", "HTTPS" (got "https")');
  });

  test('GIVEN a value of the wrong type WHEN refused THEN the error says which type, with the value', () => {
    expect(() => synth((stack) => configureAksProviders(stack, { name: 'aks', resourceGroupName: 'rg', login: 5 as never }))).toThrow(
      'configureAksProviders test: login: must be one of "azurecli", "workloadidentity", "msi", "spn", "azd", "azurepipelines" (got 5)',
    );
    expect(() => synth((stack) => configureAksProviders(stack, { name: 'aks', resourceGroupName: 7 as never }))).toThrow(
      'configureAksProviders test: resourceGroupName: must be a string (got 7)',
    );
  });

  test('GIVEN a union with a message of its own WHEN an option got into the value THEN the problem inside it is reported', () => {
    const clients = workloadTlsSchema.entries.clients;
    const result = v.safeParse(v.object({ clients }), { clients: ['ok', 5] });
    expect(result.success ? undefined : firstIssue(result.issues)).toEqual({
      path: ['clients', 1],
      message: 'must be a string',
      showsValue: false,
    });
    const other = v.safeParse(v.object({ clients }), { clients: 'all' });
    expect(other.success ? undefined : firstIssue(other.issues).message).toBe('must be "any", "workload-ca" or a list of workload names');
  });
});
