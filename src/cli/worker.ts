// `syncspec worker DEPLOYMENT...`: takes runs of the deployments' integrations from the
// cluster's queue and makes them, until stopped. Start it on any machine, any number of
// times, against the deployments' PostgreSQL state: at most one run of an integration is
// under way across all of them (the store's lease), a worker killed mid-run is taken over by
// another once its lease lapses, and one paused past its lease can neither write nor commit.
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, ProblemError } from "../diagnostics/problem.js";
import { renderProblem, renderText } from "../diagnostics/render.js";
import { credentialsOf } from "../scheduler/secrets.js";
import { redactor, type Redact } from "../connectors/redact.js";
import { loadSystems } from "../language/systems/load.js";
import { assemble } from "../scheduler/assemble.js";
import { ClusterQueue } from "../scheduler/cluster-queue.js";
import { ScheduleClaims } from "../scheduler/schedule-claims.js";
import { loadDeployment, storeLocation, type Deployment } from "../scheduler/deployment.js";
import { Metrics } from "../scheduler/metrics.js";
import type { LoadedIntegration } from "../scheduler/run-integration.js";
import { Service } from "../scheduler/service.js";
import type { ServiceConnection } from "../scheduler/assemble.js";
import { describeStore, openStore, type StoreLocation } from "../stores/open-store.js";
import { displayPath, findIntegrations } from "../source/files.js";
import { progressLine } from "./run-report.js";
import { stopOnSignal, stopWhen } from "./stop-request.js";

export interface WorkerOptions {
  readonly deployments: readonly string[];
  readonly systems?: string;
  /** Runs made at once by this worker; 2 by default. */
  readonly concurrency?: number;
  /** Resolves when the worker should stop; by default, SIGINT or SIGTERM. */
  readonly until?: Promise<void>;
}

export async function runWorker(options: WorkerOptions, print: (t: string) => void, printError: (t: string) => void): Promise<number> {
  let redact: Redact = (text) => text;
  const out = (text: string): void => print(redact(text));
  const err = (text: string): void => printError(redact(text));
  const deployments: Deployment[] = [];
  for (const file of options.deployments) {
    const loaded = loadDeployment(file);
    if ("problems" in loaded) {
      for (const p of loaded.problems) err(`${renderProblem({ ...p, file: displayPath(p.file) })}\n`);
      err("the worker did not start\n");
      return 1;
    }
    deployments.push(loaded);
  }
  // One cluster: every deployment's state in the same PostgreSQL store.
  let location: StoreLocation | undefined;
  for (const deployment of deployments) {
    const found = storeLocation(deployment, false, process.env);
    if ("problem" in found) {
      err(`${renderProblem({ ...found.problem, file: displayPath(found.problem.file) })}\nthe worker did not start\n`);
      return 1;
    }
    const refuse = (why: Message<"DEP001">): number => {
      err(`${renderProblem(problem({ ...deployment.place(["state"]), file: displayPath(deployment.file) }, why))}\nthe worker did not start\n`);
      return 1;
    };
    if ("file" in found) return refuse(message("DEP001", "workerNeedsPostgres"));
    if (location && describeStore(location) !== describeStore(found)) return refuse(message("DEP001", "otherCluster", { found: describeStore(found), first: describeStore(location) }));
    location = found;
  }
  const env: Record<string, string | undefined> = { ...process.env };
  redact = redactor(deployments.flatMap((d) => credentialsOf(d.connections.values(), env)));
  const catalog = loadSystems(findIntegrations(deployments[0]!.integrations.values().next().value!.spec, options.systems));
  for (const p of catalog.problems) for (const d of p.diagnostics) err(`${renderText(d, p.source)}\n\n`);
  if (catalog.problems.length > 0) return 1;

  const integrations: LoadedIntegration[] = [];
  const connections = new Map<string, ServiceConnection>();
  const closers: (() => Promise<void> | void)[] = [];
  const stop = options.until ? stopWhen(options.until) : stopOnSignal();
  try {
    for (const deployment of deployments) {
      const assembled = assemble(deployment, { systems: catalog.systems, env, show: displayPath });
      if ("problems" in assembled) {
        for (const line of assembled.report) err(`${line}\n`);
        err("the worker did not start\n");
        return 1;
      }
      for (const c of assembled.connections.values()) closers.push(() => c.connector.close());
      for (const i of assembled.integrations) {
        if (integrations.some((other) => other.name === i.name)) {
          err(`${renderProblem(problem({ ...deployment.place(deployment.integrations.get(i.name)!.pathOf()), file: displayPath(deployment.place(deployment.integrations.get(i.name)!.pathOf()).file) }, message("DEP001", "inTwoDeployments", { what: "integration", name: i.name })))}\nthe worker did not start\n`);
          return 1;
        }
        integrations.push(i);
      }
      for (const [name, c] of assembled.connections) {
        if (connections.has(name)) {
          err(`${renderProblem(problem({ ...deployment.place(deployment.connections.get(name)!.path), file: displayPath(deployment.place(deployment.connections.get(name)!.path).file) }, message("DEP001", "inTwoDeployments", { what: "connection", name })))}\nthe worker did not start\n`);
          return 1;
        }
        connections.set(name, c);
      }
    }
    const opened = await openStore(location!, { exclusive: false, cluster: true, env });
    closers.push(() => opened.close());
    const store = opened.cluster!;
    for (const run of await store.recoverInterrupted(new Date().toISOString())) {
      out(`  interrupted ${run.integration} (run ${run.id}, started ${run.startedAt}): its worker stopped part-way; a worker runs it again\n`);
    }
    // A dead worker's triggers are looked for a few times a lease.
    const lease = Number(env["SYNCSPEC_LEASE_SECONDS"] ?? "");
    const orphanCheckMs = Number.isFinite(lease) && lease > 0 ? Math.min(10_000, (lease * 1000) / 2) : undefined;
    const queue = new ClusterQueue(store, integrations, { runs: true, ...(orphanCheckMs ? { orphanCheckMs } : {}), ...(options.concurrency ? { concurrency: options.concurrency } : {}), onError: (integration, e) => err(`syncspec worker: ${integration || "the queue"}: ${e instanceof Error ? e.message : String(e)}\n`) });
    const service = new Service({ integrations, systems: catalog.systems, connections, store, queue, metrics: new Metrics(), redact, progress: (event) => out(`${progressLine(event)}\n`) });
    closers.push(() => service.stop());
    // Schedules are claimed from the store, each due time by one process of the cluster.
    const claims = new ScheduleClaims(store, integrations, () => new Date(), (e) => err(`syncspec worker: schedules: ${e instanceof Error ? e.message : String(e)}\n`));
    await claims.plant();
    claims.start();
    closers.push(() => claims.stop());
    out(`syncspec worker ${process.pid}: runs of ${integrations.length} integration${integrations.length === 1 ? "" : "s"} from ${describeStore(location!)}\n`);
    await stop.requested;
    out("stopping: waiting for runs in progress\n");
    for (const close of closers.reverse()) await close();
    return 0;
  } catch (error) {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    if (error instanceof ProblemError) {
      err(`${renderProblem({ ...error.problem, file: displayPath(error.problem.file) })}\n`);
      return 1;
    }
    if (error instanceof Error) error.message = redact(error.message);
    throw error;
  } finally {
    stop.dispose();
  }
}
