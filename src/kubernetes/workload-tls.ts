import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { int, list, strictObject, rawCheck } from '../internal/validation';
import { certificateProblem, secretRefusal } from '../attestation/pem';
import { AttestationInputError } from '../attestation/errors';
import { ImageFacts } from '../attestation/image-facts';
import { requirePinnedImage } from '../attestation/image-reference';
import { ResourcePath } from '../attestation/resource-path';
import { ResourceSource } from '../attestation/resource-source';
import { k8sName, resourceSourceSchema } from './prop-schemas';
import { CONFIDENTIAL_WORKLOAD, type IConfidentialWorkload } from '../kbs/key-broker';

/** Props of WorkloadTls. */
export interface WorkloadTlsProps {
  /** PEM of the deployment's workload CA (`ca.pem` of `cai-create-workload-certs`). */
  readonly caCertPem: string;
  /**
   * The TLS proxy image: ghostunnel's Alpine image (`ghostunnel/ghostunnel:<version>-alpine`), pinned by digest.
   * It also fetches the workload's key from the CDH (its BusyBox `wget`) before the proxies start.
   */
  readonly proxyImage: string;
  /** The proxy image's verified facts (its ENV and USER), for the agent policy. @default - none (a warning) */
  readonly proxyImageFacts?: ImageFacts;
  /**
   * The image of the pod's ingress filter, pinned by digest: a POSIX `sh` and `nft` on its PATH, e.g. Kubernetes'
   * `registry.k8s.io/build-image/distroless-iptables`. Every TLS server workload then starts with an init container
   * (root, NET_ADMIN alone) that closes every inbound port of its pod VM but the TLS listeners, and its agent
   * policy admits no other container until the filter has started: the application's plaintext port is closed
   * even if the application binds every interface, unless a host that races ends the filter before its ruleset is
   * loaded (docs/security.md): keep the applications on 127.0.0.1 too.
   * @default - no filter (a warning): only the applications' own loopback binding keeps their ports closed
   */
  readonly ingressFilterImage?: string;
  /** The ingress filter image's verified facts (its ENV). @default - none (a warning) */
  readonly ingressFilterImageFacts?: ImageFacts;
  /** The KBS repository of the workload keys: `kbs:///<repository>/<workload>/tls-key`. @default 'workload-tls' */
  readonly keyRepository?: string;
  /**
   * PEM of the model users' CA (`users/ca.pem` of `cai-create-workload-certs <dir> user:<name>`), a CA of its own:
   * servers with `tls.users` admit its certificates on a listener of their own, so a user's certificate never
   * passes for a workload's.
   * @default - read from `users/ca.pem` by fromDirectory when it exists; else no users CA
   */
  readonly usersCaCertPem?: string;
}

/** One workload's TLS identity: its certificate (public) and where its key is in the KBS. */
export interface WorkloadTlsIdentity {
  /** The deployment's TLS settings (CA, proxy image). */
  readonly tls: WorkloadTls;
  /** The workload name the certificate is issued to (its CN). */
  readonly name: string;
  /** PEM of the certificate. */
  readonly certPem: string;
  /** The DNS names the certificate holds. */
  readonly dnsNames: readonly string[];
  /** The KBS resource of the private key (released to this workload alone). */
  readonly keyResource: ResourcePath;
}

/** Where a workload's private key belongs, for the message that refuses one in place of a certificate. */
const TLS_KEY_HOME = "a workload's key is a KBS resource, pushed with setResourceCommand(identity.keyResource), never in the plan";

function certificate(pem: string, field: string): X509Certificate {
  const problem = certificateProblem(pem, TLS_KEY_HOME);
  if (problem !== undefined) throw new AttestationInputError(field, problem);
  return new X509Certificate(pem);
}

/**
 * The TLS of a deployment's confidential workloads: one workload CA, one identity per workload (certificate
 * public, key a KBS resource released only to that workload's PCR 8), and the pinned proxy that terminates TLS
 * inside each pod VM. Create the CA and identities with `cai-create-workload-certs`.
 */
export class WorkloadTls {
  /** Reads `ca.pem` from the directory `cai-create-workload-certs` wrote (never the keys). */
  public static fromDirectory(dir: string, props: Omit<WorkloadTlsProps, 'caCertPem'>): WorkloadTls {
    const users = join(dir, 'users', 'ca.pem');
    return new WorkloadTls(
      {
        ...(existsSync(users) ? { usersCaCertPem: readPem(users, 'usersCaCertPem', dir) } : {}),
        ...props,
        caCertPem: readPem(join(dir, 'ca.pem'), 'caCertPem', dir),
      },
      dir,
    );
  }

  /** The CA certificate (PEM, one trailing newline). */
  public readonly caCertPem: string;
  /** The proxy image, pinned by digest. */
  public readonly proxyImage: string;
  /** The proxy image's facts, if given. */
  public readonly proxyImageFacts?: ImageFacts;
  /** The ingress filter image, pinned by digest, if given. */
  public readonly ingressFilterImage?: string;
  /** The ingress filter image's facts, if given. */
  public readonly ingressFilterImageFacts?: ImageFacts;
  /** The KBS repository of the keys. */
  public readonly keyRepository: string;
  /** The model users' CA (PEM, one trailing newline), if any. */
  public readonly usersCaCertPem?: string;
  private readonly ca: X509Certificate;

  constructor(
    props: WorkloadTlsProps,
    private readonly dir?: string,
  ) {
    this.ca = certificate(props.caCertPem, 'caCertPem');
    if (!this.ca.ca)
      throw new AttestationInputError(
        'caCertPem',
        'is not a CA certificate (basicConstraints CA:TRUE); pass the ca.pem of cai-create-workload-certs',
      );
    this.caCertPem = props.caCertPem.trim() + '\n';
    this.proxyImage = requirePinnedImage(props.proxyImage, 'proxyImage');
    if (props.proxyImageFacts) this.proxyImageFacts = props.proxyImageFacts;
    if (props.ingressFilterImage !== undefined) this.ingressFilterImage = requirePinnedImage(props.ingressFilterImage, 'ingressFilterImage');
    if (props.ingressFilterImageFacts) this.ingressFilterImageFacts = props.ingressFilterImageFacts;
    this.keyRepository = props.keyRepository ?? 'workload-tls';
    if (props.usersCaCertPem !== undefined) {
      const users = certificate(props.usersCaCertPem, 'usersCaCertPem');
      if (!users.ca) throw new AttestationInputError('usersCaCertPem', 'is not a CA certificate (basicConstraints CA:TRUE)');
      if (users.fingerprint256 === this.ca.fingerprint256 || users.subject === this.ca.subject)
        throw new AttestationInputError(
          'usersCaCertPem',
          'must be a CA of its own, not the workload CA: a user certificate must never pass for a workload certificate',
        );
      this.usersCaCertPem = props.usersCaCertPem.trim() + '\n';
    }
    ResourcePath.parse(`${this.keyRepository}/x/tls-key`, 'keyRepository');
  }

  /**
   * The identity of `workload` (its Deployment name): the certificate `<workload>.crt` of the directory, or
   * `certPem`. It must be issued by this CA to CN `<workload>`.
   */
  public identity(workload: string, certPem?: string): WorkloadTlsIdentity {
    const pem = certPem ?? (this.dir ? readPem(join(this.dir, `${workload}.crt`), `identity(${workload})`, this.dir) : undefined);
    if (pem === undefined)
      throw new AttestationInputError(`identity(${workload})`, 'needs the certificate PEM (this WorkloadTls was not read from a directory)');
    const cert = certificate(pem, `identity(${workload})`);
    if (!cert.verify(this.ca.publicKey) || cert.issuer !== this.ca.subject) {
      throw new AttestationInputError(
        `identity(${workload})`,
        `is not issued by the workload CA (${this.ca.subject}): issue it with cai-create-workload-certs from the same directory`,
      );
    }
    if (cert.subject !== `CN=${workload}`)
      throw new AttestationInputError(`identity(${workload})`, `is issued to ${cert.subject}, not CN=${workload}: clients check the CN`);
    const dnsNames = (cert.subjectAltName ?? '')
      .split(', ')
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    return {
      tls: this,
      name: workload,
      certPem: pem.trim() + '\n',
      dnsNames,
      keyResource: ResourcePath.parse(`${this.keyRepository}/${workload}/tls-key`, 'keyResource'),
    };
  }
}

function readPem(path: string, field: string, dir: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new AttestationInputError(
      field,
      `${path} (${resolve(path)}) cannot be read; create it with cai-create-workload-certs ${dir} <workload>=<dns name>`,
    );
  }
  const secret = secretRefusal(text, 'the certificate', TLS_KEY_HOME);
  if (secret !== undefined) throw new AttestationInputError(field, `${path} ${secret}`);
  return text;
}

/** Who may connect to a TLS workload. */
export type TlsClients = 'any' | 'workload-ca' | string[];

/** A confidential workload another one can call over TLS (a ConfidentialWorkload). */
export interface ITlsUpstream extends IConfidentialWorkload {
  /** Where it listens: the Service DNS name and TLS port, its TLS identity and who it admits; undefined without TLS. */
  readonly tlsEndpoint?: { readonly host: string; readonly port: number; readonly identity: WorkloadTlsIdentity; readonly clients: TlsClients };
}

/** TLS of a server workload (KeyManager, ConfidentialInference, and the server part of any ConfidentialWorkload). */
export interface ServerTlsSettings {
  /** The workload's identity (`WorkloadTls.identity(name)`): certificate, CA, proxy image, key resource. */
  readonly identity: WorkloadTlsIdentity;
  /** The TLS port the Service exposes. @default 8443 */
  readonly port?: number;
  /**
   * The port of the proxy's HTTPS status endpoint (`/_status`, 200 while the proxy reaches the application), which
   * the kubelet's probes use: the application's own port stays closed to everything outside the pod VM.
   * @default 8444
   */
  readonly statusPort?: number;
  /**
   * Who may connect: `'workload-ca'` (a client certificate of the deployment's workload CA), a list of workload
   * names (certificates with those CNs), or `'any'` (no client certificate; TLS still ends in the pod VM).
   * @default 'workload-ca'
   */
  readonly clients?: TlsClients;
  /** Where the private key comes from. @default ResourceSource.outOfBand() */
  readonly keySource?: ResourceSource;
  /**
   * Model users connect on a listener of their own, with a client certificate of the deployment's users CA
   * (`WorkloadTls` usersCaCertPem), which the workload listener never trusts.
   * @default - no user listener
   */
  readonly users?: { readonly port?: number };
}

/** TLS settings of a confidential workload: its server side, and the TLS workloads it calls. */
export interface WorkloadTlsSettings extends ServerTlsSettings {
  /**
   * TLS workloads this one calls: each gets a client proxy on `127.0.0.1:<localPort>` that presents this
   * workload's certificate and checks the upstream's.
   * @default - none
   */
  readonly upstreams?: Array<{ readonly workload: ITlsUpstream; readonly localPort: number }>;
}

/** The TLS settings every TLS workload has (ServerTlsSettings), with their defaults. */
const serverTlsShape = {
  identity: v.pipe(
    v.custom<WorkloadTlsIdentity>(
      (i) => typeof i === 'object' && i !== null && 'certPem' in i && 'keyResource' in i,
      'must be WorkloadTls.identity(name)',
    ),
    // An identity built by hand, not by WorkloadTls.identity, is checked for a key where its certificates go.
    rawCheck<WorkloadTlsIdentity>((identity, report) => {
      const certificates: Array<[string[], unknown]> = [
        [['certPem'], identity.certPem],
        [['tls', 'caCertPem'], identity.tls?.caCertPem],
      ];
      for (const [path, pem] of certificates) {
        const secret = secretRefusal(pem, 'the certificate', TLS_KEY_HOME);
        if (secret !== undefined) report(path, secret);
      }
    }),
  ),
  port: v.optional(int(1, 65535), 8443),
  statusPort: v.optional(int(1, 65535), 8444),
  clients: v.optional(
    v.union(
      [
        v.literal('any', 'must be "any"'),
        v.literal('workload-ca', 'must be "workload-ca"'),
        v.pipe(list(k8sName), v.minLength(1, 'must name at least one workload; use "any" for none')),
      ],
      'must be "any", "workload-ca" or a list of workload names',
    ),
    'workload-ca',
  ),
  keySource: v.optional(resourceSourceSchema, ResourceSource.outOfBand()),
  users: v.optional(strictObject({ port: v.optional(int(1, 65535), 8445) })),
};

/** The schema of a ServerTlsSettings prop (KeyManager, ConfidentialInference). */
export const serverTlsSchema = strictObject(serverTlsShape);

/** The schema of a ConfidentialWorkload's `tls` prop. */
export const workloadTlsSchema = strictObject({
  ...serverTlsShape,
  upstreams: v.optional(
    list(
      strictObject({
        workload: v.custom<ITlsUpstream>((w) => CONFIDENTIAL_WORKLOAD.isImplementedBy(w), 'must be a ConfidentialWorkload'),
        localPort: int(1, 65535),
      }),
    ),
    [],
  ),
});
