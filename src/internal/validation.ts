import * as v from 'valibot';
import { ConstructValidationError, Field, formatPath } from '../attestation/errors';
import { issueReport, type Schema, str, unknownKeyMessage } from '../attestation/schema';

export { ConstructValidationError };
export {
  attributesObject,
  bool,
  fieldCheck,
  firstIssue,
  issueReport,
  instanceOf,
  int,
  intAtLeast,
  list,
  noSecret,
  nonEmpty,
  strictObject,
  oneOf,
  rawCheck,
  str,
  stringMap,
} from '../attestation/schema';
export type { Schema } from '../attestation/schema';
import { IConstruct, Token } from './cdktf';

/** True when `value` is (or contains) a Terraform token that only apply will resolve. */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** A string schema that applies `check` only when the value is known at synth time. */
export function literalString(check: (s: string) => boolean, message: string) {
  return v.pipe(
    str(),
    v.check((s) => isToken(s) || check(s), message),
  );
}

/**
 * Parses `props` with `schema`, or throws a ConstructValidationError naming the construct path, the field,
 * the offending value and the schema's message (which carries the fix).
 */
export function parseProps<T>(scope: IConstruct, type: string, schema: Schema<T>, props: unknown): T {
  // Every construct's props are strict: a typo (`replica: 2`) must not become a silently ignored setting. The
  // schemas are strict objects; this check serves the attributes of imports (`attributesObject`), and refuses an
  // unknown key of a plain object only: an attributes object may be another construct that carries more.
  const known = topLevelKeys(schema);
  if (known && typeof props === 'object' && props !== null && Object.getPrototypeOf(props) === Object.prototype) {
    const unknown = Object.keys(props).find((k) => !known.includes(k) && (props as Record<string, unknown>)[k] !== undefined);
    if (unknown !== undefined) throw new ConstructValidationError(scope.node.path, type, unknown, unknownKeyMessage(unknown, known));
  }
  const result = v.safeParse(schema, props);
  if (result.success) return result.output;
  const { path, message } = issueReport(result.issues, props);
  throw new ConstructValidationError(scope.node.path, type, path.length > 0 ? formatPath(path) : 'props', message);
}

/** The keys of an object schema (also at the head of a pipe), or undefined for any other schema. */
function topLevelKeys(schema: unknown): string[] | undefined {
  const s = schema as { entries?: Record<string, unknown>; pipe?: unknown[] };
  if (s.entries && typeof s.entries === 'object') return Object.keys(s.entries);
  if (Array.isArray(s.pipe) && s.pipe.length > 0) return topLevelKeys(s.pipe[0]);
  return undefined;
}

/**
 * The prop `field` of `scope`, to pass into the attestation core: its errors then name the construct and the
 * prop themselves (`<type> <path>: <field>: ...`), and nothing catches and rewrites them.
 */
export function fieldOf(scope: IConstruct, type: string, field: string): Field {
  return { owner: { path: scope.node.path, type }, field };
}

/**
 * One rule per construct interface (`IPeerPodNetwork`, `IKeyBrokerService`, ...): the constructs that implement
 * it (the class and its import) mark themselves, and every props schema that takes the interface checks that
 * mark, with one message saying how to get one. The mark is a registered symbol, so two copies of the library
 * in one app still recognise each other's constructs.
 */
export class ConstructInterface<T extends IConstruct> {
  private readonly mark: symbol;

  constructor(
    name: string,
    /** How to get one, for messages: "a PeerPodNetwork or PeerPodNetwork.fromPeerPodNetworkAttributes(...)". */
    private readonly howToGet: string,
  ) {
    this.mark = Symbol.for(`@confidential-ai/azure-constructs.${name}`);
  }

  /** Called by each implementing construct's constructor. */
  public implementedBy(construct: T): void {
    Object.defineProperty(construct, this.mark, { value: true });
  }

  /** True when `x` is a construct that implements the interface. */
  public isImplementedBy(x: unknown): x is T {
    return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[this.mark] === true;
  }

  /** The props schema of the interface. */
  public schema(): Schema<T> {
    return v.custom<T>((x) => this.isImplementedBy(x), `must be ${this.howToGet}`);
  }
}
