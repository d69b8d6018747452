import { AGENT_REQUESTS, AgentPolicy, isPinnedImage } from '../../src/attestation';
import { pinned } from './fixtures/values';

/** The JSON Trustee extracts: everything after "policy_data := {" (kbs attestation-service extract_policy_data). */
function trusteePolicyData(rego: string): unknown {
  const start = rego.indexOf('policy_data := {');
  return start < 0 ? undefined : JSON.parse(rego.slice(start + 'policy_data := '.length));
}

/** The `default <Request> := <bool>` lines of a policy. */
function defaults(rego: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const m of rego.matchAll(/^default (\w+) := (true|false)$/gm)) out[m[1]] = m[2] === 'true';
  return out;
}

describe('restrictive agent policy', () => {
  const images = [pinned('key-manager'), pinned('sidecar')];
  const policy = AgentPolicy.restrictive({ allowedImages: images });

  test('admits exactly the workload images and pause, as valid JSON Trustee can extract', () => {
    expect(trusteePolicyData(policy.rego)).toEqual({ allowed_images: ['pause', ...[...images].sort()] });
    expect(policy.data.allowedImages).toEqual(['pause', ...[...images].sort()]);
  });

  test('names every agent request once, with exec, stdin, logs and policy replacement denied', () => {
    const d = defaults(policy.rego);
    expect(Object.keys(d).sort()).toEqual([...AGENT_REQUESTS].sort());
    expect(d).toMatchObject({
      CreateContainerRequest: false,
      ExecProcessRequest: false,
      SetPolicyRequest: false,
      ReadStreamRequest: false,
      WriteStreamRequest: false,
      CopyFileRequest: true,
      CreateSandboxRequest: true,
    });
  });

  test('allows container creation only when every storage source is an allowed image', () => {
    expect(policy.rego).toContain(
      'CreateContainerRequest if {\n\tevery storage in input.storages {\n\t\tstorage.source in policy_data.allowed_images\n\t}\n}',
    );
  });

  test('policy_data comes last, so Trustee can parse it to the end of the file', () => {
    expect(policy.rego.trimEnd().endsWith('}')).toBe(true);
    expect(policy.rego.indexOf('policy_data := {')).toBeGreaterThan(policy.rego.indexOf('CreateContainerRequest if'));
  });

  test('a workload name makes the policy (and so the initdata) unique to the workload', () => {
    const a = AgentPolicy.restrictive({ allowedImages: images, workload: 'confidential-ai/key-manager' });
    const b = AgentPolicy.restrictive({ allowedImages: images, workload: 'confidential-ai/other' });
    expect(trusteePolicyData(a.rego)).toEqual({ allowed_images: ['pause', ...[...images].sort()], workload: 'confidential-ai/key-manager' });
    expect(a.rego).not.toBe(b.rego);
    expect(() => AgentPolicy.restrictive({ allowedImages: images, workload: 'Bad Name"' })).toThrow(/workload: must be lowercase letters/);
  });

  test('log streaming is allowed only when asked', () => {
    expect(defaults(AgentPolicy.restrictive({ allowedImages: images, allowLogStreaming: true }).rego).ReadStreamRequest).toBe(true);
  });

  test('the template is the same whatever the images: only policy_data differs', () => {
    const other = AgentPolicy.restrictive({ allowedImages: [pinned('other')] });
    const head = (r: string): string => r.slice(0, r.indexOf('policy_data := {'));
    expect(head(other.rego)).toBe(head(policy.rego));
  });

  test.each([
    ['a tag', 'example.azurecr.io/app:1.0'],
    ['no registry host', 'app@sha256:' + 'a'.repeat(64)],
    ['a short digest', 'example.azurecr.io/app@sha256:abc'],
    ['a newline', `${pinned('x')}\n}`],
    ['a quote', `example.azurecr.io/a"b@sha256:${'a'.repeat(64)}`],
  ])('fails when an image has %s', (_n, image) => {
    expect(() => AgentPolicy.restrictive({ allowedImages: [image] })).toThrow(/allowedImages\[0\]: must be a fully qualified image pinned by digest/);
  });

  test('fails when no image is given', () => {
    expect(() => AgentPolicy.restrictive({ allowedImages: [] })).toThrow(/allowedImages: must name at least one image/);
  });

  test('accepts a tag together with a digest and a registry port', () => {
    expect(isPinnedImage(`registry.local:5000/team/app:1.2@sha256:${'0'.repeat(64)}`)).toBe(true);
  });
});

describe('development presets', () => {
  test('allow-all-except-exec denies only exec', () => {
    const d = defaults(AgentPolicy.allowAllExceptExecInsecure().rego);
    expect(Object.entries(d).filter(([, v]) => !v).map(([k]) => k)).toEqual(['ExecProcessRequest']);
    expect(AgentPolicy.allowAllExceptExecInsecure().isInsecure).toBe(true);
  });

  test('allow-all allows everything and has no policy_data', () => {
    const rego = AgentPolicy.allowAllInsecure().rego;
    expect(Object.values(defaults(rego)).every(Boolean)).toBe(true);
    expect(trusteePolicyData(rego)).toBeUndefined();
  });
});
