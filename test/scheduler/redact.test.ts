// Credentials out of messages (issue 13, item 9): a deployment's tokens and webhook secrets
// are redacted in the forms a server echoes them, and only they: a short or empty credential
// does not redact everything.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REDACTED, redactor } from "../../src/connectors/redact.js";
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
