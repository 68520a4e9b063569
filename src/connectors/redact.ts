// Credentials kept out of every message syncspec prints or stores. A system's answer may echo
// the request, Authorization header and all (a 500 whose body is the request's headers), and
// what a system says is shown to people and kept in the state; so each credential of the
// deployment is replaced by a marker wherever it appears, in the forms a server is likely to
// echo it: as is, percent-encoded (a URL, a form), JSON-escaped, in any letter case; after
// "Bearer ", even when it is too short to look for anywhere else; and the start of one at the
// end of a line or before "...", where a body cut short ends in the middle of it. Here, below
// the connectors, so that a connector can redact its own texts at the source too.

/** What a credential becomes. */
export const REDACTED = "[redacted]";

/**
 * Shorter credentials are redacted only after "Bearer ": anywhere, they would match ordinary
 * words and numbers (a record key "1234") and leave the messages unreadable.
 */
export const MIN_CREDENTIAL = 6;

/** The shortest start of a credential redacted where a text is cut short: shorter ones are too likely to be ordinary words. */
export const MIN_PREFIX = 6;

export type Redact = (text: string) => string;

/** A character of a token as servers write it: `Bearer abc123`, a JWT, base64 with padding. */
const TOKEN_CHAR = "[A-Za-z0-9\\-._~+/=]";
/** "Bearer " as a header, a URL or a form writes it. */
const BEARER = "\\bBearer(?:\\s+|%20|\\+)";
/**
 * Any bearer token, ours or not (a proxy's, one a server transformed): long enough, and with
 * a digit, so that prose ("Bearer tokens are required") is left alone.
 */
const ANY_TOKEN = `(?=${TOKEN_CHAR}*\\d)${TOKEN_CHAR}{8,}`;
/** Where a text cut short may end: before "..." or "…", or at the end of a line. */
const ENDING = /\.\.\.|…|[ \t\r]*(?:\n|$)/g;

/** Credentials past which a text is first searched for their anchors (manyRedactor). */
const FEW = 64;

/** A function that redacts the credentials given (empty ones are none) from a text. */
export function redactor(credentials: Iterable<string | undefined>): Redact {
  const secrets = distinct(credentials);
  return secrets.length > FEW ? manyRedactor(secrets) : exactRedactor(secrets);
}

/** One pattern of every credential: what redactor() gives for a few; exported for the test that holds the two the same. */
export function exactRedactor(secrets: readonly string[]): Redact {
  // Made at the first text: a deployment makes a connector, and its redactor, for each of thousands of connections, most of which never have a message.
  let made: Redact | undefined;
  return (text) => (made ??= patternRedactor(secrets))(text);
}

function patternRedactor(secrets: readonly string[]): Redact {
  const long = secrets.filter((s) => [...s].length >= MIN_CREDENTIAL);
  const anywhere = long.length > 0 ? new RegExp(long.map(pattern).join("|"), "gi") : undefined;
  const bearer = new RegExp(`(${BEARER})(?:${[...secrets.map(pattern), ANY_TOKEN].join("|")})(?!${TOKEN_CHAR})`, "gi");
  const prefixed = long.filter((s) => [...s].length > MIN_PREFIX).map((s) => [...s].map(forms));
  return (text) => {
    const whole = anywhere ? text.replace(anywhere, REDACTED) : text;
    return redactEndings(
      whole.replace(bearer, (_, before: string) => `${before}${REDACTED}`),
      prefixed,
    );
  };
}

/** The length of an anchor of a whole credential, and the least of the start of one. */
const ANCHOR = 6;
const MIN_ANCHOR = 3;

/**
 * The credentials of a deployment of many organizations (thousands of connections): one
 * pattern of all of them would take seconds to build and be slow on every text. Letters and
 * digits are written as they are in every form a server echoes (percent-encoding and JSON
 * escapes change only the other characters), so a credential can be in a text only where the
 * text holds, in any case, the start of its longest run of letters and digits (for the
 * whole credential) and the letters and digits it starts with (for a start cut short: "whsec"
 * of a webhook secret). A text is searched for those anchors and redacted with the
 * credentials they name; those without an anchor are always among them.
 */
function manyRedactor(secrets: readonly string[]): Redact {
  const anchored = new Map<string, string[]>();
  const always: string[] = [];
  const anchor = (key: string, secret: string): void => {
    const list = anchored.get(key);
    if (list) list.push(secret);
    else anchored.set(key, [secret]);
  };
  for (const secret of secrets) {
    // ASCII letters and digits only, taken before any case is folded: toLowerCase() makes the
    // Kelvin sign a "k" and "İ" two characters, which no percent-encoded form of them holds.
    const longest = asciiLower((secret.match(/[A-Za-z0-9]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), ""));
    // What a start of MIN_PREFIX characters or more holds of letters and digits before any other character.
    const start = asciiLower(/^[A-Za-z0-9]*/.exec([...secret].slice(0, MIN_PREFIX).join(""))![0]);
    const cut = [...secret].length > MIN_PREFIX;
    if (longest.length < ANCHOR || (cut && start.length < MIN_ANCHOR)) {
      always.push(secret);
      continue;
    }
    anchor(longest.slice(0, ANCHOR), secret);
    if (cut && start !== longest.slice(0, ANCHOR)) anchor(start, secret);
  }
  const lengths = [...new Set([...anchored.keys()].map((k) => k.length))];
  const made = new Map<string, Redact>();
  const none = exactRedactor(always);
  return (text) => {
    const lower = asciiLower(text);
    const found = new Set<string>();
    for (const length of lengths) {
      for (let i = 0; i + length <= lower.length; i++) {
        const hits = anchored.get(lower.slice(i, i + length));
        if (hits) for (const secret of hits) found.add(secret);
      }
    }
    if (found.size === 0) return none(text);
    const these = [...always, ...found].sort((a, b) => b.length - a.length);
    const key = these.join("\0");
    let redact = made.get(key);
    if (!redact) {
      // Texts that name the same credentials (one organization's, again and again) reuse their patterns.
      if (made.size >= 256) made.clear();
      made.set(key, (redact = exactRedactor(these)));
    }
    return redact(text);
  };
}

/** A text with A to Z made a to z, and nothing else changed: its length and every other character kept. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** Credentials that are not empty, each also as trimmed (a value read from a file keeps its newline), longest first. */
function distinct(credentials: Iterable<string | undefined>): string[] {
  const set = new Set<string>();
  for (const c of credentials) for (const value of [c, c?.trim()]) if (value) set.add(value);
  // Longest first: a credential that holds another is redacted whole, not around the other.
  return [...set].sort((a, b) => b.length - a.length);
}

/** A credential as a pattern: each character in any of its forms. */
function pattern(credential: string): string {
  return [...credential].map((c) => `(?:${forms(c).map(escapeRegExp).join("|")})`).join("");
}

/**
 * How a server may write a character of a credential back: as is; percent-encoded (in a URL
 * or a form, where a space may be "+"); JSON-escaped ("\/" as PHP writes it, "\u002b").
 * Letters and digits are the same in all of them. Compared in any case ("%2f", "\u002B").
 */
function forms(char: string): string[] {
  if (/^[A-Za-z0-9]$/.test(char)) return [char];
  const list = [char, [...Buffer.from(char, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("")];
  const code = char.codePointAt(0)!;
  if (code <= 0xffff) list.push(`\\u${code.toString(16).padStart(4, "0")}`);
  if (char === "/" || char === '"' || char === "\\") list.push(`\\${char}`);
  if (char === " ") list.push("+");
  return list;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/**
 * The start of a credential (MIN_PREFIX characters or more) where a text may have been cut
 * short, redacted: a body cut at N characters may end in the middle of a token, and half a
 * token is half a secret.
 */
function redactEndings(text: string, credentials: readonly (readonly string[][])[]): string {
  if (credentials.length === 0) return text;
  const cuts: [start: number, end: number][] = [];
  for (const m of text.matchAll(ENDING)) {
    for (const chars of credentials) {
      const start = longestPrefixEndingAt(text, m.index, chars);
      if (start === undefined) continue;
      // Two endings may find the same start (a credential prefix before "..." that ends a line).
      if (cuts.length === 0 || start >= cuts[cuts.length - 1]![1]) cuts.push([start, m.index]);
      break;
    }
  }
  let out = text;
  for (const [start, end] of cuts.reverse()) out = `${out.slice(0, start)}${REDACTED}${out.slice(end)}`;
  return out;
}

/** Where the longest start of a credential (given as its characters' forms) that ends at `end` begins; undefined when none does. */
function longestPrefixEndingAt(text: string, end: number, chars: readonly string[][]): number | undefined {
  for (let k = chars.length - 1; k >= MIN_PREFIX; k--) {
    let at: number | undefined = end;
    for (let i = k - 1; i >= 0 && at !== undefined; i--) at = formEndingAt(text, at, chars[i]!);
    if (at !== undefined) return at;
  }
  return undefined;
}

/** Where one of a character's forms that ends at `end` begins, or undefined. */
function formEndingAt(text: string, end: number, forms: readonly string[]): number | undefined {
  for (const form of forms) {
    const start = end - form.length;
    if (start >= 0 && text.slice(start, end).toLowerCase() === form.toLowerCase()) return start;
  }
  return undefined;
}
