import * as v from 'valibot';
import { firstIssue, int, strictObject, type Schema } from '../internal/validation';
import { AttestationInputError, Field, inputError, show, subField } from '../attestation/errors';

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

const tcpOptions = strictObject(timing);
const httpOptions = strictObject({ ...timing, scheme: v.optional(v.picklist(['HTTP', 'HTTPS']), 'HTTP') });

/** The Deployment container's probe block (provider attribute names). */
export interface RenderedProbe {
  readonly httpGet?: { readonly path: string; readonly port: string; readonly scheme: string };
  readonly tcpSocket?: Array<{ readonly port: string }>;
  readonly initialDelaySeconds?: number;
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
  readonly failureThreshold?: number;
}

/**
 * A readiness, liveness or startup probe of a confidential container: an HTTP GET or a TCP connection, made
 * by the kubelet over the pod network, so no agent request is involved and the agent policy has nothing to
 * admit. There is no exec probe: an exec is a host-chosen command inside the TEE, which the agent policy denies.
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

  private constructor(
    private readonly check: { kind: 'http'; path: string; scheme: string } | { kind: 'tcp' },
    private readonly options: ProbeOptions,
  ) {}

  /** `http <path>` or `tcp`, with the port when fixed. */
  public describe(): string {
    const port = this.options.port !== undefined ? ` :${this.options.port}` : '';
    return this.check.kind === 'http' ? `${this.check.scheme} GET ${this.check.path}${port}` : `TCP${port}`;
  }

  /** Renders the probe for a container whose ports are `ports`; fails (naming `field`) when no port is known. */
  public render(ports: readonly number[], field: Field = 'probe'): RenderedProbe {
    const port = this.options.port ?? ports[0];
    if (port === undefined)
      throw inputError(
        subField(field, '.port'),
        `the container exposes no port for the ${this.describe()} probe; set ports on the container or port on the probe`,
      );
    const { initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold } = this.options;
    const timings = Object.fromEntries(
      Object.entries({ initialDelaySeconds, periodSeconds, timeoutSeconds, failureThreshold }).filter(([, v]) => v !== undefined),
    );
    return this.check.kind === 'http'
      ? { httpGet: { path: this.check.path, port: String(port), scheme: this.check.scheme }, ...timings }
      : { tcpSocket: [{ port: String(port) }], ...timings };
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
  const { path, message } = firstIssue(r.issues);
  throw new AttestationInputError(['probe', ...path].join('.'), message);
}
