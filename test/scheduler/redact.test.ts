// Credentials out of messages (issue 13, item 9): a deployment's tokens and webhook secrets
// are redacted in the forms a server echoes them, and only they: a short or empty credential
// does not redact everything.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { exactRedactor, REDACTED, redactor } from "../../src/connectors/redact.js";
import { credentialsOf } from "../../src/scheduler/secrets.js";

const TOKEN = "3f9c2a7be41d08c6";
const SECRET = "whsec_c2VjcmV0LWtleS1vZi10aGlydHktdHdvLWJ5dGVzISE+/w==";
const redact = redactor([TOKEN, SECRET]);

describe("redacting a deployment's credentials", () => {
  it.each([
    ["as is", `echo: ${TOKEN}!`, `echo: ${REDACTED}!`],
    ["after Bearer, in a header echoed back", `{"authorization":"Bearer ${TOKEN}","accept":"application/json"}`, `{"authorization":"Bearer ${REDACTED}","accept":"application/json"}`],
    ["in another case", `AUTHORIZATION: BEARER ${TOKEN.toUpperCase()}`, `AUTHORIZATION: BEARER ${REDACTED}`],
    ["URL-encoded", `GET /x?access_token=${encodeURIComponent(SECRET)}&page=2`, `GET /x?access_token=${REDACTED}&page=2`],
    ["URL-encoded in lower case", `token=${encodeURIComponent(SECRET).toLowerCase()}`, `token=${REDACTED}`],
    ["Bearer URL-encoded", `authorization=Bearer%20${TOKEN}`, `authorization=Bearer%20${REDACTED}`],
    ["JSON-escaped as PHP writes it", `{"secret":"${SECRET.replaceAll("/", "\\/")}"}`, `{"secret":"${REDACTED}"}`],
    ["JSON-escaped with \\u", `{"secret":"${SECRET.replaceAll("+", "\\u002B")}"}`, `{"secret":"${REDACTED}"}`],
    ["twice in one text", `${TOKEN} and ${TOKEN}`, `${REDACTED} and ${REDACTED}`],
  ])("%s", (_, text, expected) => {
    expect(redact(text)).toBe(expected);
  });

  it("redacts the start of a credential where a text cut short ends: at its end, a line's, or before an ellipsis", () => {
    const half = TOKEN.slice(0, 9);
    expect(redact(`the request's headers: {"x-token":"${half}`)).toBe(`the request's headers: {"x-token":"${REDACTED}`);
    expect(redact(`crm refused (422): {"auth":"${half}...`)).toBe(`crm refused (422): {"auth":"${REDACTED}...`);
    expect(redact(`first line ${half}\nsecond line`)).toBe(`first line ${REDACTED}\nsecond line`);
    expect(redact(`cut: ${encodeURIComponent(SECRET).slice(0, 40)}…`)).toBe(`cut: ${REDACTED}…`);
  });

  it("leaves the start of a credential shorter than the minimum, and one in the middle of a line", () => {
    expect(redact(`ends in ${TOKEN.slice(0, 5)}`)).toBe(`ends in ${TOKEN.slice(0, 5)}`);
    expect(redact(`${TOKEN.slice(0, 9)} is not cut short here`)).toBe(`${TOKEN.slice(0, 9)} is not cut short here`);
  });

  it("redacts any bearer token that looks like one, and leaves prose about them", () => {
    expect(redact("authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x")).toBe(`authorization: Bearer ${REDACTED}`);
    expect(redact("an Authorization: Bearer <token> header is required; Bearer tokens expire")).toBe("an Authorization: Bearer <token> header is required; Bearer tokens expire");
  });

  it("redacts a short credential only after Bearer, and an empty one nowhere", () => {
    const short = redactor(["ab1", "", undefined, " "]);
    const text = "a banana ab1 lab1 records 1, 2: ab1";
    expect(short(text)).toBe(text);
    expect(short("authorization: Bearer ab1, accept: */*")).toBe(`authorization: Bearer ${REDACTED}, accept: */*`);
    expect(redactor([])("nothing to redact in 1234567890")).toBe("nothing to redact in 1234567890");
  });

  it("redacts a credential read with a newline as the header sends it, trimmed", () => {
    expect(redactor([`${TOKEN}\n`])(`Bearer ${TOKEN} and ${TOKEN}`)).toBe(`Bearer ${REDACTED} and ${REDACTED}`);
  });
});

describe("a deployment's credentials", () => {
  it("are every connection's token and webhook secret the environment and the secret files hold, or the values that stand in for them", () => {
    const env = { A_TOKEN: "token-a", A_SECRET: "whsec_a", B_TOKEN: undefined };
    const dir = mkdtempSync(join(tmpdir(), "syncspec-secrets-"));
    writeFileSync(join(dir, "c-token"), "token-c\n");
    const connections = [{ token: { env: "A_TOKEN" }, webhookSecret: { env: "A_SECRET" } }, { token: { env: "B_TOKEN" } }, {}, { token: { file: join(dir, "c-token") } }, { token: { file: join(dir, "missing") } }];
    expect(credentialsOf(connections, env)).toEqual(["token-a", "whsec_a", "token-c"]);
    expect(credentialsOf([{ name: "d", token: { env: "D_TOKEN" } }], env, new Map([["d", { token: "made-up" }]]))).toEqual(["made-up"]);
  });
});

describe("the credentials of many organizations", () => {
  // Tokens as vendors make them (hex, base64 with + / =), webhook secrets, and a few odd ones: short, or starting with a symbol.
  const char = (chars: string) => fc.constantFrom(...chars);
  const credential = fc.oneof(
    fc.string({ unit: char("0123456789abcdef"), minLength: 16, maxLength: 40 }),
    fc.string({ unit: char("ABCDEFGHabcdefgh0123456789+/="), minLength: 12, maxLength: 44 }),
    fc.string({ unit: char("ABCDabcd0123+/"), minLength: 32, maxLength: 32 }).map((b) => `whsec_${b}`),
    fc.string({ unit: char("abc123-_.~+/ "), minLength: 1, maxLength: 12 }),
    // Characters whose lower case is ASCII or longer (the Kelvin sign, a dotted capital I), among letters.
    fc.string({ unit: char("abcdefgh0123\u212a\u0130\u00e9"), minLength: 8, maxLength: 20 }),
  );
  /** A credential as a server may echo it: as is, percent-encoded, JSON-escaped, upper case, or cut short at the end of a line. */
  const echoed = (c: string, how: number): string =>
    [c, encodeURIComponent(c), JSON.stringify(c).slice(1, -1).replace(/\//g, "\\/"), c.toUpperCase(), `${c.slice(0, Math.max(7, c.length - 3))}...`, `Bearer ${c}`][how % 6]!;

  it("redacts as one pattern of all of them would, finding each by its anchors", () => {
    fc.assert(
      fc.property(fc.uniqueArray(credential, { minLength: 65, maxLength: 120 }), fc.array(fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 12 })), { maxLength: 8 }), (secrets, picks) => {
        const text = picks.map(([which, how, filler]) => `${filler} ${echoed(secrets[which % secrets.length]!, how)}\n`).join("");
        const many = redactor(secrets);
        expect(many(text)).toBe(exactRedactor([...new Set(secrets.flatMap((s) => [s, s.trim()]).filter(Boolean))].sort((a, b) => b.length - a.length))(text));
      }),
      { numRuns: 150 },
    );
  });

  it("finds a credential of letters whose lower case is not theirs alone (the Kelvin sign, a dotted capital I) in every form", () => {
    const others = Array.from({ length: 70 }, (_, i) => `${i.toString(16).padStart(4, "0")}feedc0de${i}`);
    const kelvin = "\u212aabcdefghij";
    const dotted = "ab\u0130cdefghij";
    const redact = redactor([...others, kelvin, dotted]);
    for (const text of [encodeURIComponent(kelvin), "\\u212aabcdefghij", `${kelvin.slice(0, 8)}\n`, `${encodeURIComponent(dotted).slice(0, 11)}\n`]) expect(redact(text), text).not.toMatch(/abcdefg|ab%C4%B0cde/);
    const odd = fc.string({ unit: char("abcdefgh0123\u212a\u0130\u00e9K"), minLength: 8, maxLength: 20 });
    fc.assert(
      fc.property(odd, fc.nat(5), fc.string({ maxLength: 6 }), (secret, how, filler) => {
        const all = [...others, secret];
        const text = `${filler} ${echoed(secret, how)}\n`;
        expect(redactor(all)(text)).toBe(exactRedactor([...new Set(all.flatMap((s) => [s, s.trim()]).filter(Boolean))].sort((a, b) => b.length - a.length))(text));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps thousands of organizations' credentials out of a text, and is quick to make", () => {
    const secrets = Array.from({ length: 24_000 }, (_, i) => (i % 3 === 0 ? `whsec_${Buffer.from(`secret-${i}-of-many-organizations`).toString("base64")}` : `${i.toString(16).padStart(8, "0")}c0ffee${(i * 7919).toString(36)}`));
    const redact = redactor(secrets);
    expect(redact(`GET failed: Authorization: Bearer ${secrets[4242]}; echoed ${encodeURIComponent(secrets[999]!)} and ${secrets[23_999]!.slice(0, 10)}...`)).toBe(`GET failed: Authorization: Bearer ${REDACTED}; echoed ${REDACTED} and ${REDACTED}...`);
    expect(redact("donor 1003 refused: email is not valid")).toBe("donor 1003 refused: email is not valid");
  });
});
