// What a secret looks like in text: PEM and PuTTY private keys, bearer tokens. Read generously (any case,
// spacing or number of dashes), since a leaked key costs far more than a refused prop: props that take public
// material refuse these values, and error messages describe them instead of quoting them.

/** Space inside a marker: spaces and tabs, also a tab escaped in JSON (a value quoted in a message). */
const SP = String.raw`(?:[ \t]|\\t)`;

/**
 * A PEM private-key marker (RFC 7468 and the older OpenSSL, OpenSSH, SSH2 and PGP forms): BEGIN or END, up to
 * four words, PRIVATE KEY, optionally BLOCK. Groups: leading dashes, BEGIN/END, the words, BLOCK, trailing dashes.
 */
const KEY_MARKER = new RegExp(
  String.raw`(?:(-+)${SP}*)?(?:\b|(?<=\\[nrt]))(BEGIN|END)${SP}+((?:[A-Za-z0-9]+${SP}+){0,4}?)PRIVATE${SP}+KEY(${SP}+BLOCK)?\b(?:${SP}*(-+))?`,
  'gi',
);

/** A line break, raw or escaped in JSON, or the quote around a JSON value: where a line of a value ends. */
const LINE_END = /\r|\n|\\r|\\n|"/;

/** The first line of a PuTTY key file (`.ppk`), which holds the private key whatever follows. */
const PUTTY_MARKER = /PuTTY-User-Key-File-\d*[ \t]*:/i;

/**
 * A JWT (JWS compact form): three base64url segments, the header starting `eyJ` (`{"`); an unsigned one ends with
 * a dot. Here and below, a line break escaped in JSON (`\n`) before the token counts as a boundary.
 */
const JWT = /(?:(?<![A-Za-z0-9_-])|(?<=\\[nrt]))eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;

/** An opaque token after the `Bearer` scheme of an Authorization header. */
const BEARER = /(?:\b|(?<=\\[nrt]))Bearer[ \t]+[A-Za-z0-9._~+/-]{20,}=*/gi;

// Single-match forms, compiled once (a fresh RegExp per call cost a synth milliseconds: every error message and
// many eager checks show a value), and cheap pre-tests that rule out most text before the full patterns run.
const JWT_ANYWHERE = new RegExp(JWT.source);
const BEARER_ANYWHERE = new RegExp(BEARER.source, 'i');
const JWT_WHOLE = new RegExp(`^(?:${JWT.source})$`);
const BEARER_WHOLE = new RegExp(`^(?:${BEARER.source})$`, 'i');
const MAYBE_KEY = /private|putty/i;
const MAYBE_TOKEN = /eyJ|bearer/i;

interface KeyMarker {
  readonly start: number;
  readonly end: number;
  readonly begin: boolean;
  /** The key type as the marker names it, upper case, single spaces: `EC PRIVATE KEY`. */
  readonly kind: string;
}

/**
 * The private-key markers in `text`. A marker counts when dashes touch it on either side, when it stands alone
 * on its line, or when it is written in capitals and ends its line; so "begin with a private key" in a sentence
 * is prose, and `-----begin  private key--` or `BEGIN RSA PRIVATE KEY` followed by base64 lines is a key.
 */
function keyMarkers(text: string): KeyMarker[] {
  const markers: KeyMarker[] = [];
  for (const m of text.matchAll(KEY_MARKER)) {
    const start = m.index;
    const end = start + m[0].length;
    const before = text
      .slice(Math.max(0, start - 200), start)
      .split(LINE_END)
      .pop()!;
    const after = text.slice(end, end + 200).split(LINE_END)[0];
    const endsLine = after.trim() === '';
    const alone = before.trim() === '' && endsLine;
    const capitals = m[0] === m[0].toUpperCase() && endsLine;
    if (!m[1] && !m[5] && !alone && !capitals) continue;
    const kind = `${m[3]}PRIVATE KEY${m[4] ? ' BLOCK' : ''}`.toUpperCase().replace(new RegExp(`${SP}+`, 'g'), ' ');
    markers.push({ start, end, begin: m[2].toUpperCase() === 'BEGIN', kind });
  }
  return markers;
}

/**
 * The kind of private key `text` holds, or undefined: the PEM type of its first private-key marker
 * (`PRIVATE KEY`, `EC PRIVATE KEY`, `OPENSSH PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`, ...), or
 * `PuTTY-User-Key-File` for a PuTTY key file. Certificates, public keys and prose about private keys are none.
 */
export function privateKeyKind(text: string): string | undefined {
  if (!MAYBE_KEY.test(text)) return undefined;
  const marker = keyMarkers(text)[0];
  if (marker) return marker.kind;
  return PUTTY_MARKER.test(text) ? 'PuTTY-User-Key-File' : undefined;
}

/** True when `value` is a string that holds a private key anywhere in it (see privateKeyKind). */
export function holdsPrivateKey(value: unknown): boolean {
  return typeof value === 'string' && privateKeyKind(value) !== undefined;
}

/**
 * True when `value` is a bearer token as a whole (surrounding whitespace and a `Bearer ` scheme aside): a JWT,
 * three base64url segments with the first starting `eyJ`, or an opaque token of 20 characters or more after `Bearer `.
 */
export function looksLikeBearerToken(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const text = value.trim();
  const token = text.replace(/^Bearer[ \t]+/i, '');
  return JWT_WHOLE.test(token) || BEARER_WHOLE.test(text);
}

/** True when a bearer token occurs anywhere in `text`. */
function containsBearerToken(text: string): boolean {
  return MAYBE_TOKEN.test(text) && (JWT_ANYWHERE.test(text) || BEARER_ANYWHERE.test(text));
}

/**
 * What secret `value` holds, in words for a message (`a PEM private key (EC PRIVATE KEY)`, `a bearer token`),
 * or undefined. A value that is not a string is read as its JSON, so a key nested in an object or array counts.
 */
export function secretKind(value: unknown): string | undefined {
  const text = typeof value === 'string' ? value : jsonOf(value);
  if (text === undefined) return undefined;
  const key = privateKeyKind(text);
  if (key === 'PuTTY-User-Key-File') return 'a PuTTY private key file';
  if (key !== undefined) return `a PEM private key (${key})`;
  return containsBearerToken(text) ? 'a bearer token' : undefined;
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** How a message shows a secret instead of its text. */
export function secretPlaceholder(kind: string): string {
  return `<${kind}, not shown>`;
}

/**
 * `text` with every private key and bearer token replaced by a placeholder. A key runs from its BEGIN marker
 * to its END marker; without one, to the closing quote of the value that held it or the end of the text (a
 * message quotes values as JSON strings). An END marker alone takes the text back to the opening quote.
 */
export function redactSecrets(text: string): string {
  let out = '';
  let at = 0;
  const markers = keyMarkers(text);
  for (let i = 0; i < markers.length; i++) {
    const marker = markers[i];
    if (marker.start < at) continue;
    let start = marker.start;
    let end: number;
    if (marker.begin) {
      const close = markers.slice(i + 1).find((m) => !m.begin);
      end = close ? close.end : quoteOrEnd(text, marker.end);
    } else {
      start = Math.max(at, text.lastIndexOf('"', marker.start - 1) + 1, bodyStart(text, marker.start));
      end = marker.end;
    }
    out += text.slice(at, start) + secretPlaceholder(`a PEM private key (${marker.kind})`);
    at = end;
  }
  out += text.slice(at);
  for (let putty = PUTTY_MARKER.exec(out); putty; putty = PUTTY_MARKER.exec(out)) {
    const mac = /Private-MAC:[ \t]*[0-9a-fA-F]*/i.exec(out.slice(putty.index));
    const end = mac ? putty.index + mac.index + mac[0].length : quoteOrEnd(out, putty.index + putty[0].length);
    out = out.slice(0, putty.index) + secretPlaceholder('a PuTTY private key file') + out.slice(end);
  }
  return out.replace(JWT, secretPlaceholder('a bearer token')).replace(BEARER, secretPlaceholder('a bearer token'));
}

/** Where the base64 body (lines, raw or JSON-escaped) that ends at `end` begins. */
function bodyStart(text: string, end: number): number {
  let start = end;
  while (start > 0 && /[A-Za-z0-9+/=\r\n\\]/.test(text[start - 1])) start--;
  return start;
}

/** The position of the next double quote from `from` (the end of a JSON-quoted value), or the end of `text`. */
function quoteOrEnd(text: string, from: number): number {
  const quote = text.indexOf('"', from);
  return quote < 0 ? text.length : quote;
}
