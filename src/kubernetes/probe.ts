import * as v from 'valibot';
import { int, issueReport, oneOf, strictObject, type Schema } from '../internal/validation';
import { AttestationInputError, Field, formatPath, inputError, show, subField } from '../attestation/errors';

/** Timing of a probe (Kubernetes defaults where omitted). */
export interface ProbeOptions {
  /**
   * The container port probed.
   * @default - the container's first port
   */
  readonly port?: number;
  /** Seconds after the container starts before the first probe. @default 0 */
  readonly initialDelaySeconds?: number;
  /** Seconds between probes. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds before a probe times out. @default 1 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before the probe counts as failed. @default 3 */
  readonly failureThreshold?: number;
}

/** Options of an HTTP probe. */
export interface HttpProbeOptions extends ProbeOptions {
  /** HTTP or HTTPS (certificates are not verified by the kubelet). @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
}

const timing = {
  port: v.optional(int(1, 65535)),
  initialDelaySeconds: v.optional(int(0, 3600)),
  periodSeconds: v.optional(int(1, 3600)),
  timeoutSeconds: v.optional(int(1, 3600)),
  failureThreshold: v.optional(int(1, 1000)),
};

/** The schemas of the probes' options (internal: not in the main entry). */
export const tcpOptions = strictObject(timing);
export const httpOptions = strictObject({ ...timing, scheme: v.optional(oneOf(['HTTP', 'HTTPS']), 'HTTP') });
export const proxyOptions = strictObject({ ...timing, port: v.optional(v.never('is the proxy status port; it cannot be set here')) });

/** The Deployment container's probe block (provider attribute names). */
export interface RenderedProbe {
  readonly httpGet?: { readonly path: string; readonly port: string; readonly scheme: string };
  readonly tcpSocket?: Array<{ readonly port: string }>;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

/** Where a probe may connect: the container's own ports, and the TLS proxy's status endpoint when there is one. */
export interface ProbeTarget {
  /** The container's declared ports (the first is the default port). */
  readonly ports: readonly number[];
  /** The HTTPS status port of the workload's TLS proxy. @default - none: the workload serves no TLS */
  readonly tlsStatusPort?: number;
}

/** The status path of the TLS proxy (ghostunnel): 200 when its backend, the application, accepts connections. */
export const TLS_PROXY_STATUS_PATH = '/_status';

/**
 * A readiness, liveness or startup probe of a confidential container: an HTTP GET or a TCP connection, made
 * by the kubelet over the pod network, so no agent request is involved and the agent policy has nothing to
 * admit. There is no exec probe: an exec is a host-chosen command inside the TEE, which the agent policy denies.
 * A TLS workload's application is probed through its proxy (`throughTlsProxy`): the kubelet reaches only TLS ports.
 */
export class Probe {
  /** Probes with `GET <path>` on the port; any status from 200 to 399 passes. */
  public static fromHttpGet(path: string, options: HttpProbeOptions = {}): Probe {
    const p = parse(httpOptions, options);
    if (!/^\/[\x21-\x7e]*$/.test(path))
      throw new AttestationInputError('probe.path', `must be an absolute request path such as "/healthz" (got ${show(path)})`);
    return new Probe({ kind: 'http', path, scheme: p.scheme }, p);
  }

  /** Probes by opening a TCP connection to the port: passes once the server listens. */
  public static fromTcpSocket(options: ProbeOptions = {}): Probe {
    return new Probe({ kind: 'tcp' }, parse(tcpOptions, options));
  }

  /**
   * Probes a TLS workload's application through its TLS proxy: an HTTPS GET of the proxy's status endpoint,
   * which answers 200 only while the proxy reaches the application on 127.0.0.1. The kubelet never needs the
   * application's plaintext port, so it stays closed to everything outside the pod VM.
   */
  public static throughTlsProxy(options: Omit<ProbeOptions, 'port'> = {}): Probe {
    return new Probe({ kind: 'proxy-status' }, parse(proxyOptions, options));
  }

  private constructor(
    private readonly check: { kind: 'http'; path: string; scheme: string } | { kind: 'tcp' } | { kind: 'proxy-status' },
    private readonly options: ProbeOptions,
  ) {}

  /** `http <path>` or `tcp`, with the port when fixed. */
  public describe(): string {
    const port = this.options.port !== undefined ? ` :${this.options.port}` : '';
    if (this.check.kind === 'proxy-status') return 'TLS proxy status';
    return this.check.kind === 'http' ? `${this.check.scheme} GET ${this.check.path}${port}` : `TCP${port}`;
  }

  /** The port and scheme the kubelet connects to for a container with `target`; fails (naming `field`) when none is known. */
  public target(target: ProbeTarget, field: Field = 'probe'): { readonly port: number; readonly scheme: 'HTTP' | 'HTTPS' | 'TCP' } {
    if (this.check.kind === 'proxy-status') {
      if (target.tlsStatusPort === undefined)
        throw inputError(field, 'probes through the TLS proxy, but this workload serves no TLS; give it tls, or use fromHttpGet / fromTcpSocket');
      return { port: target.tlsStatusPort, scheme: 'HTTPS' };
    }
    const port = this.options.port ?? target.ports[0];
    if (port === undefined)
      throw inputError(
        subField(field, '.port'),
        `the container exposes no port for the ${this.describe()} probe; ` +
          (target.tlsStatusPort !== undefined
            ? 'probe a TLS workload through its proxy: Probe.throughTlsProxy()'
            : 'set ports on the container or port on the probe'),
      );
    return { port, scheme: this.check.kind === 'http' ? (this.check.scheme as 'HTTP' | 'HTTPS') : 'TCP' };
  }

  /** Renders the probe for a container with `target`; fails (naming `field`) when no port is known. */
  public render(target: ProbeTarget, field: Field = 'probe'): RenderedProbe {
    const { port, scheme } = this.target(target, field);
    const { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold } = this.options;
    const timings = Object.fromEntries(
      Object.entries({ initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold }).filter(([, v]) => v !== undefined),
    );
    if (this.check.kind === 'tcp') return { tcpSocket: [{ port: String(port) }], ...timings };
    const path = this.check.kind === 'http' ? this.check.path : TLS_PROXY_STATUS_PATH;
    return { httpGet: { path, port: String(port), scheme }, ...timings };
  }
}

/** The probes of a server container; each one given replaces that default. */
export interface ServerProbes {
  /** When the Service may route to it. */
  readonly readiness?: Probe;
  /** When the kubelet restarts it. */
  readonly liveness?: Probe;
  /** How long it may take to start before the other probes count. */
  readonly startup?: Probe;
}

/** `probes` merged over `defaults`, as container props. */
export function serverProbes(
  defaults: Required<ServerProbes>,
  probes: ServerProbes = {},
): { readinessProbe: Probe; livenessProbe: Probe; startupProbe: Probe } {
  return {
    readinessProbe: probes.readiness ?? defaults.readiness,
    livenessProbe: probes.liveness ?? defaults.liveness,
    startupProbe: probes.startup ?? defaults.startup,
  };
}

function parse<T>(schema: Schema<T>, options: unknown): T {
  const r = v.safeParse(schema, options);
  if (r.success) return r.output;
  const { path, message } = issueReport(r.issues, options);
  throw new AttestationInputError(formatPath(['probe', ...path]), message);
}
