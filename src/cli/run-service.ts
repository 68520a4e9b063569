// `syncspec run DEPLOYMENT`: runs every integration of a deployment once, printing each run
// as it ends and a table at the end; with --watch it then stays up, running each integration
// on its schedules and on the systems' webhooks, and serving /healthz and /metrics, until
// interrupted. With --sandbox, syncspec plays every system itself on loopback (the main job
// of `npm start`), from the sample data, with fresh credentials and a fresh state.
import { randomBytes } from "node:crypto";
import { problem, ProblemError } from "../diagnostics/problem.js";
import { renderProblem, renderText } from "../diagnostics/render.js";
import { startSandbox, type Sandbox } from "../sandbox/sandbox.js";
import { redactor, type Redact } from "../connectors/redact.js";
import { credentialsOf, type NamedValues } from "../scheduler/secrets.js";
import { assemble } from "../scheduler/assemble.js";
import { loadDeployment, storeLocation, type Deployment } from "../scheduler/deployment.js";
import { Service, type ServiceProgress } from "../scheduler/service.js";
import { ClusterQueue } from "../scheduler/cluster-queue.js";
import { ScheduleClaims } from "../scheduler/schedule-claims.js";
import { message } from "../diagnostics/catalog.js";
import { counted } from "../diagnostics/lists.js";
import type { RunSummary } from "../scheduler/run-integration.js";
import { createServiceServer, ListenError, type ServiceServer } from "../server/http-server.js";
import { Metrics } from "../scheduler/metrics.js";
import { serviceStatus, Waits, type ServiceStatus } from "../scheduler/service-status.js";
import type { EventDecision } from "../server/webhook-route.js";
import { describeStore, openStore, resetStore } from "../stores/open-store.js";
import { loadSystems, type SystemCatalog } from "../language/systems/load.js";
import { displayPath, findIntegrations } from "../source/files.js";
import { progressLine, summaryTable, unfinishedRuns } from "./run-report.js";
import { stopOnSignal, stopWhen, type StopRequest } from "./stop-request.js";

export interface ServiceCommandOptions {
  readonly deployment: string;
  readonly sandbox: boolean;
  readonly watch: boolean;
  /**
   * `syncspec serve`: take webhooks and serve /healthz and /metrics for a cluster whose state
   * is in PostgreSQL, keeping each trigger with its job for the workers; run nothing here.
   */
  readonly serve?: boolean;
  readonly systems?: string;
  /** Resolves when the service should stop, during the first run or after it (--watch); by default, SIGINT or SIGTERM. */
  readonly until?: Promise<void>;
}

export async function runService(options: ServiceCommandOptions, print: (t: string) => void, printError: (t: string) => void): Promise<number> {
  // Everything printed goes out without the deployment's credentials, once they are known: a
  // system may echo the token in what it says, and this is the boundary where text leaves.
  let redact: Redact = (text) => text;
  const out = (text: string): void => print(redact(text));
  const err = (text: string): void => printError(redact(text));
  const loaded = loadDeployment(options.deployment);
  if ("problems" in loaded) {
    for (const p of loaded.problems) err(`${renderProblem({ ...p, file: displayPath(p.file) })}\n`);
    err("nothing was run\n");
    return 1;
  }
  const deployment = loaded;
  const location = storeLocation(deployment, options.sandbox, process.env);
  if ("problem" in location) {
    err(`${renderProblem({ ...location.problem, file: displayPath(location.problem.file) })}\nnothing was run\n`);
    return 1;
  }
  if (options.serve && "file" in location) {
    err(`${renderProblem(problem({ ...deployment.place(["state"]), file: displayPath(deployment.file) }, message("DEP001", "clusterNeedsPostgres", { command: "serve" })))}\nnothing was run\n`);
    return 1;
  }
  const credentials = (given?: ReadonlyMap<string, NamedValues>): Redact => redactor(credentialsOf(deployment.connections.values(), process.env, given));
  redact = credentials();
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
  // Heard from here on, through the first run too: stopping then lets the runs under way end
  // and releases the state's lock, where the signal's default would kill the process at once.
  const stop = options.until ? stopWhen(options.until) : stopOnSignal();
  void stop.requested.then(() => out("stopping: waiting for runs in progress\n"));
  try {
    const env: Record<string, string | undefined> = { ...process.env };
    let sandbox: Sandbox | undefined;
    let made: Map<string, NamedValues> | undefined;
    let service: Service | undefined;
    const metrics = new Metrics();
    // The service's page (`/`): filled in once the store is open and the integrations known.
    const waits = new Waits();
    let status: (() => Promise<ServiceStatus>) | undefined;

    // The server comes first in watch mode, so the sandbox knows where to send webhooks;
    // events that arrive before the service is ready get a 503, which the system retries.
    let serverUrl: string | undefined;
    const webhookConnections = new Map();
    if (options.watch || options.serve) {
      server = createServiceServer({
        connections: webhookConnections,
        onEvent: (connection, event, id): EventDecision | Promise<EventDecision> => (service ? service.onEvent(connection, event, id) : { retryLater: "the service is starting" }),
        health: () => ({ ok: service !== undefined, detail: { integrations: Object.fromEntries(service?.lastStatuses() ?? []) } }),
        metrics,
        status: async () => (status ? status() : { starting: true }),
      });
      serverUrl = (await listen(server, deployment, options.sandbox)).url;
      // Said at once, so the page can be watched through the first run too.
      out(`the service's page: ${serverUrl}/\n`);
    }

    if (options.sandbox) {
      try {
        ({ sandbox, credentials: made } = await startSandboxFor(deployment, catalog.systems, serverUrl));
      } catch (error) {
        // The sandbox's data is checked as snapshots are: its message names the file and the place.
        err(`the sandbox could not start: ${(error as Error).message}\nnothing was run\n`);
        await closeAll();
        return 1;
      }
      closers.push(() => sandbox!.close());
      await resetStore(location);
      // The sandbox made up credentials of its own.
      redact = credentials(made);
    }

    const assembled = assemble(deployment, {
      systems: catalog.systems,
      env,
      show: displayPath,
      ...(sandbox ? { urls: new Map([...deployment.connections.keys()].filter((n) => sandbox!.has(n)).map((n) => [n, sandbox!.url(n)])) } : {}),
      ...(made ? { credentials: made } : {}),
      onWait: (connection, wait) => waits.note(connection, wait),
    });
    if ("problems" in assembled) {
      for (const line of assembled.report) err(`${line}\n`);
      err("nothing was run\n");
      await closeAll();
      return 1;
    }
    for (const c of assembled.connections.values()) closers.push(() => c.connector.close());
    for (const [name, w] of assembled.webhooks) webhookConnections.set(name, w);

    // With --watch on PostgreSQL, this process is one of the cluster's: its webhooks' jobs,
    // its schedules and its runs go through the cluster's queue, beside any workers.
    const clustered = options.serve === true || (options.watch && "postgres" in location);
    const opened = await openStore(location, { exclusive: !options.serve, cluster: clustered, env });
    closers.push(() => opened.close());
    const store = opened.store;
    for (const run of await store.recoverInterrupted(new Date().toISOString())) {
      out(`  interrupted ${run.integration} (run ${run.id}, started ${run.startedAt}): the process stopped part-way; this start runs it again\n`);
    }

    status = () =>
      serviceStatus({
        deployment: displayPath(deployment.file),
        integrations: assembled.integrations.map((i) => i.name),
        store,
        waits,
        // Each integration's schedules as its spec gives them, the page's rows in a steady order.
        upcoming: () => service?.upcoming(true) ?? [],
        redact: assembled.redact,
      });

    const parts = {
      integrations: assembled.integrations,
      systems: catalog.systems,
      connections: assembled.connections,
      store,
      metrics,
      redact: assembled.redact,
      progress: (event: ServiceProgress) => out(`${progressLine(event)}\n`),
    };
    service = new Service({
      ...parts,
      // A server keeps triggers for the workers, and runs nothing itself.
      ...(opened.cluster && options.serve ? { queue: new ClusterQueue(opened.cluster, assembled.integrations, { runs: false }) } : {}),
    });
    closers.push(() => service!.stop());

    if (options.serve && opened.cluster) {
      // Schedules are claimed from the store, each due time by one process of the cluster.
      const claims = new ScheduleClaims(opened.cluster, assembled.integrations, () => new Date(), (e) => err(`syncspec serve: schedules: ${e instanceof Error ? e.message : String(e)}\n`));
      await claims.plant();
      claims.start();
      closers.push(() => claims.stop());
      out(`syncspec serve: ${counted(assembled.integrations.length, "integration")}, state in ${describeStore(location, displayPath)}; runs are made by \`syncspec worker\`\n`);
      out(`watching: webhooks at ${serverUrl}/webhooks/CONNECTION, health at ${serverUrl}/healthz, metrics at ${serverUrl}/metrics\n`);
      await stop.requested;
      await closeAll();
      return 0;
    }

    const where = sandbox ? `the sandbox (${counted(sandbox.connections().length, "connection")} on loopback)` : "their systems";
    out(`syncspec run: ${counted(assembled.integrations.length, "integration")} against ${where}; state in ${describeStore(location, displayPath)}\n`);
    const summaries = await firstRun(service, stop);
    const names = assembled.integrations.map((i) => i.name);
    out(`\n${summaryTable(summaries, names)}\n`);
    if (sandbox) out(`${sandboxTraffic(sandbox)}\n`);

    if (options.watch && !stop.stopping() && opened.cluster) {
      // From here on a member of the cluster: a worker that also takes webhooks. The first
      // run was this process's own, so that its table above is whole.
      const first = service;
      await first.stop();
      service = new Service({
        ...parts,
        queue: new ClusterQueue(opened.cluster, assembled.integrations, { runs: true, onError: (integration, e) => err(`syncspec run: ${integration || "the queue"}: ${e instanceof Error ? e.message : String(e)}\n`) }),
        statuses: first.lastStatuses(),
      });
      const claims = new ScheduleClaims(opened.cluster, assembled.integrations, () => new Date(), (e) => err(`syncspec run: schedules: ${e instanceof Error ? e.message : String(e)}\n`));
      await claims.plant();
      claims.start();
      closers.push(() => claims.stop());
      out(`\nwatching: the service's page at ${serverUrl}/, webhooks at ${serverUrl}/webhooks/CONNECTION, health at ${serverUrl}/healthz, metrics at ${serverUrl}/metrics\n`);
      out(`runs are taken from the cluster's queue in ${describeStore(location, displayPath)}, beside any \`syncspec worker\`; schedules are claimed there, each due time by one process\n`);
      out("stop with Ctrl-C\n");
      await stop.requested;
    } else if (options.watch && !stop.stopping()) {
      service.watch();
      out(`\nwatching: the service's page at ${serverUrl}/, webhooks at ${serverUrl}/webhooks/CONNECTION, health at ${serverUrl}/healthz, metrics at ${serverUrl}/metrics\n`);
      // Each integration's next run of each schedule, its nightly reconciliation among them.
      for (const next of service.upcoming()) out(`  next     ${next.integration} (${next.label}) at ${next.at.toISOString()}\n`);
      out("stop with Ctrl-C\n");
      await stop.requested;
    }
    await closeAll();
    // A first run that did not do its work is a failure of the command, for whatever runs it (cron, CI).
    const unfinished = unfinishedRuns(summaries, names);
    if (unfinished.length > 0) {
      err(`\n${unfinished.join("\n")}\n`);
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
    // The deployment's server cannot listen there: the deployment's to change, not a defect.
    if (error instanceof ListenError) {
      err(`${renderProblem(problem({ ...deployment.place(["server"]), file: displayPath(deployment.file) }, error.why))}\nnothing was run\n`);
      return 1;
    }
    // A defect, which the command reports by its message: that too without a credential.
    if (error instanceof Error) error.message = redact(error.message);
    throw error;
  } finally {
    stop.dispose();
  }
}

/**
 * Every integration once. A stop asked for meanwhile lets the runs under way end and starts
 * no more: the summaries are of the runs that ended, and the table shows the rest as not run.
 */
async function firstRun(service: Service, stop: StopRequest): Promise<RunSummary[]> {
  if (stop.stopping()) return [];
  const runs = service.runAll();
  await Promise.race([runs, stop.requested]);
  if (stop.stopping()) await service.stop();
  return runs;
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

/** Starts a sandbox server for every HTTP connection, with credentials made up for the occasion, which stand in for the ones the deployment names. */
async function startSandboxFor(deployment: Deployment, systems: SystemCatalog, webhookTarget: string | undefined): Promise<{ sandbox: Sandbox; credentials: Map<string, NamedValues> }> {
  const connections = [];
  const credentials = new Map<string, NamedValues>();
  for (const c of deployment.connections.values()) {
    const system = systems.get(c.system);
    if (c.url === undefined || !system) continue;
    const token = randomBytes(18).toString("hex");
    const secret = c.webhookSecret ? `whsec_${randomBytes(24).toString("base64")}` : undefined;
    credentials.set(c.name, { token, ...(secret ? { webhookSecret: secret } : {}) });
    connections.push({ name: c.name, system: c.system, token, ...(c.sample ? { sample: c.sample } : {}), ...(secret ? { webhookSecret: secret } : {}) });
  }
  const sandbox = await startSandbox({ connections, systems, ...(webhookTarget ? { webhookTarget } : {}) });
  // The sandbox limits its callers as the vendors do, so a run shows 429s being ridden out.
  for (const name of sandbox.connections()) sandbox.faults(name).rateLimitBucket(SANDBOX_BURST, SANDBOX_RATE, 1);
  return { sandbox, credentials };
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
