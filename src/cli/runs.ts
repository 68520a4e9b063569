// `syncspec runs DEPLOYMENT`: the run history kept in the deployment's state, newest first,
// and the records that systems refused and that later runs are still retrying.
import { describeCounts } from "../scheduler/service-status.js";
import { existsSync } from "node:fs";
import { message } from "../diagnostics/catalog.js";
import { problem } from "../diagnostics/problem.js";
import { renderProblem } from "../diagnostics/render.js";
import { credentialsOf } from "../scheduler/secrets.js";
import { redactor } from "../connectors/redact.js";
import { loadDeployment, storeLocation, type Deployment } from "../scheduler/deployment.js";
import { openStore, type OpenedStore } from "../stores/open-store.js";
import { StateStoreError } from "../stores/service-store.js";
import { displayPath } from "../source/files.js";

export interface RunsOptions {
  readonly deployment: string;
  readonly integration?: string;
  readonly limit: number;
  readonly json: boolean;
  /** The history of the sandbox's runs of the deployment (`syncspec run --sandbox`). */
  readonly sandbox: boolean;
}

export async function showRuns(options: RunsOptions, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  const deployment = loadDeployment(options.deployment);
  if ("problems" in deployment) {
    for (const p of deployment.problems) err(`${renderProblem({ ...p, file: displayPath(p.file) })}\n`);
    return 1;
  }
  // `syncspec run` keeps the runs without the deployment's credentials; a store written before
  // it did, or by an embedding that gave none, is shown without them all the same.
  const redact = redactor(credentialsOf(deployment.connections.values(), process.env));
  return showHistory(deployment, options, (text) => out(redact(text)), (text) => err(redact(text)));
}

async function showHistory(deployment: Deployment, options: RunsOptions, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  if (options.integration !== undefined && !deployment.integrations.has(options.integration)) {
    const why = message("DEP003", "noIntegration", { name: JSON.stringify(options.integration), integrations: [...deployment.integrations.keys()].join(", ") });
    err(`${renderProblem(problem({ ...deployment.place(["integrations"]), file: displayPath(deployment.file) }, why))}\n`);
    return 1;
  }
  const location = storeLocation(deployment, options.sandbox, process.env);
  if ("problem" in location) {
    err(`${renderProblem({ ...location.problem, file: displayPath(location.problem.file) })}\n`);
    return 1;
  }
  if ("file" in location && !existsSync(location.file)) {
    out(`no runs yet: ${displayPath(location.file)} does not exist (\`syncspec run ${displayPath(deployment.file)}${options.sandbox ? " --sandbox" : ""}\` makes it)\n`);
    // The sandbox (`npm start`) keeps its runs apart from the real ones: say where they are.
    const sandbox = storeLocation(deployment, true, process.env);
    if (!options.sandbox && "file" in sandbox && existsSync(sandbox.file)) out(`the sandbox's runs (\`npm start\`, \`syncspec run --sandbox\`) are kept apart: \`syncspec runs ${displayPath(deployment.file)} --sandbox\` shows them\n`);
    return 0;
  }
  let opened: OpenedStore | undefined;
  try {
    // Read only: a running service may hold the file's lock, and PostgreSQL is the cluster's.
    opened = await openStore(location, { exclusive: false });
    const store = opened.store;
    const filter = options.integration !== undefined ? { integration: options.integration } : {};
    const runs = await store.runs({ ...filter, limit: options.limit });
    const failures = await store.failures(options.integration);
    if (options.json) {
      out(`${JSON.stringify({ runs, failures }, null, 2)}\n`);
      return 0;
    }
    if (runs.length === 0) out("no runs yet\n");
    for (const run of runs) {
      const counts = describeCounts(run.counts);
      out(`${String(run.id).padStart(5)}  ${run.startedAt}  ${run.status.padEnd(11)} ${run.integration} (${run.trigger})${counts ? `: ${counts}` : ""}\n`);
      // A failed run's code first, as `syncspec run` printed it: RUN003: reading failed: ...
      const said = run.code !== undefined ? `${run.code}${run.message ? `: ${run.message}` : ""}` : run.message;
      if (said) out(`       ${said}\n`);
    }
    if (failures.length > 0) {
      out(`\n${failures.length} record${failures.length === 1 ? "" : "s"} refused, retried by every run until it applies:\n`);
      for (const f of failures) {
        out(`  ${f.integration}: ${f.system}.${f.collection} ${f.key} (${f.action}): ${f.status !== null ? `${f.status} ` : ""}${f.reason} [${f.attempts} attempt${f.attempts === 1 ? "" : "s"} since ${f.firstSeen}]\n`);
      }
    }
    return 0;
  } catch (error) {
    // The store's problems (SVC: not a store, damaged, in use ...), opening it or reading it.
    if (error instanceof StateStoreError) {
      err(`${renderProblem({ ...error.problem, file: displayPath(error.problem.file) })}\n`);
      return 1;
    }
    throw error;
  } finally {
    await opened?.close();
  }
}

