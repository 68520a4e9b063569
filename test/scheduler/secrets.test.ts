// A system that echoes the token (issue 13, item 9): an error answer whose body is the
// request's headers puts the token in what the system says. Through the service, as
// `syncspec run` makes it, the token is in no summary, no progress line, no stored run or
// refused record, and nowhere in the state's file; the same for errors a connector throws
// (RUN003, RUN004) and a reason cut short in the middle of the token.
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { progressLine } from "../../src/cli/run-report.js";
import type { Connector } from "../../src/connectors/connector.js";
import { REDACTED, redactor } from "../../src/connectors/redact.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { assemble } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { Metrics } from "../../src/scheduler/metrics.js";
import type { RunSummary } from "../../src/scheduler/run-integration.js";
import { Service, type ServiceProgress } from "../../src/scheduler/service.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { sampleConnector } from "./support.js";
import { distinctToken, echoedHeaders, echoServer, expectNoCredential, expectNoCredentialInStore, type Echo } from "./echo-server.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const writing = (req: IncomingMessage): boolean => req.method !== "GET";

/** What the service made of one run: the summaries, the lines `syncspec run` prints, and the store. */
interface Outcome {
  readonly summaries: RunSummary[];
  readonly lines: string;
  readonly progress: ServiceProgress[];
  readonly store: SqliteServiceStore;
  readonly file: string;
}

/**
 * mobilecommons-crm once: Mobile Commons from its sample file, the CRM over HTTP through a
 * server that answers as `echo` says (the sandbox the rest), with the token and a webhook secret.
 */
async function runThrough(echo: Echo, token: string, secret: string): Promise<Outcome> {
  const sandbox = await startSandbox({ connections: [{ name: "crm", system: "crm", token }], systems: SYSTEMS });
  closers.push(() => sandbox.close());
  const server = await echoServer(sandbox.url("crm"), echo);
  closers.push(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), "syncspec-secrets-"));
  cpSync(join(ROOT, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
  const yaml = [
    "connections:",
    `  mobilecommons: {file: ${join(dir, "mc.json")}}`,
    `  crm: {url: "${server.url}", token: {env: CRM_TOKEN}, webhookSecret: {env: CRM_WEBHOOK_SECRET}}`,
    "integrations:",
    `  mobilecommons-crm: {spec: ${join(ROOT, "specs/mobilecommons-crm.sync")}}`,
  ].join("\n");
  const deployment = parseDeployment(`${yaml}\n`, join(dir, "test.deploy.yaml"));
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
  const env = { CRM_TOKEN: token, CRM_WEBHOOK_SECRET: secret };
  const assembled = assemble(deployment, { systems: SYSTEMS, env, http: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } });
  if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
  for (const c of assembled.connections.values()) closers.push(() => c.connector.close());
  const file = join(dir, "state.db");
  const store = new SqliteServiceStore(file);
  closers.push(() => store.close());
  const progress: ServiceProgress[] = [];
  const service = new Service({ integrations: assembled.integrations, systems: SYSTEMS, connections: assembled.connections, store, metrics: new Metrics(), redact: assembled.redact, progress: (p) => progress.push(p) });
  closers.push(() => service.stop());
  const summaries = await service.runAll();
  return { summaries, lines: progress.map(progressLine).join("\n"), progress, store, file };
}

/** Nowhere: not in the summaries, the progress (and its lines), the stored runs and refused records, the store's bytes. */
async function expectNowhere(outcome: Outcome, credential: string): Promise<void> {
  expectNoCredential("the run summaries", JSON.stringify(outcome.summaries), credential);
  expectNoCredential("the progress", JSON.stringify(outcome.progress), credential);
  expectNoCredential("the progress lines", outcome.lines, credential);
  expectNoCredential("the stored runs", JSON.stringify((await outcome.store.runs())), credential);
  expectNoCredential("the stored refused records", JSON.stringify((await outcome.store.failures())), credential);
  await outcome.store.close();
  expectNoCredentialInStore(outcome.file, credential);
}

describe("a system that echoes the token in its error answers", () => {
  const token = distinctToken();
  const secret = `whsec_${randomBytes(24).toString("base64")}`;

  it.each<[string, Echo, RegExp]>([
    ["a write refused (422) with the request's headers as its body", (req) => (writing(req) ? { status: 422, body: echoedHeaders(req) } : undefined), /^ {13}refused: crm\.constituents .*422 crm refused to .*\[redacted\]/m],
    ["a write refused (401) whose error quotes the token", (req) => (writing(req) ? { status: 401, type: "application/json", body: JSON.stringify({ error: `not a token we know: ${req.headers.authorization}` }) } : undefined), /^ {13}refused: crm\.constituents .*401 crm refused the credentials \(401: not a token we know: Bearer \[redacted\]\)/m],
    ["a read answered 403 with the request's headers as JSON", (req) => ({ status: 403, type: "application/json", body: JSON.stringify({ request: { headers: req.headers } }) }), /^ {13}read incompletely.*answered 403: .*"authorization":"Bearer \[redacted\]"/m],
    ["a read answered 400 whose body is cut in the middle of the token", (req) => ({ status: 400, body: `${"x".repeat(480)} ${req.headers.authorization}` }), /answered 400: x+ Bearer \[redacted\]/],
  ])("%s: the token is nowhere, and the marker where it was", async (_, echo, shown) => {
    const outcome = await runThrough(echo, token, secret);
    await expectNowhere(outcome, token);
    expect(outcome.lines).toMatch(shown);
  });

  it("a read answered 500 with the request's headers, past its retries: the token is nowhere", async () => {
    const outcome = await runThrough((req) => ({ status: 500, body: echoedHeaders(req) }), token, secret);
    expect(outcome.summaries.map((s) => s.status)).toEqual(["incomplete"]);
    await expectNowhere(outcome, token);
  });
});

describe("a connector's errors and reasons that hold a credential", () => {
  const token = distinctToken();
  const secret = `whsec_${randomBytes(24).toString("base64")}`;

  /** Through the service with connectors of a test's own, and the deployment's credentials to redact. */
  async function runWith(overrides: Partial<Connector>): Promise<Outcome> {
    const file = join(mkdtempSync(join(tmpdir(), "syncspec-secrets-")), "state.db");
    const store = new SqliteServiceStore(file);
    closers.push(() => store.close());
    const connector = (system: string): Connector => sampleConnector(system, system === "virtuous" ? overrides : {});
    const deployment = parseDeployment(
      [
        "connections:",
        "  raisedonors: {url: http://127.0.0.1:1, token: {env: RD_TOKEN}}",
        "  virtuous: {url: http://127.0.0.1:1, token: {env: V_TOKEN}, webhookSecret: {env: V_SECRET}}",
        "integrations:",
        `  raisedonors-virtuous: {spec: ${join(ROOT, "specs/raisedonors-virtuous.sync")}}`,
        "",
      ].join("\n"),
      join(ROOT, "specs/test.deploy.yaml"),
    );
    if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
    const assembled = assemble(deployment, { systems: SYSTEMS, env: { RD_TOKEN: "rd-token-0123456789", V_TOKEN: token, V_SECRET: secret } });
    if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
    for (const c of assembled.connections.values()) await c.connector.close();
    const connections = new Map(["raisedonors", "virtuous"].map((n) => [n, { connector: connector(n), system: n }]));
    const progress: ServiceProgress[] = [];
    const service = new Service({ integrations: assembled.integrations, systems: SYSTEMS, connections, store, metrics: new Metrics(), redact: assembled.redact, progress: (p) => progress.push(p) });
    closers.push(() => service.stop());
    const summaries = await service.runAll();
    return { summaries, lines: progress.map(progressLine).join("\n"), progress, store, file };
  }

  it.each<[string, string, Partial<Connector>, RegExp]>([
    ["a read that throws (RUN003), quoting the token URL-encoded", "token", { read: async () => Promise.reject(new Error(`GET /contacts?access_token=${encodeURIComponent(token)} failed`)) }, /RUN003: .*access_token=\[redacted\] failed/],
    ["a write that throws (RUN004), quoting the webhook secret", "secret", { write: async () => Promise.reject(new Error(`signing with ${secret} failed`)) }, /RUN004: .*signing with \[redacted\] failed/],
    [
      "a refused record whose reason is cut in the middle of the token",
      "token",
      { write: async (writes) => ({ applied: [], failed: writes.map((write) => ({ write, status: 500, reason: `upstream said: authorization=${token.slice(0, 14)}...` })) }) },
      /refused: virtuous\.\S+ \S+ \(\w+\): 500 upstream said: authorization=\[redacted\]\.\.\./,
    ],
  ])("%s: the %s is nowhere", async (_, which, overrides, shown) => {
    const outcome = await runWith(overrides);
    await expectNowhere(outcome, which === "token" ? token : secret);
    expect(outcome.lines).toMatch(shown);
  });

  it("keeps a run's words as they were where there is no credential in them", async () => {
    const outcome = await runWith({ read: async () => Promise.reject(new Error("GET /contacts failed: connection reset")) });
    expect(outcome.summaries[0]!.message).toBe("reading failed: GET /contacts failed: connection reset");
    expect(outcome.lines).not.toContain(REDACTED);
    expect(redactor([token])(outcome.lines)).toBe(outcome.lines);
  });
});
