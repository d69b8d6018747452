import { AgentPolicy, PodSpec } from '../../src/attestation';
import { INGRESS_FILTER_NAME, ingressFilterContainer } from '../../src/attestation/ingress-filter';
import { ImageConfig, K8sPod, containerId, createContainer, createPause, idFor, imageConfigOf, k8sPodOf, sandboxId } from '../helpers/kata-runtime';
import { startPod } from '../helpers/pod-lifecycle';
import { PolicyState, agentAllows, agentDecide, describeWithEngine } from '../helpers/rego-engine';
import { POD, SERVER_IMAGE, facts } from './fixtures/inference-pod';
import { pinned } from './fixtures/values';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- request JSON is mutated freely

// The inference pod with the library's ingress filter as its first init container.
const FILTERED: PodSpec = {
  ...POD,
  initContainers: [ingressFilterContainer({ image: pinned('filter'), ports: [8443, 8444] }), ...POD.initContainers],
};
const image = (ref: string): ImageConfig => (ref === SERVER_IMAGE ? imageConfigOf(facts) : {});
const plainPolicy = AgentPolicy.forPod(POD).rego;
const filteredPolicy = AgentPolicy.forPod(FILTERED).rego;
const plain = k8sPodOf(POD);
const filtered = k8sPodOf(FILTERED);
const create = (pod: K8sPod, name: string): Json =>
  createContainer(pod, name, image(pod.containers.concat(pod.initContainers).find((c) => c.name === name)!.image)) as Json;

/** Replaces every occurrence of the pod's sandbox id: a consistent request for a container of another sandbox. */
function inOtherSandbox(request: Json, pod: K8sPod): Json {
  return JSON.parse(JSON.stringify(request).split(sandboxId(pod)).join(idFor('another sandbox'))) as Json;
}

describeWithEngine('the agent policy state, evaluated as the kata agent 4.0.0 keeps it', () => {
  describe('every container belongs to the sandbox the pause container opened', () => {
    test('GIVEN no sandbox yet WHEN the host creates a container THEN it is refused', () => {
      expect(agentAllows(plainPolicy, 'CreateContainerRequest', create(plain, 'server'), {})).toBe(false);
    });

    test('GIVEN the pause container WHEN it is created THEN its id is recorded, and a second pause is refused', () => {
      const first = agentDecide(plainPolicy, 'CreateContainerRequest', createPause(plain), {});
      expect(first).toEqual({ allowed: true, pstate: { sandbox_id: sandboxId(plain) } });
      expect(agentAllows(plainPolicy, 'CreateContainerRequest', createPause(plain), first.pstate)).toBe(false);
    });

    test('GIVEN a started sandbox WHEN the host creates a container of another sandbox id THEN it is refused', () => {
      const { before } = startPod(plainPolicy, plain, image);
      const state = before.get('server')!;
      const moved = inOtherSandbox(create(plain, 'server'), plain);
      expect(agentAllows(plainPolicy, 'CreateContainerRequest', moved, state)).toBe(false);
      // The same request is admitted where that sandbox is the recorded one: the binding is what refused it.
      expect(agentAllows(plainPolicy, 'CreateContainerRequest', moved, { ...state, sandbox_id: idFor('another sandbox') })).toBe(true);
    });

    test('a pod without an ingress filter starts its containers in order, signals and starts allowed', () => {
      const { steps, pstate } = startPod(plainPolicy, plain, image);
      expect(steps.filter((s) => !s.allowed)).toEqual([]);
      expect(pstate).toEqual({ sandbox_id: sandboxId(plain) });
      const server = containerId(plain, 'server');
      expect(agentAllows(plainPolicy, 'SignalProcessRequest', { container_id: server, exec_id: '', signal: 15 }, pstate)).toBe(true);
    });
  });

  describe('the ingress filter closes the pod before anything else of it runs', () => {
    const filterId = containerId(filtered, INGRESS_FILTER_NAME);
    const afterPause = (): PolicyState => ({ sandbox_id: sandboxId(filtered) });

    test('GIVEN the pod WHEN the runtime starts it THEN every request is admitted and the state records the filter', () => {
      const { steps, pstate } = startPod(filteredPolicy, filtered, image);
      expect(steps.filter((s) => !s.allowed)).toEqual([]);
      expect(pstate).toEqual({ sandbox_id: sandboxId(filtered), filter_id: filterId, filter_started: true });
    });

    test.each(['fetch-model', 'server'])('GIVEN the filter not created WHEN the host creates %s THEN it is refused', (name) => {
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', create(filtered, name), afterPause())).toBe(false);
    });

    test.each(['fetch-model', 'server'])('GIVEN the filter created but not started WHEN the host creates %s THEN it is refused', (name) => {
      const created = agentDecide(filteredPolicy, 'CreateContainerRequest', create(filtered, INGRESS_FILTER_NAME), afterPause());
      expect(created).toEqual({ allowed: true, pstate: { ...afterPause(), filter_id: filterId } });
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', create(filtered, name), created.pstate)).toBe(false);
      const started = agentDecide(filteredPolicy, 'StartContainerRequest', { container_id: filterId }, created.pstate);
      expect(started).toEqual({ allowed: true, pstate: { ...created.pstate, filter_started: true } });
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', create(filtered, name), started.pstate)).toBe(true);
    });

    const running: PolicyState = { sandbox_id: sandboxId(filtered), filter_id: filterId, filter_started: true };

    // The same filter under a new container id (as the kubelet would after a failure), consistent throughout.
    const secondId = idFor('second filter');
    const second = JSON.parse(JSON.stringify(create(filtered, INGRESS_FILTER_NAME)).split(filterId).join(secondId)) as Json;

    test('once a filter has started, no filter is created again and the filter is not started again', () => {
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', second, { sandbox_id: sandboxId(filtered) })).toBe(true);
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', second, running)).toBe(false);
      expect(agentAllows(filteredPolicy, 'StartContainerRequest', { container_id: filterId }, running)).toBe(false);
    });

    test('GIVEN a filter created but not started (its pull failed) WHEN the kubelet creates it again THEN the new one is the filter', () => {
      const first = agentDecide(filteredPolicy, 'CreateContainerRequest', create(filtered, INGRESS_FILTER_NAME), afterPause());
      const again = agentDecide(filteredPolicy, 'CreateContainerRequest', second, first.pstate);
      expect(again).toEqual({ allowed: true, pstate: { ...afterPause(), filter_id: secondId } });
      // Starting the first does not open the pod; starting the one recorded does.
      const stale = agentDecide(filteredPolicy, 'StartContainerRequest', { container_id: filterId }, again.pstate);
      expect(stale.pstate).toEqual(again.pstate);
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', create(filtered, 'server'), stale.pstate)).toBe(false);
      const started = agentDecide(filteredPolicy, 'StartContainerRequest', { container_id: secondId }, again.pstate);
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', create(filtered, 'server'), started.pstate)).toBe(true);
    });

    test.each([9, 15, 19])('no signal %i reaches the filter; other containers may be signalled', (signal) => {
      expect(agentAllows(filteredPolicy, 'SignalProcessRequest', { container_id: filterId, exec_id: '', signal }, running)).toBe(false);
      const server = containerId(filtered, 'server');
      expect(agentAllows(filteredPolicy, 'SignalProcessRequest', { container_id: server, exec_id: '', signal }, running)).toBe(true);
    });

    const filterTamperings: Array<[string, (r: Json) => void]> = [
      [
        'without NET_ADMIN (it would fail and leave the ports open)',
        (r) => (r.OCI.Process.Capabilities = { Bounding: [], Effective: [], Permitted: [] }),
      ],
      ['NET_ADMIN missing from the effective set', (r) => (r.OCI.Process.Capabilities.Effective = [])],
      ['another capability as well', (r) => r.OCI.Process.Capabilities.Bounding.push('CAP_SYS_ADMIN')],
      ['an ambient capability', (r) => (r.OCI.Process.Capabilities.Ambient = ['CAP_NET_ADMIN'])],
      ['as a non-root user', (r) => (r.OCI.Process.User.UID = 65532)],
      ['another ruleset', (r) => (r.OCI.Process.Env = r.OCI.Process.Env.map((e: string) => e.replace('8443, 8444', '1-65535')))],
      ['another command', (r) => (r.OCI.Process.Args = ['/bin/sh', '-c', 'sleep 3600'])],
      ['privilege escalation', (r) => (r.OCI.Process.NoNewPrivileges = false)],
    ];
    test.each(filterTamperings)('denies the filter %s', (_what, tamper) => {
      const r = create(filtered, INGRESS_FILTER_NAME);
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', r, afterPause())).toBe(true);
      tamper(r);
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', r, afterPause())).toBe(false);
    });

    test("denies NET_ADMIN to an application container, and the filter's role to an application's image", () => {
      const server = create(filtered, 'server');
      server.OCI.Process.Capabilities = {
        Bounding: ['CAP_NET_ADMIN'],
        Effective: ['CAP_NET_ADMIN'],
        Permitted: ['CAP_NET_ADMIN'],
        Ambient: [],
        Inheritable: [],
      };
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', server, running)).toBe(false);
      const impostor = create(filtered, INGRESS_FILTER_NAME);
      impostor.storages[0].source = impostor.OCI.Annotations['io.kubernetes.cri.image-name'] = SERVER_IMAGE;
      expect(agentAllows(filteredPolicy, 'CreateContainerRequest', impostor, afterPause())).toBe(false);
    });
  });
});

describe('the ingress filter in the pod description', () => {
  test('fails when the filter is not the first init container, or there are two', () => {
    const filter = FILTERED.initContainers[0];
    expect(() => AgentPolicy.forPod({ ...POD, initContainers: [...POD.initContainers, filter] })).toThrow(
      /initContainers\[1\]: the ingress filter must be the first init container, and the only one/,
    );
    expect(() => AgentPolicy.forPod({ ...POD, initContainers: [filter, { ...filter, name: 'second' }] })).toThrow(/must be the first init container/);
  });

  test('fails when the filter is not root: NET_ADMIN does not survive exec for another user', () => {
    const filter = { ...FILTERED.initContainers[0], runAsUser: 1000 };
    expect(() => AgentPolicy.forPod({ ...POD, initContainers: [filter] })).toThrow(
      /initContainers\[0\].runAsUser: must be 0 for the ingress filter .*, got "1000"/,
    );
  });

  test('an application container stays non-root', () => {
    expect(() => AgentPolicy.forPod({ ...POD, containers: [{ ...POD.containers[0], runAsUser: 0 }] })).toThrow(
      /containers\[0\].runAsUser: must be a UID from 1/,
    );
  });
});
