import { check, show } from './errors';
import { requireSynthTimeString } from './tokens';

/**
 * Every request of the kata agent's ttRPC API that `package agent_policy` can decide, as of kata 3.x / 4.0.
 * A rule missing from a policy is denied by the agent, so every policy here names all of them.
 */
export const AGENT_REQUESTS = [
  'AddARPNeighborsRequest',
  'AddSwapRequest',
  'CloseStdinRequest',
  'CopyFileRequest',
  'CreateContainerRequest',
  'CreateSandboxRequest',
  'DestroySandboxRequest',
  'ExecProcessRequest',
  'GetMetricsRequest',
  'GetOOMEventRequest',
  'GuestDetailsRequest',
  'ListInterfacesRequest',
  'ListRoutesRequest',
  'MemHotplugByProbeRequest',
  'OnlineCPUMemRequest',
  'PauseContainerRequest',
  'PullImageRequest',
  'ReadStreamRequest',
  'RemoveContainerRequest',
  'RemoveStaleVirtiofsShareMountsRequest',
  'ReseedRandomDevRequest',
  'ResumeContainerRequest',
  'SetGuestDateTimeRequest',
  'SetPolicyRequest',
  'SignalProcessRequest',
  'StartContainerRequest',
  'StartTracingRequest',
  'StatsContainerRequest',
  'StopTracingRequest',
  'TtyWinResizeRequest',
  'UpdateContainerRequest',
  'UpdateEphemeralMountsRequest',
  'UpdateInterfaceRequest',
  'UpdateRoutesRequest',
  'WaitProcessRequest',
  'WriteStreamRequest',
] as const;

/** A request of the kata agent API. */
export type AgentRequest = (typeof AGENT_REQUESTS)[number];

/** The image name the pause container's storage carries in a peer-pod VM. */
export const PAUSE_IMAGE_SOURCE = 'pause';

// registry-host[:port]/path[:tag]@sha256:<64 hex>. A registry host is required so the reference the
// kubelet sends is the one written here (no implicit docker.io normalisation).
const PINNED_IMAGE = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[0-9a-f]{64}$/;

/** True when `image` is a fully qualified reference pinned by sha256 digest. */
export function isPinnedImage(image: string): boolean {
  return PINNED_IMAGE.test(image);
}

/** Options of the restrictive agent policy. */
export interface RestrictiveAgentPolicyProps {
  /**
   * The container images the pod may run, each fully qualified and pinned by digest
   * (`registry.example.com/team/app@sha256:<64 hex>`). The pause image is always admitted.
   */
  readonly allowedImages: readonly string[];
  /**
   * Lets the host read container stdout/stderr (`kubectl logs`). Logs leave the TEE in clear text.
   * @default false
   */
  readonly allowLogStreaming?: boolean;
  /**
   * A name for the workload, written into `policy_data`: two workloads that run the same images still get
   * different initdata (and PCR 8), and the name appears in the attestation token's claims.
   * @default - none
   */
  readonly workload?: string;
}

/** What an agent policy allows, as data, for reports and tests. */
export interface AgentPolicyData {
  /** The image references admitted by CreateContainerRequest, pause first; empty when any image is admitted. */
  readonly allowedImages: readonly string[];
  /** The workload name, if given. */
  readonly workload?: string;
}

/**
 * A kata agent policy: the rego the pod VM's agent evaluates on every request from the untrusted host.
 *
 * The restrictive policy is a fixed template; everything that varies is the JSON `policy_data` at the end
 * (Trustee reads it from there into `init_data_claims.agent_policy_claims`), so no input can add a rule.
 */
export class AgentPolicy {
  /**
   * Default deny for what would break confidentiality: only the given images (and pause) may be started,
   * no exec, no stdin, no replacing the policy, no log streaming unless asked. File copies stay allowed
   * because Kubernetes volumes (service account tokens, ConfigMaps) are copied in with CopyFileRequest.
   */
  public static restrictive(props: RestrictiveAgentPolicyProps): AgentPolicy {
    check(Array.isArray(props.allowedImages), 'allowedImages', 'must be a list of image references pinned by digest');
    check(props.allowedImages.length > 0, 'allowedImages', 'must name at least one image; a pod that may run no image cannot start');
    props.allowedImages.forEach((image, i) => {
      const field = `allowedImages[${i}]`;
      check(typeof image === 'string', field, `must be a string, got ${show(image)}`);
      requireSynthTimeString(image, field);
      check(
        isPinnedImage(image),
        field,
        `must be a fully qualified image pinned by digest, like "myregistry.azurecr.io/app@sha256:<64 hex>", got ${show(image)}; ` +
          'a tag can be moved to another image, a digest cannot',
      );
    });
    if (props.workload !== undefined) {
      check(typeof props.workload === 'string' && /^[a-z0-9]([-a-z0-9./]{0,250}[a-z0-9])?$/.test(props.workload), 'workload', `must be lowercase letters, digits, "-", "." and "/", got ${show(props.workload)}`);
    }
    const images = [PAUSE_IMAGE_SOURCE, ...[...new Set(props.allowedImages)].sort()];
    const allowed = new Set<AgentRequest>(AGENT_REQUESTS);
    for (const denied of ['CreateContainerRequest', 'ExecProcessRequest', 'SetPolicyRequest', 'WriteStreamRequest'] as const) {
      allowed.delete(denied);
    }
    if (props.allowLogStreaming !== true) allowed.delete('ReadStreamRequest');
    const rules = [
      'CreateContainerRequest if {',
      '\tevery storage in input.storages {',
      '\t\tstorage.source in policy_data.allowed_images',
      '\t}',
      '}',
    ];
    const data = props.workload === undefined ? { allowed_images: images } : { allowed_images: images, workload: props.workload };
    return new AgentPolicy(renderPolicy(allowed, rules, data), 'restrictive', { allowedImages: images, ...(props.workload ? { workload: props.workload } : {}) });
  }

  /**
   * Upstream's allow-all-except-exec: every image may run, only `kubectl exec` is refused. The host can start
   * any image under this workload's identity: for development only.
   */
  public static allowAllExceptExecInsecure(): AgentPolicy {
    const allowed = new Set<AgentRequest>(AGENT_REQUESTS);
    allowed.delete('ExecProcessRequest');
    return new AgentPolicy(renderPolicy(allowed, [], undefined), 'allow-all-except-exec', { allowedImages: [] });
  }

  /** Allows every request, exec included: the pod VM's own default. For development only. */
  public static allowAllInsecure(): AgentPolicy {
    return new AgentPolicy(renderPolicy(new Set(AGENT_REQUESTS), [], undefined), 'allow-all', { allowedImages: [] });
  }

  private constructor(
    /** The rego text. */
    public readonly rego: string,
    /** Which preset produced it. */
    public readonly preset: 'restrictive' | 'allow-all-except-exec' | 'allow-all',
    /** What it admits. */
    public readonly data: AgentPolicyData,
  ) {}

  /** True for the presets that let the host run arbitrary images or exec into containers. */
  public get isInsecure(): boolean {
    return this.preset !== 'restrictive';
  }
}

function renderPolicy(allowed: ReadonlySet<AgentRequest>, rules: readonly string[], data: object | undefined): string {
  const lines = [
    'package agent_policy',
    '',
    // The agent's regorus evaluates rego v0 by default; these imports make the v1 keywords available.
    'import future.keywords.every',
    'import future.keywords.if',
    'import future.keywords.in',
    '',
    ...AGENT_REQUESTS.map((r) => `default ${r} := ${allowed.has(r) ? 'true' : 'false'}`),
  ];
  if (rules.length > 0) lines.push('', ...rules);
  // Trustee extracts everything after "policy_data := {" as JSON, so policy_data must come last.
  if (data !== undefined) lines.push('', `policy_data := ${JSON.stringify(data, null, 2)}`);
  return `${lines.join('\n')}\n`;
}
