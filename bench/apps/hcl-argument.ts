// The argument of a Terraform function call as cdktf renders it (`yamlencode({"key" = value, ...})`), read
// back into the value a hand-written cdktf app passes to `Fn`, for the same-resources floor (same-resources.ts).

/** An object or an array, filled by key or index alike. */
export type Container = Record<string | number, unknown>;
export const container = (array: boolean): Container => (array ? ([] as unknown as Container) : {});
/** A string of a config to replace once the config is built: its container, its key there and its text. */
export type Hole = [container: Container, key: string | number, text: string];

/**
 * Parses the one argument of a function call as cdktf renders it (`{"key" = value, ...}`, `[...]`, quoted
 * strings, numbers, booleans, references) into the value a hand-written app passes to `Fn`, returned as
 * `{ argument }` with each reference recorded in `holes` (its text where its token goes). Undefined for
 * anything else (escapes, operators, nested calls, several arguments): the call stays literal.
 */
export function parseArgument(text: string, holes: Hole[]): { argument?: unknown } | undefined {
  let at = 0;
  const fail = Symbol('fail');
  const skip = (): void => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  const expect = (char: string): boolean => {
    skip();
    if (text[at] !== char) return false;
    at++;
    return true;
  };
  const string = (): string | typeof fail => {
    const end = text.indexOf('"', at + 1);
    const body = text.slice(at + 1, end);
    // cdktf escapes newlines and `${` in literals; such strings are not worth unescaping here.
    if (end < 0 || /[\\]|\$\{|%\{/.test(body)) return fail;
    at = end + 1;
    return body;
  };
  const value = (into: Container, key: string | number): boolean => {
    skip();
    const char = text[at];
    if (char === '"') {
      const literal = string();
      into[key] = literal;
      return literal !== fail;
    }
    if (char === '{' || char === '[') {
      at++;
      const object = char === '{';
      const close = object ? '}' : ']';
      const nested = container(!object);
      into[key] = nested;
      for (let index = 0; !expect(close); index++) {
        if (index > 0 && !expect(',')) return false;
        skip();
        const field = object ? string() : index;
        if (field === fail || (object && !expect('=')) || !value(nested, field)) return false;
      }
      return true;
    }
    const word = /^[A-Za-z0-9_.\-[\]]+/.exec(text.slice(at))?.[0];
    if (!word) return false;
    at += word.length;
    if (word === 'true' || word === 'false' || word === 'null') into[key] = JSON.parse(word);
    else if (/^-?\d+(\.\d+)?$/.test(word)) into[key] = Number(word);
    else {
      // Its place now, so that the keys keep the order cdktf renders them in; its token once parsing succeeded.
      into[key] = word;
      holes.push([into, key, word]);
    }
    return true;
  };
  const root: Record<string, unknown> = {};
  const parsed = value(root, 'argument');
  skip();
  return parsed && at === text.length ? root : undefined;
}
