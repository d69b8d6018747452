import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Construct } from 'constructs';
import { ConfidentialVmPool, ConfidentialVmSize, PeerPodsRuntime, Trustee, TrusteeProps, WorkloadTls } from '../../src';
import { baseInfra } from '../azure/fixtures';
import { pinned } from '../attestation/fixtures/values';

const read = (name: string): string => readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8');

/** Public test material (certificates and a public key; the private keys were discarded). */
export const PUBLIC_MATERIAL = {
  kbsCa: read('kbs-ca.pem'),
  adminPublicKey: read('admin-public.pem'),
  signerCa: read('signer-ca.pem'),
};

/** The TLS proxy image pinned by digest (the digest is a test value). */
export const PROXY_IMAGE = 'docker.io/ghostunnel/ghostunnel:v1.8.4-alpine@sha256:e848a733bcdcf6c3dda0a97151c3363d15cbfc1cbed474bc95493990b6baf18f';

/** The test deployment's workload CA and identities (public certificates; their keys were discarded). */
export const WORKLOAD_TLS = WorkloadTls.fromDirectory(join(__dirname, '..', 'fixtures', 'workload-tls', 'main'), { proxyImage: PROXY_IMAGE });

/** TLS props of a server workload named `name` in the test deployment. */
export const tlsOf = (name: string) => ({ tls: { identity: WORKLOAD_TLS.identity(name) } });

/** A Trustee image pinned by digest (the digest is a test value). */
export const KBS_IMAGE =
  'ghcr.io/confidential-containers/key-broker-service:built-in-as-v0.21.0@sha256:f13b52c108be57c6c367ae24874b807c3246d76903bc5eb24c0efb93d41a8082';

/** Props of a Trustee in the default test network. */
export function trusteeProps(network: TrusteeProps['network']): TrusteeProps {
  return {
    network,
    staticIp: '10.224.0.250',
    httpsSecretName: 'kbs-https',
    httpsCaCertPem: PUBLIC_MATERIAL.kbsCa,
    adminPublicKeyPem: PUBLIC_MATERIAL.adminPublicKey,
    tokenSignerSecretName: 'kbs-token-signer',
    tokenSignerCaCertPem: PUBLIC_MATERIAL.signerCa,
    image: KBS_IMAGE,
    referenceValuesExpire: '2027-12-31T00:00:00Z',
    snpTcbFloor: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
  };
}

/** Infra, pool, runtime and Trustee in one scope. */
export function clusterParts(scope: Construct) {
  const infra = baseInfra(scope);
  const pool = new ConfidentialVmPool(scope, 'pool', {
    location: 'westeurope',
    podVmResourceGroupName: 'podvms',
    ...infra,
    instanceSizes: [ConfidentialVmSize.STANDARD_DC2AS_V5, ConfidentialVmSize.STANDARD_DC2ES_V6],
  });
  const runtime = new PeerPodsRuntime(scope, 'runtime', { pool });
  const trustee = new Trustee(scope, 'trustee', trusteeProps(infra.network));
  trustee.trustImage(infra.image);
  return { ...infra, pool, runtime, trustee };
}

/** A key manager's props without its transport (`tls`, or `plainHttpInsecure`), on the parts of `clusterParts`. */
export function keyManagerBase(parts: { runtime: PeerPodsRuntime; trustee: Trustee }) {
  return { runtime: parts.runtime, kbs: parts.trustee, image: pinned('km'), command: ['/k'], runAsUser: 1000 };
}
