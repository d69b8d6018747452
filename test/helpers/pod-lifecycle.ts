import { ImageConfig, K8sPod, containerId, copyFiles, createContainer, createPause, createSandbox, sandboxId } from './kata-runtime';
import { PolicyState, agentDecide } from './rego-engine';

/** The name of the library's ingress filter container. */
export { INGRESS_FILTER_NAME as INGRESS_FILTER } from '../../src/attestation/ingress-filter';
import { INGRESS_FILTER_NAME as INGRESS_FILTER } from '../../src/attestation/ingress-filter';

/** One request of a pod's start, and whether the agent's policy allowed it. */
export interface Step {
  readonly request: string;
  readonly container?: string;
  readonly allowed: boolean;
}

/**
 * Sends a pod's start through the agent policy in the order the kubelet and the kata runtime do: the sandbox,
 * the pause container, then each init container (copy files, create, start) to completion, then the containers.
 * The policy state carries from each allowed request to the next, as in the agent. Returns every step and the
 * final state, and the state each container was created in; `until` stops before that container is created.
 */
export function startPod(
  policy: string,
  pod: K8sPod,
  image: (name: string) => ImageConfig,
  until?: string,
): { steps: Step[]; pstate: PolicyState; before: ReadonlyMap<string, PolicyState> } {
  const steps: Step[] = [];
  const before = new Map<string, PolicyState>();
  let pstate: PolicyState = {};
  const send = (request: string, input: unknown, container?: string): void => {
    const d = agentDecide(policy, request, input, pstate);
    steps.push({ request, ...(container ? { container } : {}), allowed: d.allowed });
    pstate = d.pstate;
  };
  send('CreateSandboxRequest', createSandbox(pod));
  send('CreateContainerRequest', createPause(pod), 'pause');
  send('StartContainerRequest', { container_id: sandboxId(pod) }, 'pause');
  for (const c of [...pod.initContainers, ...pod.containers]) {
    if (c.name === until) break;
    before.set(c.name, pstate);
    for (const copy of copyFiles(pod, c.name)) send('CopyFileRequest', copy, c.name);
    send('CreateContainerRequest', createContainer(pod, c.name, image(c.image)), c.name);
    send('StartContainerRequest', { container_id: containerId(pod, c.name) }, c.name);
  }
  return { steps, pstate, before };
}

/**
 * The policy state in which a pod's own containers are decided: its sandbox and pause container created and, if
 * it has one, its ingress filter created and started. Throws if the policy refuses any of that.
 */
export function startedPodState(policy: string, pod: K8sPod, image: (name: string) => ImageConfig): PolicyState {
  const first = pod.initContainers[0]?.name === INGRESS_FILTER ? pod.initContainers[1]?.name : pod.initContainers[0]?.name;
  const { steps, pstate } = startPod(policy, pod, image, first ?? pod.containers[0].name);
  const refused = steps.filter((s) => !s.allowed);
  if (refused.length > 0) throw new Error(`the pod's own start was refused: ${JSON.stringify(refused)}`);
  return pstate;
}
