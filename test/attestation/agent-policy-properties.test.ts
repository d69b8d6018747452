import fc from 'fast-check';
import { AgentPolicy } from '../../src/attestation';
import { createContainer, imageConfigOf, k8sPodOf } from '../helpers/kata-runtime';
import { PolicyState, agentAllows, describeWithEngine } from '../helpers/rego-engine';
import { startedPodState } from '../helpers/pod-lifecycle';
import { POD } from './fixtures/inference-pod';

// Bounded runs: each one is an evaluation by the engine. fast-check prints the seed and the shrunk request.
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 40) };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- request JSON is mutated freely

const policy = AgentPolicy.forPod(POD);
const k8s = k8sPodOf(POD);
const legit = createContainer(k8s, 'server', imageConfigOf(POD.containers[0].imageFacts)) as Json;
// Decided in the state the pod is in when its containers are created (sandbox up), computed once by the engine.
let started: PolicyState | undefined;
const allows = (r: Json): boolean => {
  started ??= startedPodState(policy.rego, k8s, (ref) => (ref === POD.containers[0].image ? imageConfigOf(POD.containers[0].imageFacts) : {}));
  return agentAllows(policy.rego, 'CreateContainerRequest', r, started);
};
const clone = (): Json => structuredClone(legit);

/** A list edit: insert, delete or replace one element. */
function listEdit<T>(element: fc.Arbitrary<T>): fc.Arbitrary<(list: T[]) => void> {
  return fc.oneof(
    fc.tuple(fc.nat(), element).map(
      ([i, e]) =>
        (list: T[]) =>
          void list.splice(i % (list.length + 1), 0, e),
    ),
    fc.nat().map((i) => (list: T[]) => void (list.length > 0 && list.splice(i % list.length, 1))),
    fc.tuple(fc.nat(), element).map(
      ([i, e]) =>
        (list: T[]) =>
          void (list.length > 0 && (list[i % list.length] = e)),
    ),
  );
}

const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('/bin/sh', '-c', '--debug', '', '/opt/app/bin/server', '8080', '--port'));
const sorted = (list: unknown[]): string[] => list.map((e) => JSON.stringify(e)).sort();

describeWithEngine('no mutation of a legitimate request is admitted (engine-backed properties)', () => {
  test('the unmutated request is admitted', () => {
    expect(allows(legit)).toBe(true);
  });

  test('Args: admitted only when unchanged', () => {
    fc.assert(
      fc.property(fc.array(listEdit(text), { minLength: 1, maxLength: 3 }), (edits) => {
        const r = clone();
        for (const edit of edits) edit(r.OCI.Process.Args);
        if (allows(r)) expect(r.OCI.Process.Args).toEqual(legit.OCI.Process.Args);
      }),
      RUNS,
    );
  });

  test('Env: admitted only when the same set of variables (the API service variables aside, which the kubelet may omit)', () => {
    const name = fc.oneof(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.constantFrom('PATH', 'HOSTNAME', 'MODEL_DIR', 'LD_PRELOAD', 'APP_MODE'));
    const entry = fc.tuple(name, text).map(([n, v]) => `${n}=${v}`);
    const core = (env: string[]): string[] => [...new Set(env.filter((e) => !e.startsWith('KUBERNETES_')))].sort();
    fc.assert(
      fc.property(
        fc.array(listEdit(fc.oneof(entry, fc.constantFrom(...(legit.OCI.Process.Env as string[])))), { minLength: 1, maxLength: 3 }),
        (edits) => {
          const r = clone();
          for (const edit of edits) edit(r.OCI.Process.Env);
          if (allows(r)) expect(core(r.OCI.Process.Env)).toEqual(core(legit.OCI.Process.Env));
        },
      ),
      RUNS,
    );
  });

  test('Mounts: admitted only when the same mounts (options as a set, any 16-hex copy name)', () => {
    const cid = legit.container_id as string;
    const destination = fc.constantFrom('/proc', '/etc/hosts', '/tmp', '/models', '/opt/app/bin/server', '/host', '/etc/ld.so.preload', '/dev/shm');
    const type = fc.constantFrom('bind', 'local', 'proc', 'tmpfs', 'sysfs');
    const source = fc.oneof(
      fc.constantFrom(
        'proc',
        '/run/kata-containers/sandbox/shm',
        '/',
        '/run/kata-containers',
        `/run/kata-containers/shared/containers/${cid}-0123456789abcdef-hosts`,
      ),
      fc.string({ maxLength: 20 }),
    );
    const options = fc.array(fc.constantFrom('rbind', 'rprivate', 'rw', 'ro', 'nosuid', 'noexec', 'nodev', 'exec'), { maxLength: 4 });
    const mount = fc.record({ destination, source, type_: type, options });
    const fieldEdit = fc.oneof(
      fc.tuple(fc.nat(), destination).map(
        ([i, v]) =>
          (list: Json[]) =>
            void (list[i % list.length].destination = v),
      ),
      fc.tuple(fc.nat(), type).map(
        ([i, v]) =>
          (list: Json[]) =>
            void (list[i % list.length].type_ = v),
      ),
      fc.tuple(fc.nat(), source).map(
        ([i, v]) =>
          (list: Json[]) =>
            void (list[i % list.length].source = v),
      ),
      fc.tuple(fc.nat(), options).map(
        ([i, v]) =>
          (list: Json[]) =>
            void (list[i % list.length].options = v),
      ),
    );
    const normal = (mounts: Json[]): string[] =>
      sorted(mounts.map((m) => ({ ...m, options: [...m.options].sort(), source: String(m.source).replace(/-[0-9a-f]{16}-/, '-R-') })));
    fc.assert(
      fc.property(fc.array(fc.oneof(listEdit(mount as fc.Arbitrary<Json>), fieldEdit), { minLength: 1, maxLength: 3 }), (edits) => {
        const r = clone();
        for (const edit of edits) edit(r.OCI.Mounts);
        if (allows(r)) expect(normal(r.OCI.Mounts)).toEqual(normal(legit.OCI.Mounts));
      }),
      RUNS,
    );
  });

  test('storages: admitted only when the same storages', () => {
    const key = fc.constantFrom('source', 'driver', 'fstype', 'mount_point', 'options', 'shared', 'fs_group');
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('local', 'image_guest_pull', 'overlay', 'pause', 'evil.example.com/x@sha256:' + '0'.repeat(64), true, null, [], ['mode=0777']),
    );
    const setField = fc.tuple(fc.nat(), key, value).map(
      ([i, k, v]) =>
        (list: Json[]) =>
          void (list.length > 0 && (list[i % list.length][k] = v)),
    );
    const insert = fc.tuple(fc.nat(), fc.nat(), key, value).map(
      ([i, j, k, v]) =>
        (list: Json[]) =>
          void list.splice(i % (list.length + 1), 0, { ...structuredClone(legit.storages[j % legit.storages.length]), [k]: v }),
    );
    const remove = fc.nat().map((i) => (list: Json[]) => void (list.length > 0 && list.splice(i % list.length, 1)));
    fc.assert(
      fc.property(fc.array(fc.oneof(setField, insert, remove), { minLength: 1, maxLength: 2 }), (edits) => {
        const r = clone();
        for (const edit of edits) edit(r.storages);
        if (allows(r)) expect(sorted(r.storages)).toEqual(sorted(legit.storages));
      }),
      // More runs: one field of one storage among seven is the interesting edit.
      { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
    );
  });
});
