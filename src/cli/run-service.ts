// `syncspec run DEPLOYMENT`: runs every integration of a deployment once, printing each run
// as it ends and a table at the end; with --watch it then stays up, running each integration
// on its schedules and on the systems' webhooks, and serving /healthz and /metrics, until
// interrupted. With --sandbox, syncspec plays every system itself on loopback (the main job
// of `npm start`), from the sample data, with fresh credentials and a fresh state.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { ProblemError } from "../diagnostics/problem.js";
import { renderProblem, renderText } from "../diagnostics/render.js";
import { startSandbox, type Sandbox } from "../sandbox/sandbox.js";
import { assemble } from "../scheduler/assemble.js";
import { loadDeployment, stateFile, type Deployment } from "../scheduler/deployment.js";
import { Service } from "../scheduler/service.js";
import { createServiceServer, type ServiceServer } from "../server/http-server.js";
import { Metrics } from "../scheduler/metrics.js";
import type { EventDecision } from "../server/webhook-route.js";
import { SqliteServiceStore } from "../stores/sqlite-store.js";
import { lockStore } from "../stores/store-lock.js";
import type { ServiceStore } from "../stores/service-store.js";
import { loadSystems, type SystemCatalog } from "../language/systems/load.js";
import { displayPath, findIntegrations } from "../source/files.js";
import { progressLine, summaryTable } from "./run-report.js";

export interface ServiceCommandOptions {
  readonly deployment: string;
  readonly sandbox: boolean;
  readonly watch: boolean;
  readonly systems?: string;
  /** Resolves when the service should stop (--watch); by default, SIGINT or SIGTERM. */
  readonly until?: Promise<void>;
}

export async function runService(options: ServiceCommandOptions, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const loaded = loadDeployment(options.deployment);
  if ("problems" in loaded) {
    for (const p of loaded.problems) err(`${renderProblem({ ...p, file: displayPath(p.file) })}\n`);
    err("nothing was run\n");
    return 1;
  }
  const deployment = loaded;
  const firstSpec = deployment.integrations.values().next().value!.spec;
  const catalog = loadSystems(findIntegrations(firstSpec, options.systems));
  for (const problem of catalog.problems) for (const d of problem.diagnostics) err(`${renderText(d, problem.source)}\n\n`);
  if (catalog.problems.length > 0) return 1;

  // Stopped in the reverse of their starting order, but for the server, which stops first:
  // no event is taken that the stopping service could not run.
  let server: ServiceServer | undefined;
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    await server?.close();
    for (const close of closers.reverse()) await close();
  };
  try {
    const env: Record<string, string | undefined> = { ...process.env };
    let sandbox: Sandbox | undefined;
    let service: Service | undefined;
    const metrics = new Metrics();

    // The server comes first in watch mode, so the sandbox knows where to send webhooks;
    // events that arrive before the service is ready get a 503, which the system retries.
    let serverUrl: string | undefined;
    const webhookConnections = new Map();
    if (options.watch) {
      server = createServiceServer({
        connections: webhookConnections,
        onEvent: (connection, event, id): EventDecision | Promise<EventDecision> => (service ? service.onEvent(connection, event, id) : { retryLater: "the service is starting" }),
        health: () => ({ ok: service !== undefined, detail: { integrations: Object.fromEntries(service?.lastStatuses() ?? []) } }),
        metrics,
      });
      serverUrl = (await listen(server, deployment, options.sandbox)).url;
    }

    if (options.sandbox) {
      try {
        sandbox = await startSandboxFor(deployment, catalog.systems, env, serverUrl);
      } catch (error) {
        // The sandbox's data is checked as snapshots are: its message names the file and the place.
        err(`the sandbox could not start: ${(error as Error).message}\nnothing was run\n`);
        await closeAll();
        return 1;
      }
      closers.push(() => sandbox!.close());
      resetState(stateFile(deployment, true));
    }

    const assembled = assemble(deployment, {
      systems: catalog.systems,
      env,
      show: displayPath,
      ...(sandbox ? { urls: new Map([...deployment.connections.keys()].filter((n) => sandbox!.has(n)).map((n) => [n, sandbox!.url(n)])) } : {}),
    });
    if ("problems" in assembled) {
      for (const line of assembled.report) err(`${line}\n`);
      err("nothing was run\n");
      await closeAll();
      return 1;
    }
    for (const c of assembled.connections.values()) closers.push(() => c.connector.close());
    for (const [name, w] of assembled.webhooks) webhookConnections.set(name, w);

    const state = stateFile(deployment, options.sandbox);
    mkdirSync(dirname(state), { recursive: true });
    const lock = lockStore(state);
    closers.push(() => lock.release());
    const store: ServiceStore = new SqliteServiceStore(state);
    closers.push(() => store.close());
    for (const run of store.recoverInterrupted(new Date().toISOString())) {
      out(`  interrupted ${run.integration} (run ${run.id}, started ${run.startedAt}): the process stopped part-way; this start runs it again\n`);
    }

    service = new Service({
      integrations: assembled.integrations,
      systems: catalog.systems,
      connections: assembled.connections,
      store,
      metrics,
      progress: (event) => out(`${progressLine(event)}\n`),
    });
    closers.push(() => service!.stop());

    const where = sandbox ? `the sandbox (${sandbox.connections().length} connections on loopback)` : "their systems";
    out(`syncspec run: ${assembled.integrations.length} integrations against ${where}; state in ${displayPath(state)}\n`);
    const summaries = await service.runAll();
    out(`\n${summaryTable(summaries, assembled.integrations.map((i) => i.name))}\n`);
    if (sandbox) out(`${sandboxTraffic(sandbox)}\n`);
    const failed = summaries.filter((s) => s.status === "failed");

    if (options.watch) {
      service.watch();
      out(`\nwatching: webhooks at ${serverUrl}/webhooks/CONNECTION, health at ${serverUrl}/healthz, metrics at ${serverUrl}/metrics\n`);
      for (const next of service.upcoming().slice(0, 8)) out(`  next     ${next.integration} (${next.label}) at ${next.at.toISOString()}\n`);
      out("stop with Ctrl-C\n");
      await (options.until ?? stopSignal());
      out("stopping: waiting for runs in progress\n");
    }
    await closeAll();
    if (failed.length > 0) {
      err(`\n${failed.length} integration${failed.length === 1 ? "" : "s"} failed: ${failed.map((s) => s.integration).join(", ")}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    await closeAll().catch(() => undefined);
    // The store's problems (SVC): the file, the code and what to do, without a stack.
    if (error instanceof ProblemError) {
      err(`${renderProblem({ ...error.problem, file: displayPath(error.problem.file) })}\n`);
      return 1;
    }
    throw error;
  }
}

async function listen(server: ServiceServer, deployment: Deployment, sandbox: boolean): Promise<{ url: string }> {
  try {
    return await server.listen(deployment.server.port, deployment.server.host);
  } catch (error) {
    // The sandbox is a demonstration: any free port will do when the usual one is taken.
    if (sandbox && (error as { code?: string }).code === "EADDRINUSE") return server.listen(0, deployment.server.host);
    throw error;
  }
}

/** Starts a sandbox server for every HTTP connection, with credentials made up for the occasion and put where the deployment says they are. */
async function startSandboxFor(deployment: Deployment, systems: SystemCatalog, env: Record<string, string | undefined>, webhookTarget: string | undefined): Promise<Sandbox> {
  const connections = [];
  for (const c of deployment.connections.values()) {
    const system = systems.get(c.system);
    if (c.url === undefined || !system) continue;
    const token = randomBytes(18).toString("hex");
    if (c.tokenEnv) env[c.tokenEnv] = token;
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    if (c.webhookSecretEnv) env[c.webhookSecretEnv] = secret;
    connections.push({ name: c.name, system: c.system, token, ...(c.sample ? { sample: c.sample } : {}), ...(c.webhookSecretEnv ? { webhookSecret: secret } : {}) });
  }
  const sandbox = await startSandbox({ connections, systems, ...(webhookTarget ? { webhookTarget } : {}) });
  // The sandbox limits its callers as the vendors do, so a run shows 429s being ridden out.
  for (const name of sandbox.connections()) sandbox.faults(name).rateLimitBucket(SANDBOX_BURST, SANDBOX_RATE, 1);
  return sandbox;
}

/** Requests a sandbox system takes at once, and per second after that. */
const SANDBOX_BURST = 8;
const SANDBOX_RATE = 8;

/** What the sandbox's servers answered, in a line: how many requests, how many were rate-limited. */
function sandboxTraffic(sandbox: Sandbox): string {
  let requests = 0;
  let limited = 0;
  for (const name of sandbox.connections()) {
    requests += sandbox.stats(name).requests;
    limited += sandbox.stats(name).answered(429);
  }
  return `the sandbox answered ${requests} requests; ${limited} were rate-limited (429 with Retry-After) and sent again after the wait`;
}

/** The sandbox starts from its sample data every time, so its state starts empty too. */
function resetState(file: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${file}${suffix}`, { force: true });
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
