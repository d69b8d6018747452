import { AgentPolicy } from '../attestation/agent-policy';
import { ImageFacts } from '../attestation/image-facts';
import type { ResourcePathLike } from '../attestation/resource-path';
import { ConfidentialVmSize } from '../azure/vm-sizes';
import { ResourceSource } from '../attestation/resource-source';
import { IPeerPodsRuntime } from './peer-pods-runtime';
import { IKeyBrokerService } from '../kbs/key-broker';
import { Probe } from './probe';
import { WorkloadTlsSettings } from './workload-tls';
import { WorkloadNamespace } from './workload-namespace';

/**
 * A container of a confidential pod. The agent policy pins the exact command line, environment and UID it runs
 * with, so they must be known at synth time: from the image's verified facts (`FromImageFacts`), or written out
 * (`WithCommand`).
 */
export type ConfidentialContainer = ConfidentialContainerOptions & CommandLine;

/** Where the agent policy learns a container's command line, environment and UID: one of the two. */
export type CommandLine = FromImageFacts | WithCommand;

/** The command line, ENV, WORKDIR and USER from the image's verified facts, unless overridden. */
export interface FromImageFacts {
  /**
   * The image's entrypoint, command, ENV, WORKDIR and USER, verified against the image digest
   * (`ImageFacts.fromDirectory(image, dir)`).
   */
  readonly imageFacts: ImageFacts;
  /** Entrypoint override. @default - the image's ENTRYPOINT (and CMD when `args` is not set) */
  readonly command?: string[];
  /** Run as this UID. @default - the image's numeric USER, which must not be root */
  readonly runAsUser?: number;
}

/**
 * The command line and UID written out, without image facts: the image is then assumed to set no ENV (but PATH)
 * or WORKDIR, and a warning says so.
 */
export interface WithCommand {
  /** No image facts (see `FromImageFacts`). */
  readonly imageFacts?: undefined;
  /** The entrypoint (the image's is not known). */
  readonly command: string[];
  /** Run as this UID (1 or more: the pod runs as non-root). */
  readonly runAsUser: number;
}

/**
 * A container assembled from parsed props, where the choice of `CommandLine` was checked at run time rather than
 * by the types: the pod rules decide at synth (`command` is required without facts, `runAsUser` without a
 * numeric USER) and name the field.
 */
export function containerOfParsed(
  container: ConfidentialContainerOptions & { readonly imageFacts?: ImageFacts; readonly command?: string[]; readonly runAsUser?: number },
): ConfidentialContainer {
  return container as ConfidentialContainer;
}

/** What every confidential container has, whichever way its command line is known. */
export interface ConfidentialContainerOptions {
  /** Container name. */
  readonly name: string;
  /** Image, fully qualified and pinned by digest (`registry/repo@sha256:<64 hex>`): the agent policy admits only it. */
  readonly image: string;
  /** Arguments. @default - the image's CMD (from `imageFacts`) when `command` is not set, else none */
  readonly args?: string[];
  /** Working directory. @default - the image's WORKDIR, else "/" */
  readonly workingDir?: string;
  /**
   * Plain environment variables. They travel through the untrusted host: never put a secret here (secrets
   * come from the KBS through the CDH), and do not rely on them for security decisions.
   * @default - none
   */
  readonly env?: Record<string, string>;
  /** Container ports. @default - none */
  readonly ports?: number[];
  /**
   * Resource requests (also the limits); the peer-pods webhook sizes nothing from them, the instance size
   * decides the VM, but the kubelet still schedules by them.
   * @default { cpu: '250m', memory: '512Mi' }
   */
  readonly resources?: { readonly cpu: string; readonly memory: string };
  /**
   * Mount the root filesystem read-only (a writable /tmp is provided).
   * @default true
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Run with this primary GID. With the image pulled inside the pod VM the node cannot read the image's
   * /etc/passwd, so without it the container runs with GID 0.
   * @default 0
   */
  readonly runAsGroup?: number;
  /**
   * When the Service may route to the container. HTTP or TCP only (`Probe`): exec probes are denied by the
   * agent policy.
   * @default - a TCP probe of the first port when the container has ports, else none
   */
  readonly readinessProbe?: Probe;
  /** When the kubelet restarts the container. @default - none */
  readonly livenessProbe?: Probe;
  /** Holds off the other probes until the container has started (slow starts such as model loading). @default - none */
  readonly startupProbe?: Probe;
}

/** A KBS resource, and where its bytes come from. */
export interface KbsResourceSpec {
  /** The resource, `kbs:///repo/type/tag`. */
  readonly resource: ResourcePathLike;
  /** Where the KBS gets it. @default ResourceSource.outOfBand() */
  readonly source?: ResourceSource;
}

/**
 * How the pod VM pulls its images (cdh.toml `[image]`). Each setting is a KBS resource, declared on the KBS
 * and released to this workload only; none of it enters the plan.
 */
export interface ImagePullSettings {
  /**
   * Registry credentials (a containers auth.json: `{"auths": {"<registry>": {"auth": "<base64 user:token>"}}}`)
   * for pulling from private registries inside the TEE; the node's credentials never reach the pod VM.
   * @default - anonymous pulls
   */
  readonly registryCredentials?: ResourcePathLike | KbsResourceSpec;
  /** A containers-policy.json every pull must satisfy (signature enforcement). @default - no signature policy */
  readonly signaturePolicy?: ResourcePathLike | KbsResourceSpec;
  /** The sigstore configuration that policy needs for simple signing. @default - none */
  readonly sigstoreConfig?: ResourcePathLike | KbsResourceSpec;
}

/** A KBS resource the workload reads through the CDH, and the env var that carries its URL. */
export interface WorkloadResource {
  /** The resource, `kbs:///repo/type/tag`. */
  readonly resource: ResourcePathLike;
  /**
   * Environment variable that receives `http://127.0.0.1:8006/cdh/resource/<repo>/<type>/<tag>`.
   * @default 'KBS_RESOURCE_<REPO>_<TYPE>_<TAG>'
   */
  readonly env?: string;
}

/** A scratch volume inside the pod VM (emptyDir; host paths are never offered). */
export interface ScratchVolume {
  /** Volume name. */
  readonly name: string;
  /** Where every container mounts it. */
  readonly mountPath: string;
  /** Size limit, e.g. `20Gi`. @default - none */
  readonly sizeLimit?: string;
}

/**
 * Props of ConfidentialWorkload: its pods, and how its Service is reached (`WorkloadTransport`: a Service needs
 * `tls`, or `plainHttpInsecure` for development).
 */
export type ConfidentialWorkloadProps = ConfidentialWorkloadOptions & WorkloadTransport;

/** How a workload is reached: TLS ending in its pod VMs, plain HTTP for development, or no Service at all. */
export type WorkloadTransport = WithTls<WorkloadTlsSettings> | PlainHttpInsecure | WithoutService;

/** No Service, so nothing to secure on the way in (a workload that only calls out, or reads its KBS resources). */
export interface WithoutService {
  /** No Service. */
  readonly service?: undefined;
  /** No TLS. */
  readonly tls?: undefined;
  /** Nothing served. @default false */
  readonly plainHttpInsecure?: false;
}

/** TLS that terminates inside the pod VM. */
export interface WithTls<T> {
  /**
   * TLS that terminates inside the pod VM (a pinned ghostunnel proxy with the workload's key from the KBS), for the
   * Service and for calls to other TLS workloads (`upstreams`).
   */
  readonly tls: T;
  /** Not with `tls`. @default false */
  readonly plainHttpInsecure?: false;
}

/** Plain HTTP on the cluster network, for development only. */
export interface PlainHttpInsecure {
  /** No TLS (see `WithTls`). */
  readonly tls?: undefined;
  /**
   * Serve the Service in plain HTTP on the cluster network (development only): the cluster admin reads the traffic
   * and can answer in the workload's place.
   */
  readonly plainHttpInsecure: true;
}

/** What every ConfidentialWorkload takes besides its transport (`ConfidentialWorkloadProps`). */
export interface ConfidentialWorkloadOptions {
  /** The peer-pods runtime (its RuntimeClass and instance sizes). */
  readonly runtime: IPeerPodsRuntime;
  /** The KBS the workload attests to and gets its resources from. */
  readonly kbs: IKeyBrokerService;
  /** Deployment name (part of the workload's identity). */
  readonly name: string;
  /**
   * Namespace (a literal: part of the workload's identity). A `WorkloadNamespace` is created by this app; a
   * name is a namespace that must already exist in the cluster.
   * @default - the stack's `confidential-ai` WorkloadNamespace, created if the stack has none (`WorkloadNamespace.defaultOf`)
   */
  readonly namespace?: WorkloadNamespace | string;
  /** The containers; their images are the only ones the pod VM will run. */
  readonly containers: ConfidentialContainer[];
  /** Init containers, pinned likewise. @default - none */
  readonly initContainers?: ConfidentialContainer[];
  /** KBS resources the pod needs; the resource policy releases them to this workload only. @default - none */
  readonly resources?: Array<ResourcePathLike | WorkloadResource>;
  /**
   * Pod VM size: one of the runtime's sizes. Its TEE decides the evidence type.
   * @default - the runtime's default size
   */
  readonly instanceSize?: ConfidentialVmSize;
  /** Replicas (each its own pod VM, all with the same identity). @default 1 */
  readonly replicas?: number;
  /**
   * A ClusterIP Service in front of the pods; it needs `tls` or `plainHttpInsecure` (`WorkloadTransport`). With `tls`
   * it exposes only the TLS port of the proxy, which forwards to `targetPort` (the application's port, default `port`) inside the pod VM.
   * @default - none
   */
  readonly service?: { readonly port: number; readonly targetPort?: number };
  /** Registry credentials and signature policy for pulls inside the TEE; declared on the KBS and bound to this workload. @default - none */
  readonly imagePull?: ImagePullSettings;
  /** Scratch volumes. @default - none */
  readonly scratchVolumes?: ScratchVolume[];
  /**
   * Let the host stream container logs (`kubectl logs`); logs leave the TEE in clear text.
   * @default false
   */
  readonly allowLogStreaming?: boolean;
  /**
   * Replaces the generated agent policy (e.g. one from kata's genpolicy). The insecure presets are accepted
   * with a warning annotation.
   * @default - AgentPolicy.forPod over exactly the pod this construct renders
   */
  readonly agentPolicy?: AgentPolicy;
}

/** A Kubernetes object name. */
