// What a confidential workload exposes outside its pod VM, and the rules that keep it to TLS listeners only.
// Pure: the construct describes its pod, its proxies, probes and Service; this module decides and explains.
import { Field, inputError, show, subField } from './errors';

/** A port of the pod VM that accepts connections from outside it (the node, other pods, the cluster network). */
export interface ExposedPort {
  /** TCP port. */
  readonly port: number;
  /** The container listening on it. */
  readonly container: string;
  /** `tls`: TLS ends inside the pod VM (the library's proxy); `plain`: clear text (development only). */
  readonly protocol: 'tls' | 'plain';
  /** What it is for, in words (for the trust report). */
  readonly purpose: string;
}

/** A listener the library renders itself (the TLS proxies), with the address it binds. */
export interface RenderedListener {
  /** The container (a proxy). */
  readonly container: string;
  /** The port. */
  readonly port: number;
  /** True when it binds a non-loopback address (reachable from outside the pod VM). */
  readonly external: boolean;
  /** True when it speaks TLS. */
  readonly tls: boolean;
  /** What it is for. */
  readonly purpose: string;
}

/** A container of the pod as the exposure rules see it. */
export interface ExposureContainer {
  /** Container name. */
  readonly name: string;
  /** Where its props are, for errors (e.g. `containers[0]`, or `tls` for a container the TLS settings add). */
  readonly field: Field;
  /** True for init containers (they run to completion before the others start). */
  readonly init: boolean;
  /** True for containers the library renders (TLS proxies, the key fetcher, the ingress filter). */
  readonly rendered: boolean;
  /** The ports it declares. */
  readonly ports: readonly number[];
  /** Its command line, as the runtime starts it (Process.Args). */
  readonly args: readonly string[];
  /** Its environment, as the runtime starts it (`NAME=value`). */
  readonly env: readonly string[];
}

/** A probe of the kubelet: it connects from the worker node, outside the pod VM. */
export interface ExposureProbe {
  /** The container it belongs to. */
  readonly container: string;
  /** Where it is, for errors (e.g. `containers[0].readinessProbe`). */
  readonly field: Field;
  /** The port it connects to. */
  readonly port: number;
  /** `HTTP`, `HTTPS` (an HTTP GET) or `TCP` (a connection). */
  readonly scheme: 'HTTP' | 'HTTPS' | 'TCP';
}

/** What the exposure rules are given. */
export interface ExposureInput {
  /** True when a TLS proxy fronts the workload (its Service and probes must reach TLS listeners only). */
  readonly tls: boolean;
  /** The listeners the library renders (proxies). */
  readonly listeners: readonly RenderedListener[];
  /** Every container of the pod. */
  readonly containers: readonly ExposureContainer[];
  /** Every probe. */
  readonly probes: readonly ExposureProbe[];
  /** The Service's target port, if the workload has a Service. */
  readonly service?: { readonly targetPorts: readonly number[]; readonly field: Field };
  /**
   * True when an ingress filter in the pod VM admits inbound connections to the TLS listeners only, and the agent
   * policy makes it run first (the generated one; a custom or insecure policy does not).
   */
  readonly ingressFilter: boolean;
}

/** Where a container's visible configuration says it listens. */
export type ListenAddress = 'loopback' | 'wildcard' | 'not visible';

/** What a workload exposes, and what synth could not see. */
export interface WorkloadExposure {
  /** The ports reachable from outside the pod VM. With TLS and an ingress filter, exactly the TLS listeners. */
  readonly ports: readonly ExposedPort[];
  /** True when an ingress filter admits only `ports`. */
  readonly filtered: boolean;
  /** Per application container (not rendered by the library, not init), where its args or env say it listens. */
  readonly applications: ReadonlyArray<{ readonly container: string; readonly listens: ListenAddress }>;
  /** Warnings for the construct to report. */
  readonly warnings: readonly string[];
}

// An address that binds every interface: 0.0.0.0, [::] or ::, *:<port>, or a bare :<port> (Go's empty host).
const WILDCARD = [
  /(?:^|[^\w.])0\.0\.0\.0(?![\w.])/,
  /\[::\](?::\d+)?(?![\w.])/,
  /(?:^|[\s=,])::(?=$|[\s,])/,
  /(?:^|[\s=,])\*:\d{1,5}(?=$|[\s,/])/,
  /(?:^|[\s=,]):\d{1,5}(?=$|[\s,/])/,
];
// A loopback address: 127.x.y.z, localhost, [::1] or ::1.
const LOOPBACK = [
  /(?:^|[^\w.])127\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\w.])/,
  /(?:^|[^\w.-])localhost(?![\w.-])/,
  /\[::1\]/,
  /(?:^|[\s=,])::1(?=$|[\s,:])/,
];

/**
 * The first arg or env value of `container` that names a wildcard address, and the first that names loopback. Evidence,
 * not proof: synth cannot tell a bind address from an address the container calls (`KEY_MANAGER_URL`), so a loopback
 * address is reported as named, and only a wildcard one is refused.
 */
export function listenEvidence(container: Pick<ExposureContainer, 'args' | 'env'>): { wildcard?: string; loopback?: string } {
  const values = [...container.args, ...container.env.map((e) => e.slice(e.indexOf('=') + 1))];
  const labelled = [...container.args, ...container.env];
  const find = (patterns: RegExp[]) => {
    const i = values.findIndex((value) => patterns.some((p) => p.test(value)));
    return i < 0 ? undefined : labelled[i];
  };
  const wildcard = find(WILDCARD);
  const loopback = find(LOOPBACK);
  return { ...(wildcard !== undefined ? { wildcard } : {}), ...(loopback !== undefined ? { loopback } : {}) };
}

/**
 * The ports a workload's pod VM exposes, after checking the rules that keep a TLS workload's plaintext ports
 * inside it: with a TLS proxy, no probe, declared port or Service reaches a port other than a TLS listener,
 * and no container's args or env binds a wildcard address. Throws (naming the field) on the first violation.
 */
export function workloadExposure(input: ExposureInput): WorkloadExposure {
  const external = input.listeners.filter((l) => l.external);
  const tlsPorts = new Set(external.filter((l) => l.tls).map((l) => l.port));
  const describe = () => [...tlsPorts].sort((a, b) => a - b).join(', ');
  const warnings: string[] = [];
  const applications: Array<{ container: string; listens: ListenAddress }> = [];

  if (input.tls) {
    for (const c of input.containers) {
      const own = new Set(external.filter((l) => l.container === c.name).map((l) => l.port));
      c.ports.forEach((port, i) => {
        if (!own.has(port))
          throw inputError(
            subField(c.field, `.ports[${i}]`),
            `${port} is not a TLS port of this workload (its TLS listeners: ${describe()}): a declared port is an invitation to ` +
              'reach it from outside the pod VM. Drop it: the application listens on 127.0.0.1 and its TLS proxy is the only way in',
          );
      });
      if (c.rendered) continue;
      const seen = listenEvidence(c);
      if (seen.wildcard !== undefined)
        throw inputError(
          c.field,
          `listens on every interface (${show(seen.wildcard)} in its ${c.args.includes(seen.wildcard) ? 'args' : 'env'}): its plaintext ` +
            'port would be reachable from outside the pod VM beside the TLS proxy. Bind 127.0.0.1 (the proxy reaches it there)',
        );
      if (!c.init) {
        applications.push({ container: c.name, listens: seen.loopback !== undefined ? 'loopback' : 'not visible' });
        if (seen.loopback === undefined)
          warnings.push(
            `container "${c.name}": synth cannot see where it listens (no loopback address in its args or env); make sure it binds ` +
              `127.0.0.1, or its plaintext port is reachable from outside the pod VM` +
              (input.ingressFilter ? ' if the ingress filter does not run' : ''),
          );
      }
    }
    for (const probe of input.probes) {
      if (!tlsPorts.has(probe.port))
        throw inputError(
          probe.field,
          `probes port ${probe.port}, which is not a TLS listener of this workload (${describe()}): the kubelet probes from the node, ` +
            'so the port would have to be open outside the pod VM. Use Probe.throughTlsProxy() (the proxy status endpoint checks the application)',
        );
      if (probe.scheme === 'HTTP')
        throw inputError(
          probe.field,
          `is a plain HTTP GET on the TLS port ${probe.port}; use Probe.throughTlsProxy(), or an HTTPS GET or TCP probe of a TLS port`,
        );
    }
    for (const target of input.service?.targetPorts ?? [])
      if (!tlsPorts.has(target))
        throw inputError(input.service!.field, `targets port ${target}, which is not a TLS listener of this workload (${describe()})`);
  }

  const ports: ExposedPort[] = external.map((l) => ({
    port: l.port,
    container: l.container,
    protocol: l.tls ? 'tls' : 'plain',
    purpose: l.purpose,
  }));
  if (!input.tls) {
    // Without a proxy every declared port is the application's own, in clear text.
    for (const c of input.containers)
      for (const port of c.ports)
        if (!ports.some((p) => p.port === port)) ports.push({ port, container: c.name, protocol: 'plain', purpose: 'application (clear text)' });
    for (const target of input.service?.targetPorts ?? [])
      if (!ports.some((p) => p.port === target))
        ports.push({ port: target, container: '', protocol: 'plain', purpose: 'Service target (clear text)' });
  }
  return {
    ports: ports.sort((a, b) => a.port - b.port),
    filtered: input.tls && input.ingressFilter,
    applications,
    warnings,
  };
}

/** One line per exposed port, for the trust report: `8443/tcp TLS (tls-server: ...)`. */
export function describeExposure(exposure: WorkloadExposure): string {
  if (exposure.ports.length === 0) return 'none';
  const ports = exposure.ports.map(
    (p) => `${p.port}/tcp ${p.protocol === 'tls' ? 'TLS' : '**clear text**'} (${p.container || 'Service'}: ${p.purpose})`,
  );
  const where = { loopback: 'names 127.0.0.1 in its args or env, no wildcard address', other: 'listens on an address synth cannot see' };
  const apps = exposure.applications.map((a) => `${a.container} ${a.listens === 'loopback' ? where.loopback : where.other}`);
  const filter = exposure.filtered ? 'ingress filter admits only these' : 'no ingress filter';
  return [...ports, filter, ...apps].join('<br>');
}
