// A deployment of two organizations, as a consultancy writes one: the integration every
// organization runs, each organization's own connections (one token from a secret file, as
// a mounted Kubernetes secret), over the sandbox and the service's own server. Each
// organization's run reaches its own systems only; a webhook to /webhooks/ORG/CONNECTION
// starts its organization's run and no other; the limit of runs at once is kept in one process.
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { assemble } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { Metrics } from "../../src/scheduler/metrics.js";
import type { RunSummary } from "../../src/scheduler/run-integration.js";
import { Service, type ServiceProgress } from "../../src/scheduler/service.js";
import { createServiceServer } from "../../src/server/http-server.js";
import type { WebhookConnection } from "../../src/server/webhook-route.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

it("runs each organization against its own systems, and a webhook starts its own organization's run only", async () => {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-orgs-"));
  const credentials = Object.fromEntries(["HOPE_RD", "HOPE_RD_HOOK", "HOPE_V", "RIVER_RD", "RIVER_V"].map((n) => [n, n.endsWith("HOOK") ? `whsec_${randomBytes(24).toString("base64")}` : randomBytes(8).toString("hex")]));
  writeFileSync(join(dir, "hope-rd-token"), `${credentials["HOPE_RD"]}\n`);
  const env = { HOPE_RD_HOOK: credentials["HOPE_RD_HOOK"], HOPE_V: credentials["HOPE_V"], RIVER_RD: credentials["RIVER_RD"], RIVER_V: credentials["RIVER_V"] };
  const deployment = parseDeployment(
    [
      "maxRunsPerOrganization: 1",
      "integrations:",
      `  donors: {spec: ${join(ROOT, "specs", "raisedonors-virtuous.sync")}}`,
      "organizations:",
      "  hope-house:",
      "    connections:",
      "      raisedonors: {url: http://placeholder.invalid, token: {file: hope-rd-token}, webhookSecret: {env: HOPE_RD_HOOK}}",
      "      virtuous: {url: http://placeholder.invalid, token: {env: HOPE_V}}",
      "  river-fund:",
      "    connections:",
      "      raisedonors: {url: http://placeholder.invalid, token: {env: RIVER_RD}}",
      "      virtuous: {url: http://placeholder.invalid, token: {env: RIVER_V}}",
      "",
    ].join("\n"),
    join(dir, "deploy.yaml"),
  );
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));

  let service: Service | undefined;
  const webhooks = new Map<string, WebhookConnection>();
  const metrics = new Metrics();
  const server = createServiceServer({ connections: webhooks, onEvent: (connection, event, id) => service!.onEvent(connection, event, id), health: () => ({ ok: true, detail: {} }), metrics });
  const serverUrl = (await server.listen(0, "127.0.0.1")).url;
  closers.push(() => server.close());
  const sandbox = await startSandbox({
    systems: SYSTEMS,
    webhookTarget: serverUrl,
    connections: [
      { name: "hope-house/raisedonors", system: "raisedonors", token: credentials["HOPE_RD"]!, webhookSecret: credentials["HOPE_RD_HOOK"]! },
      { name: "hope-house/virtuous", system: "virtuous", token: credentials["HOPE_V"]! },
      { name: "river-fund/raisedonors", system: "raisedonors", token: credentials["RIVER_RD"]! },
      { name: "river-fund/virtuous", system: "virtuous", token: credentials["RIVER_V"]! },
    ],
  });
  closers.push(() => sandbox.close());
  const assembled = assemble(deployment, { systems: SYSTEMS, env, http: { retry: { baseDelayMs: 1, maxDelayMs: 5 } }, urls: new Map(sandbox.connections().map((n) => [n, sandbox.url(n)])) });
  if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
  for (const c of assembled.connections.values()) closers.push(() => c.connector.close());
  for (const [name, w] of assembled.webhooks) webhooks.set(name, w);
  const store = new SqliteServiceStore(join(dir, "state.db"));
  closers.push(() => store.close());
  const progress: ServiceProgress[] = [];
  service = new Service({ integrations: assembled.integrations, systems: SYSTEMS, connections: assembled.connections, store, metrics, redact: assembled.redact, progress: (p) => progress.push(p) });
  closers.push(() => service!.stop());

  const first = await service.runAll();
  expect(first.map((s) => [s.integration, s.status]).sort()).toEqual([
    ["hope-house/donors", "ok"],
    ["river-fund/donors", "ok"],
  ]);
  // Each organization's contacts are made in its own Virtuous, from its own RaiseDonors.
  for (const org of ["hope-house", "river-fund"]) expect(Object.keys(sandbox.document(`${org}/virtuous`)["contacts"]!)).toContain("rd-1003");

  // Hope House's admin edits a donor: its webhook, at /webhooks/hope-house/raisedonors, runs Hope House's sync alone.
  const river = JSON.stringify(sandbox.document("river-fund/virtuous"));
  const riverReads = sandbox.stats("river-fund/raisedonors").requests;
  progress.length = 0;
  const answer = await sandbox.change("hope-house/raisedonors", "donors", "1003", { email: "new-address@example.org" }, "admin");
  expect(answer!.status).toBe(202);
  await service.idle();
  const runs = progress.flatMap((p): RunSummary[] => (p.kind === "run" ? [p.summary] : []));
  expect(runs.map((r) => [r.integration, r.status])).toEqual([["hope-house/donors", "ok"]]);
  expect(sandbox.document("hope-house/virtuous")["contacts"]!["rd-1003"]!["email"]).toBe("new-address@example.org");
  expect(JSON.stringify(sandbox.document("river-fund/virtuous"))).toBe(river);
  expect(sandbox.stats("river-fund/raisedonors").requests).toBe(riverReads);
});
