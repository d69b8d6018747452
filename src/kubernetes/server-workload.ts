// What KeyManager and ConfidentialInference share: the props of a server workload, parsed by the workload's own
// rules (so an error names the outer construct's prop), and the ConfidentialWorkload props they become.
import * as v from 'valibot';

import type { ResourcePathLike } from '../attestation/resource-path';
import { ConfidentialVmSize, vmSizeSchema } from '../azure/vm-sizes';
import type { IKeyBrokerService } from '../kbs/key-broker';
import {
  CommandLine,
  ConfidentialContainer,
  ConfidentialWorkloadOptions,
  ConfidentialWorkloadProps,
  containerOfParsed,
  KbsResourceSpec,
  PlainHttpInsecure,
  WithTls,
} from './confidential-workload-props';
import type { IPeerPodsRuntime } from './peer-pods-runtime';
import type { WorkloadNamespace } from './workload-namespace';
import { IConstruct } from '../internal/cdktf';
import { ConstructValidationError, bool } from '../internal/validation';
import {
  containerSchema,
  envSchema,
  kbsResourceSpecSchema,
  kbsSchema,
  replicasSchema,
  runtimeSchema,
  serverProbesSchema,
  transportProblem,
} from './confidential-workload-schema';
import { Probe, ProbeOptions, ServerProbes, serverProbes } from './probe';
import { namespaceSchema } from './prop-schemas';
import { ServerTlsSettings, WorkloadTlsSettings, serverTlsSchema } from './workload-tls';

/**
 * The props every server workload (KeyManager, ConfidentialInference) takes, documented once: the common options,
 * where the server's command line comes from (`CommandLine`), and how clients reach it (`ServerTransport`).
 */
export type ServerWorkloadOptions = ServerWorkloadCommonOptions & CommandLine & ServerTransport;

/**
 * How clients reach a server workload: TLS ending in the pod VM (the workload's identity, who may connect
 * (`clients`), and model users on a listener of their own (`users`); the server then listens on 127.0.0.1 and only
 * the proxies' TLS ports are reachable from outside its pod VM), or plain HTTP on the cluster network for development.
 */
export type ServerTransport = WithTls<ServerTlsSettings> | PlainHttpInsecure;

/** The options every server workload takes besides its command line and transport (`ServerWorkloadOptions`). */
export interface ServerWorkloadCommonOptions {
  /** The peer-pods runtime. */
  readonly runtime: IPeerPodsRuntime;
  /** The KBS that holds the workload's keys. */
  readonly kbs: IKeyBrokerService;
  /** The server image, pinned by digest. */
  readonly image: string;
  /** Arguments. @default - the image's */
  readonly args?: string[];
  /** Registry credentials the pod VM pulls the images with (a KBS resource). @default - anonymous pulls */
  readonly registryCredentials?: ResourcePathLike | KbsResourceSpec;
  /**
   * Namespace: a WorkloadNamespace, or the name of one that already exists.
   * @default - the stack's `confidential-ai` WorkloadNamespace, created if missing
   */
  readonly namespace?: WorkloadNamespace | string;
  /** Pod VM size. @default - the runtime's default */
  readonly instanceSize?: ConfidentialVmSize;
  /** Replicas. @default 1 */
  readonly replicas?: number;
  /** Extra plain environment (no secrets). @default - none */
  readonly env?: Record<string, string>;
  /**
   * Probes of the server (`Probe`); each one given replaces its default. With TLS they must reach a TLS port:
   * `Probe.throughTlsProxy({ ... })` (the proxy's status endpoint, which checks the server on 127.0.0.1).
   * @default - through the TLS proxy (TCP on the port without TLS), with the server's own timing
   */
  readonly probes?: ServerProbes;
}

/**
 * The props the server workloads (KeyManager, ConfidentialInference) share, parsed by the same rules as the
 * container and the workload they become: an error names the outer construct's prop.
 */
export const serverWorkloadShape = {
  runtime: runtimeSchema,
  kbs: kbsSchema,
  image: containerSchema.entries.image,
  imageFacts: containerSchema.entries.imageFacts,
  command: containerSchema.entries.command,
  args: containerSchema.entries.args,
  runAsUser: containerSchema.entries.runAsUser,
  registryCredentials: v.optional(kbsResourceSpecSchema),
  namespace: v.optional(namespaceSchema),
  instanceSize: v.optional(vmSizeSchema),
  replicas: replicasSchema,
  env: v.optional(envSchema, {}),
  probes: serverProbesSchema,
  tls: v.optional(serverTlsSchema),
  plainHttpInsecure: v.optional(bool(), false),
};

/** The parsed shared props of a server workload. */
export type ParsedServerWorkload = v.InferOutput<v.ObjectSchema<typeof serverWorkloadShape, undefined>>;

/** The server container of a server workload. */
export interface ServerContainer {
  /** Container name. */
  readonly name: string;
  /** The port it listens on (the Service's port). */
  readonly port: number;
  /** Its environment. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The timing of its default probes (each one given in the props replaces that default): through the TLS proxy's
   * status endpoint with TLS, a TCP connection to the port without.
   */
  readonly defaultProbes: Readonly<Record<keyof ServerProbes, Omit<ProbeOptions, 'port'>>>;
  /** Its requests. @default - the workload's default */
  readonly resources?: ConfidentialContainer['resources'];
}

/**
 * The ConfidentialWorkload props of a server: the one server container, behind the Service on its port, with
 * the construct's TLS; `more` adds what the construct has of its own (resources, init containers, image pulls,
 * TLS with upstreams). With TLS the server listens on 127.0.0.1 (`HOST`), declares no port (only the proxy's TLS
 * ports are reachable from outside the pod VM) and is probed through its proxy. The transport (`tls`, or
 * `plainHttpInsecure`, never both) is checked here, so its error names the construct the user gave it to.
 */
export function serverWorkloadProps(
  scope: IConstruct,
  type: string,
  p: ParsedServerWorkload & { readonly name: string },
  server: ServerContainer,
  more: Pick<ConfidentialWorkloadOptions, 'initContainers' | 'resources' | 'scratchVolumes' | 'imagePull'> & { readonly tls?: WorkloadTlsSettings },
): ConfidentialWorkloadProps {
  const fail = (field: string, message: string): never => {
    throw new ConstructValidationError(scope.node.path, type, field, message);
  };
  const { tls: moreTls, ...rest } = more;
  const tls = moreTls ?? p.tls;
  const problem = transportProblem({ tls, plainHttpInsecure: p.plainHttpInsecure }, p.name, `the ${type}`);
  if (problem) fail(problem.field, problem.message);
  const probe = (timing: Omit<ProbeOptions, 'port'>) => (tls ? Probe.throughTlsProxy(timing) : Probe.fromTcpSocket(timing));
  const d = server.defaultProbes;
  const defaults = { readiness: probe(d.readiness), liveness: probe(d.liveness), startup: probe(d.startup) };
  const options: ConfidentialWorkloadOptions = {
    runtime: p.runtime,
    kbs: p.kbs,
    name: p.name,
    namespace: p.namespace,
    instanceSize: p.instanceSize,
    replicas: p.replicas,
    containers: [
      containerOfParsed({
        name: server.name,
        image: p.image,
        imageFacts: p.imageFacts,
        command: p.command,
        args: p.args,
        runAsUser: p.runAsUser,
        ...(tls ? {} : { ports: [server.port] }),
        env: { ...(tls ? { HOST: '127.0.0.1' } : {}), ...server.env },
        ...(server.resources ? { resources: server.resources } : {}),
        ...serverProbes(defaults, p.probes),
      }),
    ],
    service: { port: server.port },
    ...rest,
  };
  return { ...options, ...(tls ? { tls } : { plainHttpInsecure: true }) };
}
