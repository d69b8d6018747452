import { stringify as stringifyToml } from 'smol-toml';
import { certificateProblem } from './pem';
import { Field, check, inputError, show, subField } from './errors';
import { ResourcePath } from './resource-path';
import { requireSynthTimeString } from './tokens';

/** Where pod VMs reach the Key Broker Service, and the CA certificate that proves it is the right one. */
export interface KbsEndpoint {
  /** The KBS base URL as pod VMs dial it, e.g. `https://10.0.1.250:8080`. No path, query or fragment. */
  readonly url: string;
  /**
   * PEM of the CA certificate (or self-signed certificate) that issued the KBS server certificate.
   * Omitted only together with `plainHttpInsecure`.
   */
  readonly caCertPem?: string;
  /**
   * Lets the URL be plain `http://` without a certificate. Anyone on the network path can then impersonate
   * the KBS: for local development only.
   * @default false
   */
  readonly plainHttpInsecure?: boolean;
  /** @deprecated use `plainHttpInsecure` (the same setting; this name goes in the next release). */
  readonly insecureHttpForDevelopment?: boolean;
}

/** Image security settings of the confidential data hub (cdh.toml `[image]`), each a KBS resource. */
export interface ImageSecuritySettings {
  /** containers-policy.json that every image pull must satisfy (e.g. signature enforcement). */
  readonly imageSecurityPolicy?: ResourcePath;
  /** Sigstore configuration for simple-signing verification. */
  readonly sigstoreConfig?: ResourcePath;
  /** Registry credentials (auth.json) for pulling from private registries inside the TEE. */
  readonly registryCredentials?: ResourcePath;
}

/** Validates a KBS endpoint and returns it normalised (PEM ending with one newline). */
export function validateKbsEndpoint(
  endpoint: KbsEndpoint,
  field: Field = 'kbs',
): Required<Omit<KbsEndpoint, 'caCertPem' | 'insecureHttpForDevelopment'>> & { caCertPem?: string } {
  check(typeof endpoint === 'object' && endpoint !== null, field, 'must be a KBS endpoint { url, caCertPem }');
  requireSynthTimeString(endpoint.url, subField(field, `.url`));
  let url: URL;
  try {
    url = new URL(endpoint.url);
  } catch {
    throw inputError(subField(field, `.url`), `must be an absolute URL such as "https://10.0.1.250:8080", got ${show(endpoint.url)}`);
  }
  const insecure = endpoint.plainHttpInsecure === true || endpoint.insecureHttpForDevelopment === true;
  check(
    url.protocol === 'https:' || (insecure && url.protocol === 'http:'),
    subField(field, `.url`),
    `must use https, got ${show(endpoint.url)}; plain http needs plainHttpInsecure: true and is for development only`,
  );
  check(
    (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '' && url.username === '' && url.password === '',
    subField(field, `.url`),
    `must be a base URL without path, query, fragment or credentials, got ${show(endpoint.url)}`,
  );
  check(!endpoint.url.endsWith('/'), subField(field, `.url`), `must not end with "/", got ${show(endpoint.url)}`);
  let caCertPem: string | undefined;
  if (endpoint.caCertPem !== undefined) {
    requireSynthTimeString(endpoint.caCertPem, subField(field, `.caCertPem`));
    const problem = certificateProblem(endpoint.caCertPem, 'the KBS keeps its private key, never the plan or initdata', 'the KBS CA');
    check(problem === undefined, subField(field, `.caCertPem`), problem ?? '');
    caCertPem = endpoint.caCertPem.trim() + '\n';
  }
  check(
    caCertPem !== undefined || insecure,
    subField(field, `.caCertPem`),
    'is required: pod VMs must verify the KBS certificate; pass the PEM of the CA that issued it',
  );
  check(
    !(url.protocol === 'https:' && caCertPem === undefined),
    subField(field, `.caCertPem`),
    'is required with an https URL: the guest trusts no public CA for the KBS',
  );
  return { url: endpoint.url, plainHttpInsecure: insecure, ...(caCertPem ? { caCertPem } : {}) };
}

/** Renders the attestation agent configuration (aa.toml) that points the guest at the KBS. */
export function renderAaToml(endpoint: KbsEndpoint): string {
  const kbs = validateKbsEndpoint(endpoint);
  const tokenKbs: Record<string, string> = { url: kbs.url };
  if (kbs.caCertPem) tokenKbs.cert = kbs.caCertPem;
  return withNewline(stringifyToml({ token_configs: { kbs: tokenKbs } }));
}

/** Inputs of the confidential data hub configuration. */
export interface CdhTomlProps {
  /** The KBS the CDH fetches resources from. */
  readonly kbs: KbsEndpoint;
  /**
   * Image pull security settings.
   * @default - none: images are pulled without a signature policy
   */
  readonly image?: ImageSecuritySettings;
}

/** Renders the confidential data hub configuration (cdh.toml). */
export function renderCdhToml(props: CdhTomlProps): string {
  const kbs = validateKbsEndpoint(props.kbs);
  const kbc: Record<string, string> = { name: 'cc_kbc', url: kbs.url };
  if (kbs.caCertPem) kbc.kbs_cert = kbs.caCertPem;
  const doc: Record<string, unknown> = {
    socket: 'unix:///run/confidential-containers/cdh.sock',
    kbc,
  };
  const image: Record<string, string> = {};
  const settings = props.image ?? {};
  if (settings.imageSecurityPolicy) image.image_security_policy_uri = settings.imageSecurityPolicy.uri;
  if (settings.sigstoreConfig) image.sigstore_config_uri = settings.sigstoreConfig.uri;
  if (settings.registryCredentials) image.authenticated_registry_credentials_uri = settings.registryCredentials.uri;
  if (Object.keys(image).length > 0) doc.image = image;
  return withNewline(stringifyToml(doc));
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
