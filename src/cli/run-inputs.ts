// What `plan`, `apply` and `explain` read besides the spec and the snapshots, checked the same
// way for each: which file is whose snapshot, the run's time, its params, its event and its
// state. Every problem is collected, with its place, so one run reports all of them at once.
import { readFileSync } from "node:fs";
import { message } from "../diagnostics/catalog.js";
import { listed } from "../diagnostics/lists.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { eventUnknownToSystem, parseEventFile, type RunEvent } from "../input/event.js";
import { resolveParams } from "../input/params.js";
import { isDatetimeText } from "../json/datetime.js";
import type { Plan } from "../plan/types.js";
import { findIntegrations, MissingPath, UsageError } from "../source/files.js";
import { renderText } from "../diagnostics/render.js";
import { loadSystems, type SystemCatalog } from "../language/systems/load.js";
import { loadIntegrationPlan } from "./spec-or-plan.js";
import { emptyState, JsonFileStateStore, type SyncState } from "../state/state.js";

/**
 * The systems beside the spec and its plan (compiled, or a plan file read back), their
 * problems printed as check prints them; undefined when either has an error.
 */
export function specPlan(path: string, text: string, systemsDir: string | undefined, err: (t: string) => void): { plan: Plan; systems: SystemCatalog; kind: "spec" | "plan" } | undefined {
  const loaded = loadSystems(findIntegrations(path, systemsDir));
  for (const problem of loaded.problems) for (const d of problem.diagnostics) err(`${renderText(d, problem.source)}\n\n`);
  const compiled = loadIntegrationPlan(path, loaded.systems, text);
  err(compiled.report);
  if (!compiled.plan || loaded.problems.length > 0) return undefined;
  return { plan: compiled.plan, systems: loaded.systems, kind: compiled.kind };
}

/** The spec's text (or a plan's); a path that is not there is said as such. */
export function specText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    throw new MissingPath(`${path}: no such file`);
  }
}

/** Each --snapshot SYSTEM=FILE as system -> file: one for each system of the spec, each once. */
export function snapshotFiles(args: readonly string[], plan: Plan): Map<string, string> {
  const specSystems = [plan.systems.left, plan.systems.right];
  const files = new Map<string, string>();
  for (const arg of args) {
    const at = arg.indexOf("=");
    const system = arg.slice(0, at);
    if (at <= 0) throw new UsageError(`--snapshot takes SYSTEM=FILE, not ${arg}`);
    if (!specSystems.includes(system)) throw new UsageError(`--snapshot ${system}: ${plan.integration} joins ${specSystems.join(" and ")}, not ${system}`);
    if (files.has(system)) throw new UsageError(`--snapshot ${system} is given twice`);
    files.set(system, arg.slice(at + 1));
  }
  const missing = specSystems.filter((s) => !files.has(s));
  if (missing.length > 0) throw new UsageError(`give a snapshot for each system of ${plan.integration}: --snapshot ${missing.map((s) => `${s}=FILE`).join(" --snapshot ")}`);
  return files;
}

export interface RunSettings {
  readonly now: string;
  readonly params: ReadonlyMap<string, unknown>;
  readonly event?: RunEvent;
  readonly state: SyncState;
  readonly problems: readonly Problem[];
}

/** --now, --param, --event and --state, read and checked against the plan; their problems collected. */
export function runSettings(plan: Plan, systems: SystemCatalog, options: { now?: string; params: readonly string[]; event?: string; state?: string }): RunSettings {
  const specSystems = [plan.systems.left, plan.systems.right];
  const problems: Problem[] = [];
  const now = options.now ?? new Date().toISOString();
  if (!isDatetimeText(now)) problems.push(problem({ file: "--now" }, message("INP005", "notDatetime", { value: now })));
  const resolved = resolveParams(
    plan,
    options.params.map((p) => {
      const at = p.indexOf("=");
      if (at <= 0) throw new UsageError(`--param takes NAME=VALUE, not ${p}`);
      return [p.slice(0, at), p.slice(at + 1)] as const;
    }),
  );
  if ("problems" in resolved) problems.push(...resolved.problems);
  let event: RunEvent | undefined;
  if (options.event) {
    let eventText = "";
    try {
      eventText = readFileSync(options.event, "utf8");
    } catch {
      throw new MissingPath(`${options.event}: no such file`);
    }
    const parsed = parseEventFile(eventText, options.event);
    const unknown = "problems" in parsed || !specSystems.includes(parsed.system) ? undefined : eventUnknownToSystem(parsed, systems.get(parsed.system)!);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else if (!specSystems.includes(parsed.system)) problems.push(problem({ file: options.event, pointer: "/system" }, message("EVT002", "otherSystem", { integration: plan.integration, systems: listed(specSystems), system: parsed.system })));
    else if (unknown) problems.push(problem({ file: options.event, pointer: unknown.pointer }, unknown.message));
    else event = parsed;
  }
  let state: SyncState = emptyState();
  if (options.state) {
    const loadedState = new JsonFileStateStore(options.state).load(plan.integration);
    if ("problems" in loadedState) problems.push(...loadedState.problems);
    else state = loadedState;
  }
  return { now, params: "problems" in resolved ? new Map() : resolved, ...(event ? { event } : {}), state, problems };
}
