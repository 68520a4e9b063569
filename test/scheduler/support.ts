// A world for service tests: the sandbox playing the systems on loopback, a real SQLite file
// for the state, HTTP connectors made from a deployment as `syncspec run` makes them, and
// optionally the service's own HTTP server for webhooks.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connector, Document } from "../../src/connectors/connector.js";
import { startSandbox, type Sandbox, type SandboxConnection } from "../../src/sandbox/sandbox.js";
import { assemble } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { Service, type ServiceProgress } from "../../src/scheduler/service.js";
import { createServiceServer, type ServiceServer } from "../../src/server/http-server.js";
import { Metrics } from "../../src/scheduler/metrics.js";
import type { WebhookConnection } from "../../src/server/webhook-route.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";

export interface World {
  readonly sandbox: Sandbox;
  readonly store: SqliteServiceStore;
  readonly service: Service;
  readonly metrics: Metrics;
  readonly progress: ServiceProgress[];
  readonly serverUrl?: string;
  /** A second service over the same store and sandbox, as a restarted process would make. */
  close(): Promise<void>;
}

export interface WorldOptions {
  /** integration name -> spec name and params */
  readonly integrations: Record<string, { spec: string; params?: Record<string, unknown>; connections?: Record<string, string> }>;
  /** connection -> system; by default each system its own connection. */
  readonly connections: Record<string, { system?: string; sample?: string; webhooks?: boolean; pageSize?: number }>;
  readonly server?: boolean;
  readonly stateFile?: string;
}

export function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), "syncspec-service-")), name);
}

export async function startWorld(options: WorldOptions): Promise<World> {
  const env: Record<string, string> = {};
  const sandboxConnections: SandboxConnection[] = [];
  const yaml: string[] = ["connections:"];
  for (const [name, c] of Object.entries(options.connections)) {
    const token = randomBytes(8).toString("hex");
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    const tokenEnv = `${name.toUpperCase().replace(/-/g, "_")}_TOKEN`;
    env[tokenEnv] = token;
    yaml.push(`  ${name}:`, `    system: ${c.system ?? name}`, `    url: http://placeholder.invalid`, `    token: {env: ${tokenEnv}}`);
    if (c.pageSize) yaml.push(`    pageSize: ${c.pageSize}`);
    if (c.webhooks) {
      env[`${tokenEnv}_SECRET`] = secret;
      yaml.push(`    webhookSecret: {env: ${tokenEnv}_SECRET}`);
    }
    sandboxConnections.push({
      name,
      system: c.system ?? name,
      token,
      ...(c.sample ? { sample: join(ROOT, c.sample) } : {}),
      ...(c.webhooks ? { webhookSecret: secret } : {}),
    });
  }
  yaml.push("integrations:");
  for (const [name, i] of Object.entries(options.integrations)) {
    yaml.push(`  ${name}:`, `    spec: ${join(ROOT, "specs", `${i.spec}.sync`)}`);
    if (i.params) yaml.push(`    params: ${JSON.stringify(i.params)}`);
    if (i.connections) yaml.push(`    connections: ${JSON.stringify(i.connections)}`);
  }
  const deployment = parseDeployment(`${yaml.join("\n")}\n`, join(ROOT, "specs", "test.deploy.yaml"));
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));

  const metrics = new Metrics();
  let service: Service | undefined;
  const webhookConnections = new Map<string, WebhookConnection>();
  let server: ServiceServer | undefined;
  let serverUrl: string | undefined;
  if (options.server) {
    server = createServiceServer({
      connections: webhookConnections,
      onEvent: (connection, event, id) => service!.onEvent(connection, event, id),
      health: () => ({ ok: true, detail: {} }),
      metrics,
    });
    serverUrl = (await server.listen(0, "127.0.0.1")).url;
  }
  const sandbox = await startSandbox({ connections: sandboxConnections, systems: SYSTEMS, ...(serverUrl ? { webhookTarget: serverUrl } : {}) });
  // Retries as the defaults make them, without the waiting: tests count, never time.
  const http = { retry: { baseDelayMs: 1, maxDelayMs: 5 } };
  const assembled = assemble(deployment, { systems: SYSTEMS, env, http, urls: new Map(sandbox.connections().map((n) => [n, sandbox.url(n)])) });
  if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
  for (const [name, w] of assembled.webhooks) webhookConnections.set(name, w);
  const store = new SqliteServiceStore(options.stateFile ?? tempFile("state.db"));
  const progress: ServiceProgress[] = [];
  service = new Service({ integrations: assembled.integrations, systems: SYSTEMS, connections: assembled.connections, store, metrics, redact: assembled.redact, progress: (p) => progress.push(p) });
  const running = service;
  return {
    sandbox,
    store,
    service: running,
    metrics,
    progress,
    ...(serverUrl ? { serverUrl } : {}),
    async close() {
      await running.stop();
      await sandbox.close();
      await server?.close();
      for (const c of assembled.connections.values()) await c.connector.close();
      store.close();
    },
  };
}

/** The contact-sync world: RaiseDonors <-> Virtuous, as the seed spec joins them. */
export function contactSync(extra: Partial<WorldOptions> = {}): Promise<World> {
  return startWorld({
    integrations: { "raisedonors-virtuous": { spec: "raisedonors-virtuous" } },
    connections: { raisedonors: { webhooks: true, pageSize: 2 }, virtuous: { webhooks: true, pageSize: 2 } },
    ...extra,
  });
}

/** A connector of a test's own over a system's sample.json: it reads the sample whole and writes every record; `overrides` make it fail its own way. */
export function sampleConnector(system: string, overrides: Partial<Connector> = {}): Connector {
  const document = JSON.parse(readFileSync(join(ROOT, "integrations", system, "sample.json"), "utf8")) as Document;
  return {
    system,
    read: async (collections) => ({ document: Object.fromEntries(collections.map((c) => [c, document[c] ?? {}])), incomplete: new Map() }),
    write: async (writes, onApplied) => {
      for (const w of writes) onApplied?.(w);
      return { applied: [...writes], failed: [] };
    },
    readRecord: async () => undefined,
    close: async () => undefined,
    ...overrides,
  };
}
