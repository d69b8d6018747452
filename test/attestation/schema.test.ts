import * as v from 'valibot';
import { fieldCheck, firstIssue, instanceOf, int, noSecret, rawCheck, strictObject, unknownKeyMessage } from '../../src/attestation/schema';
import { adminJwt, bodyLines, privateKeyVariants } from '../helpers/private-keys';

/** The field and message a schema's first problem is reported with. */
function problem(schema: v.GenericSchema, input: unknown): { field: string; message: string } | undefined {
  const result = v.safeParse(schema, input);
  if (result.success) return undefined;
  const { path, message } = firstIssue(result.issues);
  return { field: path.join('.'), message };
}

describe('the schema helpers every props schema uses', () => {
  test('GIVEN a strict object WHEN a key it does not know is given THEN the key is named by its path', () => {
    const schema = v.object({ probes: strictObject({ readiness: v.optional(v.string()) }) });
    expect(problem(schema, { probes: { ready: 'x' } })).toEqual({
      field: 'probes.ready',
      message: 'is not a known key; check its spelling (known keys: readiness)',
    });
    expect(problem(schema, { probes: 'x' })).toEqual({ field: 'probes', message: 'must be an object' });
    expect(problem(schema, { probes: { readiness: 'x' } })).toBeUndefined();
  });

  test('GIVEN a required prop WHEN it is missing THEN it reads "is required", with the choices of a missing variant tag', () => {
    const schema = v.object({ name: v.string(), kind: v.picklist(['a', 'b'], 'must be "a" or "b"') });
    expect(problem(schema, { kind: 'a' })).toEqual({ field: 'name', message: 'is required' });
    expect(problem(schema, { name: 'n' })).toEqual({ field: 'kind', message: 'is required' });
    const tagged = v.variant('type', [v.object({ type: v.literal('A') }), v.object({ type: v.literal('B') })], 'must be "A" or "B"');
    expect(problem(tagged, {})).toEqual({ field: 'type', message: 'is required; it must be "A" or "B"' });
  });

  test('GIVEN a union without a message of its own WHEN an option fails inside the value THEN that problem is reported at its full path', () => {
    const ranges = v.union([
      v.custom<string[]>(() => false),
      v.array(
        v.pipe(
          v.string(),
          v.check((s) => s.includes('/'), 'must be a CIDR'),
        ),
      ),
    ]);
    const schema = v.object({ network: v.object({ ranges }) });
    expect(problem(schema, { network: { ranges: ['10.0.0.0/8', '10.0.0.1'] } })).toEqual({ field: 'network.ranges.1', message: 'must be a CIDR' });
  });

  test('GIVEN a union WHEN no option gets into the value THEN the union itself is reported', () => {
    const clients = v.union([v.literal('any'), v.pipe(v.array(v.string()), v.minLength(1, 'must name one'))]);
    const schema = v.object({ clients: v.optional(clients) });
    expect(problem(schema, { clients: 'all' })).toEqual({
      field: 'clients',
      message: expect.stringMatching(/^Invalid type: Expected \("any" \| Array\)/),
    });
    // One option typed the value (an array) and failed its own check: that option speaks.
    expect(problem(schema, { clients: [] })).toEqual({ field: 'clients', message: 'must name one' });
  });

  test('GIVEN a rule over several props WHEN it fails THEN fieldCheck and rawCheck report it on the prop to fix', () => {
    const schema = v.pipe(
      v.object({ min: v.number(), max: v.number(), items: v.array(v.object({ name: v.string() })) }),
      fieldCheck('max', (p) => p.max >= p.min, 'must not be below min'),
      rawCheck((p, report) => p.items.forEach((item, i) => item.name === 'tmp' && report(['items', i, 'name'], 'must not be "tmp"'))),
    );
    expect(problem(schema, { min: 2, max: 1, items: [] })).toEqual({ field: 'max', message: 'must not be below min' });
    expect(problem(schema, { min: 1, max: 2, items: [{ name: 'a' }, { name: 'tmp' }] })).toEqual({
      field: 'items.1.name',
      message: 'must not be "tmp"',
    });
    // Checks of the whole run only once its parts parsed: a type error is reported first, and alone.
    const result = v.safeParse(schema, { min: 'x', max: 1, items: [{ name: 'tmp' }] });
    expect(result.success ? [] : result.issues.map((i) => i.path?.map((p) => p.key).join('.'))).toEqual(['min']);
  });

  test('GIVEN int WHEN given a fraction or a value out of range THEN it refuses it, with the message given', () => {
    expect(problem(int(1, 10), 2.5)?.message).toBe('must be a whole number from 1 to 10');
    expect(problem(int(1, 10, 'must be 1-10'), 11)?.message).toBe('must be 1-10');
    expect(problem(int(1, 10), 10)).toBeUndefined();
  });

  test('GIVEN instanceOf WHEN the class has a private constructor THEN instances pass and look-alikes are refused', () => {
    class Size {
      public static readonly SMALL = new Size('small');
      private constructor(public readonly name: string) {}
    }
    const schema = instanceOf(Size, 'must be a Size, e.g. Size.SMALL');
    expect(problem(schema, Size.SMALL)).toBeUndefined();
    expect(problem(schema, { name: 'small' })).toEqual({ field: '', message: 'must be a Size, e.g. Size.SMALL' });
  });

  test("GIVEN valibot's own message WHEN the value is a key or a token THEN the message describes it instead of quoting it", () => {
    const key = privateKeyVariants()[0];
    const jwt = adminJwt();
    const schema = v.object({ login: v.picklist(['azurecli', 'msi']), names: v.array(v.pipe(v.string(), v.regex(/^[a-z]+$/))) });
    expect(problem(schema, { login: jwt, names: [] })).toEqual({
      field: 'login',
      message: 'Invalid type: Expected ("azurecli" | "msi") but received <a bearer token, not shown>',
    });
    const nested = problem(schema, { login: 'msi', names: ['ok', key.text] });
    expect(nested?.field).toBe('names.1');
    expect(nested?.message).toMatch(/^Invalid format: Expected \/\^\[a-z\]\+\$\/ but received <a PEM private key \(PRIVATE KEY\), not shown>$/);
    expect(problem(schema, { login: 'kerberos', names: [] })?.message).toBe('Invalid type: Expected ("azurecli" | "msi") but received "kerberos"');
    for (const line of bodyLines(key.text)) expect(nested?.message).not.toContain(line);
  });

  test('GIVEN noSecret first in a pipe WHEN the value holds a key THEN its refusal is the problem reported, before any other check', () => {
    const key = privateKeyVariants().find((k) => k.name === 'EC P-256 SEC1')!;
    const schema = v.object({
      ca: v.pipe(
        v.string(),
        noSecret('the certificate', 'keys stay in Key Vault'),
        v.check(() => false, 'must be a certificate'),
      ),
    });
    expect(problem(schema, { ca: key.text })).toEqual({
      field: 'ca',
      message: 'holds a PEM private key (EC PRIVATE KEY); pass the certificate, never the key: keys stay in Key Vault',
    });
    expect(problem(schema, { ca: 'x' })).toEqual({ field: 'ca', message: 'must be a certificate' });
  });
});

describe('an unknown key names the nearest known one', () => {
  test.each([
    ['replica', ['replicas', 'name'], 'is not a known key; did you mean "replicas"?'],
    ['readines', ['readiness', 'liveness'], 'is not a known key; did you mean "readiness"?'],
    ['port', ['portNumber', 'name'], 'is not a known key; did you mean "portNumber"?'],
    ['Namespace', ['namespace', 'name'], 'is not a known key; did you mean "namespace"?'],
    ['tls_clients', ['tls', 'name'], 'is not a known key; check its spelling (known keys: name, tls)'],
    ['zzz', ['b', 'a'], 'is not a known key; check its spelling (known keys: a, b)'],
  ])('%s among %j', (key, known, message) => {
    expect(unknownKeyMessage(key, known)).toBe(message);
  });
});
