// A choice the synth requires is required by the types too: each `@ts-expect-error` below fails the type check
// (npm test runs it) if the props type ever accepts the shape again, and each test shows that a caller without
// types (JavaScript, or a cast) still gets the synth error that names the field.
import {
  ConfidentialContainer,
  ConfidentialWorkload,
  ConfidentialWorkloadOptions,
  ConfidentialWorkloadProps,
  KeyManager,
  ModelSource,
  PeerPodNetwork,
  Trustee,
  WorkloadTransport,
} from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack } from '../helpers/synth';
import { WORKLOAD_TLS, clusterParts, keyManagerBase, trusteeProps } from '../kubernetes/fixtures';

describe('required choices are in the types', () => {
  test('a container without image facts needs its command line and UID written out (CommandLine)', () => {
    const parts = clusterParts(emptyStack());
    // @ts-expect-error neither imageFacts nor command + runAsUser
    const bare: ConfidentialContainer = { name: 'app', image: pinned('app') };
    // @ts-expect-error command without runAsUser, and no imageFacts
    const noUid: ConfidentialContainer = { name: 'app', image: pinned('app'), command: ['/app'] };
    const scope = parts.trustee.node.scope!;
    const at = (id: string, c: ConfidentialContainer) => () =>
      new ConfidentialWorkload(scope, id, { runtime: parts.runtime, kbs: parts.trustee, name: id, containers: [c] });
    expect(at('bare', bare)).toThrow(
      /ConfidentialWorkload test\/bare: containers\[0\]\.command: is required when the image's entrypoint is not known/,
    );
    expect(at('nouid', noUid)).toThrow(/ConfidentialWorkload test\/nouid: containers\[0\]\.runAsUser: is required: the image's user is not known/);
  });

  test('a workload with a Service takes tls or plainHttpInsecure, never both (WorkloadTransport)', () => {
    const parts = clusterParts(emptyStack());
    const common = {
      runtime: parts.runtime,
      kbs: parts.trustee,
      name: 'app',
      containers: [{ name: 'app', image: pinned('app'), command: ['/a'], runAsUser: 1000, ports: [8080] }],
      service: { port: 8080 },
    };
    // @ts-expect-error tls with plainHttpInsecure: true (WithTls has plainHttpInsecure false or absent)
    const both: ConfidentialWorkloadProps = { ...common, tls: { identity: WORKLOAD_TLS.identity('app') }, plainHttpInsecure: true };
    expect(() => new ConfidentialWorkload(parts.trustee.node.scope!, 'both', both)).toThrow(
      /ConfidentialWorkload test\/both: plainHttpInsecure: contradicts tls/,
    );
    // A server workload without either (ServerTransport) is refused naming itself: workload-tls.test.ts.
    expect(
      () =>
        // @ts-expect-error tls with plainHttpInsecure: true (ServerTransport)
        new KeyManager(parts.trustee.node.scope!, 'km', {
          ...keyManagerBase(parts),
          tls: { identity: WORKLOAD_TLS.identity('key-manager') },
          plainHttpInsecure: true,
        }),
    ).toThrow(/^KeyManager test\/km: plainHttpInsecure: contradicts tls \(its Service serves TLS only\)/);
  });

  test('the patterns the README shows for wrapping props and choosing a transport compile and synth', () => {
    const parts = clusterParts(emptyStack());
    const scope = parts.trustee.node.scope!;
    // A wrapper that names the workload itself: omit from the options part, keep the choice.
    const named = (id: string, props: Omit<ConfidentialWorkloadOptions, 'name'> & WorkloadTransport) =>
      new ConfidentialWorkload(scope, id, { ...props, name: id });
    for (const dev of [false, true]) {
      const workload = named(dev ? 'dev' : 'app', {
        runtime: parts.runtime,
        kbs: parts.trustee,
        containers: [{ name: 'app', image: pinned('app'), command: ['/a'], runAsUser: 1000, ...(dev ? { ports: [8080] } : {}) }],
        service: { port: 8080 },
        ...(dev ? { plainHttpInsecure: true as const } : { tls: { identity: WORKLOAD_TLS.identity('app') } }),
      });
      expect(workload.serviceUrl).toMatch(dev ? /^http:\/\/dev\.confidential-ai\.svc\.cluster\.local:8080$/ : /^https:\/\/app\.confidential-ai\.svc/);
    }
  });

  test('a model decrypted by an init container needs its image facts or its command line (EncryptedBlobProps)', () => {
    const parts = clusterParts(emptyStack());
    // @ts-expect-error neither decryptImageFacts nor decryptCommand + decryptRunAsUser
    const model = ModelSource.encryptedBlob({
      url: 'https://models.example/m.enc',
      decryptionKey: 'kbs:///enkrypt/model/key',
      decryptImage: pinned('dec'),
    });
    const scope = parts.trustee.node.scope!;
    expect(() =>
      model.bind().initContainers.map(
        (c) =>
          new ConfidentialWorkload(scope, 'fetch', {
            runtime: parts.runtime,
            kbs: parts.trustee,
            name: 'fetch',
            containers: [c],
          }),
      ),
    ).toThrow(/ConfidentialWorkload test\/fetch: containers\[0\]\.command: is required when the image's entrypoint is not known/);
  });

  test('a KBS needs a network whose pod-VM subnet CIDR is known (IPeerPodNetworkWithSubnetCidr)', () => {
    const scope = emptyStack();
    const network = PeerPodNetwork.fromPeerPodNetworkAttributes(scope, 'net', {
      vnetId: 'v',
      nodeSubnetId: 'n',
      podVmSubnetId: 'p',
      nodeSubnetCidr: '10.224.0.0/16',
    });
    // @ts-expect-error an import without podVmSubnetCidr
    expect(() => new Trustee(scope, 't', trusteeProps(network))).toThrow(
      /Trustee test\/t: network: must give podVmSubnetCidr \(known at synth time\)/,
    );
    const known = PeerPodNetwork.fromPeerPodNetworkAttributes(scope, 'known', {
      vnetId: 'v',
      nodeSubnetId: 'n',
      podVmSubnetId: 'p',
      nodeSubnetCidr: '10.224.0.0/16',
      podVmSubnetCidr: '10.225.0.0/16',
    });
    expect(new Trustee(scope, 'ok', trusteeProps(known)).node.path).toBe('test/ok');
  });
});
