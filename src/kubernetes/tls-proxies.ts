// The TLS parts of a confidential workload's pod: the key-fetching init container and the ghostunnel proxies,
// all containers of the pod, so its agent policy admits exactly their images and command lines.
import { ingressFilterContainer } from '../attestation/ingress-filter';
import type { PodContainer } from '../attestation/pod-spec';
import { RenderedListener } from '../attestation/workload-exposure';
import { ParsedWorkloadProps } from './confidential-workload-schema';

/** The scratch volume the TLS key, certificate and CA are written to, seen by the proxies only. */
export const TLS_VOLUME = { name: 'tls', mountPath: '/tls', sizeLimit: '1Mi' };
/** The UID the proxies run as (the distroless nonroot user; any non-root UID works with the Alpine image). */
const PROXY_UID = 65532;
/** A container of the pod as the props describe one, with the role the pod model gives it (`PodContainer.role`). */
export type Container = ParsedWorkloadProps['containers'][number] & { readonly role?: PodContainer['role'] };

/**
 * The TLS parts of a pod: an init container that writes the key (fetched from the CDH, so released only to an
 * attested pod VM of this workload) and the public certificates (from its environment, which the agent policy
 * pins) into the TLS volume; a server proxy in front of the Service's application port; a client proxy per
 * upstream. All of them are containers of the pod: the agent policy admits exactly their images and command lines.
 */
export function renderTls(namespace: string, p: ParsedWorkloadProps, fail: (field: string, message: string) => never) {
  const settings = p.tls!;
  const identity = settings.identity;
  const name = p.name;
  if (identity.name !== name)
    fail(
      'tls.identity',
      `is the identity of "${identity.name}", not of this workload "${name}": clients check the CN; use workloadTls.identity('${name}')`,
    );
  const host = `${name}.${namespace}.svc.cluster.local`;
  const proxy = (container: string, command: string[], ports?: number[]): Container => ({
    name: container,
    image: identity.tls.proxyImage,
    ...(identity.tls.proxyImageFacts ? { imageFacts: identity.tls.proxyImageFacts } : {}),
    command,
    ...(ports ? { ports } : {}),
    resources: { cpu: '50m', memory: '64Mi' },
    readOnlyRootFilesystem: true,
    runAsUser: PROXY_UID,
  });
  const files = ['--cert', '/tls/cert.pem', '--key', '/tls/key.pem', '--cacert', '/tls/ca.pem'];
  const init: Container = {
    ...proxy('tls-keys', [
      '/bin/sh',
      '-c',
      'wget -q -O /tls/key.pem "$TLS_KEY_URL" && printf "%s" "$TLS_CERT" > /tls/cert.pem && printf "%s" "$TLS_CA" > /tls/ca.pem',
    ]),
    env: { TLS_KEY_URL: identity.keyResource.cdhUrl, TLS_CERT: identity.certPem, TLS_CA: identity.tls.caCertPem },
  };
  const users = p.service ? settings.users : undefined;
  if (users) {
    const usersCa = identity.tls.usersCaCertPem;
    if (usersCa === undefined)
      fail('tls.users', "needs the deployment's users CA: create it with cai-create-workload-certs <dir> user:<name> (users/ca.pem)");
    // The users' CA goes into a file of its own: the workload listener and the client proxies never trust it.
    init.command![2] += ' && printf "%s" "$TLS_USERS_CA" > /tls/users-ca.pem';
    init.env!.TLS_USERS_CA = usersCa!;
  }
  const sidecars: Container[] = [];
  const listeners: RenderedListener[] = [];
  const ports = new Set<number>(p.containers.flatMap((c) => c.ports ?? []));
  if (p.service) {
    if (!identity.dnsNames.includes(host))
      fail(
        'tls.identity',
        `the certificate of "${name}" does not name ${host} (it names ${identity.dnsNames.join(', ') || 'no DNS name'}), ` +
          `so clients would refuse it; issue it with cai-create-workload-certs <dir> ${name}=${host}`,
      );
    const target = p.service.targetPort ?? p.service.port;
    if (settings.port === target) fail('tls.port', `${settings.port} is also the application's port; give the TLS port its own number`);
    if (ports.has(settings.port)) fail('tls.port', `${settings.port} is a port of an application container; give the TLS port its own number`);
    const status = settings.statusPort;
    if (status === settings.port || status === target || ports.has(status))
      fail('tls.statusPort', `${status} is already used in this pod (TLS port ${settings.port}, application port ${target}); give it its own number`);
    const access =
      settings.clients === 'any'
        ? ['--disable-authentication']
        : settings.clients === 'workload-ca'
          ? ['--allow-all']
          : settings.clients.flatMap((c) => ['--allow-cn', c]);
    sidecars.push(
      proxy(
        'tls-server',
        [
          '/usr/bin/ghostunnel',
          'server',
          '--listen',
          `0.0.0.0:${settings.port}`,
          '--target',
          `127.0.0.1:${target}`,
          ...files,
          ...access,
          // HTTPS with the workload's certificate: the kubelet's probes reach the application only through here.
          '--status',
          `https://0.0.0.0:${status}`,
        ],
        [settings.port, status],
      ),
    );
    if (users) {
      if ([settings.port, status, target].includes(users.port) || ports.has(users.port))
        fail('tls.users.port', `${users.port} is already used in this pod; give the users' listener its own number`);
      const userFiles = ['--cert', '/tls/cert.pem', '--key', '/tls/key.pem', '--cacert', '/tls/users-ca.pem'];
      sidecars.push(
        proxy(
          'tls-users',
          ['/usr/bin/ghostunnel', 'server', '--listen', `0.0.0.0:${users.port}`, '--target', `127.0.0.1:${target}`, ...userFiles, '--allow-all'],
          [users.port],
        ),
      );
      listeners.push({ container: 'tls-users', port: users.port, external: true, tls: true, purpose: 'model users (users CA only)' });
    }
    listeners.push(
      { container: 'tls-server', port: settings.port, external: true, tls: true, purpose: `TLS to the application on 127.0.0.1:${target}` },
      { container: 'tls-server', port: status, external: true, tls: true, purpose: `proxy status (HTTPS; checks 127.0.0.1:${target})` },
    );
  }
  const local = new Set<number>();
  for (const [i, { workload, localPort }] of settings.upstreams.entries()) {
    const field = `tls.upstreams[${i}]`;
    const endpoint = workload.tlsEndpoint;
    if (!endpoint) fail(field, `${workload.workloadName} serves no TLS; give it tls, or call it directly (development only)`);
    if (endpoint.identity.tls.caCertPem !== identity.tls.caCertPem)
      fail(
        field,
        `${workload.workloadName} uses another workload CA than this workload: its ` +
          `proxy would refuse this one's certificate; issue both identities from one CA`,
      );
    if (Array.isArray(endpoint.clients) && !endpoint.clients.includes(name))
      fail(field, `${workload.workloadName} admits only ${endpoint.clients.join(', ')}; add "${name}" to its tls.clients`);
    const cn = endpoint.identity.name;
    if (local.has(localPort) || ports.has(localPort)) fail(field, `local port ${localPort} is already used in this pod; give each upstream its own`);
    local.add(localPort);
    const clientName = `tls-to-${cn}`.slice(0, 63).replace(/-$/, '');
    sidecars.push(
      proxy(clientName, [
        '/usr/bin/ghostunnel',
        'client',
        '--listen',
        `127.0.0.1:${localPort}`,
        '--target',
        `${endpoint.host}:${endpoint.port}`,
        ...files,
        '--verify-cn',
        cn,
      ]),
    );
    listeners.push({ container: clientName, port: localPort, external: false, tls: false, purpose: `client proxy to ${endpoint.host}` });
  }
  // With a filter image, every TLS server pod starts by closing its inbound ports but the TLS listeners.
  const filterImage = p.service ? identity.tls.ingressFilterImage : undefined;
  const filter: Container | undefined =
    filterImage === undefined
      ? undefined
      : (() => {
          const c = ingressFilterContainer({
            image: filterImage,
            ...(identity.tls.ingressFilterImageFacts ? { imageFacts: identity.tls.ingressFilterImageFacts } : {}),
            ports: listeners.filter((l) => l.external && l.tls).map((l) => l.port),
          });
          return {
            name: c.name,
            image: c.image,
            ...(c.imageFacts ? { imageFacts: c.imageFacts } : {}),
            command: [...c.command!],
            env: Object.fromEntries(c.env.map((e) => [e.name, e.value])),
            resources: { cpu: '10m', memory: '32Mi' },
            readOnlyRootFilesystem: true,
            runAsUser: 0,
            role: c.role,
          };
        })();
  return {
    init: [...(filter ? [filter] : []), init],
    filterName: filter?.name,
    sidecars,
    keyResource: identity.keyResource,
    proxyNames: new Set([...(filter ? [filter.name] : []), init.name, ...sidecars.map((s) => s.name)]),
    endpoint: { host, port: settings.port, identity, clients: settings.clients },
    usersPort: users?.port,
    listeners,
    statusPort: p.service ? settings.statusPort : undefined,
  };
}
