// Shared by the runtime tests: seed plans, snapshots built from plain JSON documents (and
// checked against the systems' schemas on the way in), runs, and applying patches.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileSpec } from "../../src/language/compile.js";
import type { Plan } from "../../src/plan/types.js";
import jsonpatch from "fast-json-patch";
import type { RunEvent } from "../../src/input/event.js";
import { resolveParams } from "../../src/input/params.js";
import type { Operation } from "../../src/engine/patch.js";
import { runPlan, type RunResult } from "../../src/engine/run.js";
import { parseSnapshot, type Snapshot } from "../../src/input/snapshots.js";
import { serializeState, type SyncState } from "../../src/state/state.js";
import { ROOT, SYSTEMS } from "../helpers.js";

export type Rec = Record<string, unknown>;
/** One system's snapshot as JSON: collection -> key -> record. */
export type Doc = Record<string, Record<string, Rec>>;
/** system -> its snapshot document. */
export type Docs = Record<string, Doc>;

export const NOW = "2026-11-01T14:05:00Z";

const plans = new Map<string, Plan>();

/** The compiled plan of a seed spec, by name ("raisedonors-virtuous"). */
export function seedPlan(name: string): Plan {
  let plan = plans.get(name);
  if (!plan) {
    const file = `specs/${name}.sync`;
    const compiled = compileSpec(readFileSync(join(ROOT, file), "utf8"), file, SYSTEMS);
    if (!compiled.plan) throw new Error(`${file} does not compile: ${compiled.diagnostics.map((d) => d.message).join("; ")}`);
    plan = compiled.plan;
    plans.set(name, plan);
  }
  return plan;
}

/** Params as the CLI reads them (values given as JSON values), defaults filled in. */
export function paramsFor(plan: Plan, given: Record<string, unknown> = {}): Map<string, unknown> {
  const resolved = resolveParams(
    plan,
    Object.entries(given).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)] as const),
  );
  if ("problems" in resolved) throw new Error(resolved.problems.map((p) => p.message).join("; "));
  return resolved;
}

/** Sets a member as own data, even `__proto__`. */
export function put<T>(object: Record<string, T>, key: string, value: T): Record<string, T> {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  return object;
}

/** Records keyed by their key field, built without ever going through a prototype. */
export function keyed(records: readonly Rec[], keyField = "id"): Record<string, Rec> {
  const out: Record<string, Rec> = {};
  for (const r of records) put(out, String(r[keyField]), r);
  return out;
}

/** A deep copy through JSON, which keeps `__proto__` members as own data. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A system's snapshot, parsed and checked exactly as the CLI does; throws with the problems. */
export function toSnapshot(system: string, doc: Doc): Snapshot {
  const definition = SYSTEMS.get(system);
  if (!definition) throw new Error(`no system ${system}`);
  const loaded = parseSnapshot(JSON.stringify(doc), `${system}.json`, definition);
  if (!loaded.snapshot) throw new Error(`invalid ${system} snapshot: ${loaded.problems.map((p) => `${p.pointer ?? ""}: ${p.message}`).join("; ")}`);
  return loaded.snapshot;
}

export interface RunOptions {
  state?: SyncState;
  now?: string;
  params?: Record<string, unknown>;
  event?: RunEvent;
}

/** One run of a seed spec (or plan) over snapshot documents. */
export function run(spec: string | Plan, docs: Docs, options: RunOptions = {}): RunResult {
  const plan = typeof spec === "string" ? seedPlan(spec) : spec;
  const snapshots = new Map<string, Snapshot>();
  for (const system of [plan.systems.left, plan.systems.right]) snapshots.set(system, toSnapshot(system, docs[system] ?? {}));
  return runPlan({
    plan,
    systems: SYSTEMS,
    snapshots,
    now: options.now ?? NOW,
    params: paramsFor(plan, options.params),
    ...(options.state ? { state: options.state } : {}),
    ...(options.event ? { event: options.event } : {}),
  });
}

/** The documents with each system's patch applied by fast-json-patch, an independent RFC 6902 implementation (on copies; `__proto__` is an ordinary key). */
export function applyAll(docs: Docs, patches: Record<string, Operation[]>): Docs {
  const out: Docs = {};
  for (const [system, doc] of Object.entries(docs)) out[system] = jsonpatch.applyPatch(copy(doc), copy(patches[system] ?? []) as jsonpatch.Operation[], true, false, false).newDocument as Docs[string];
  return out;
}

/** Every system's patch is empty. */
export function allEmpty(result: RunResult): boolean {
  return Object.values(result.patches).every((ops) => ops.length === 0);
}

/** JSON with keys sorted at every level: equal values give equal text, whatever the member order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Rec = {};
      for (const k of Object.keys(v).sort()) put(out, k, (v as Rec)[k]);
      return out;
    }
    return v;
  });
}

/** The whole output of a run as text: what determinism is checked on. */
export function resultText(integration: string, result: RunResult): string {
  return JSON.stringify({ integration, patches: result.patches, outcomes: result.outcomes, failure: result.failure ?? null, state: serializeState(integration, result.state) });
}

/** Outcomes of one kind, as "system.collection key" strings. */
export function outcomeKeys(result: RunResult, action: string): string[] {
  return result.outcomes.filter((o) => o.action === action).map((o) => `${o.system}.${o.collection} ${o.key}`);
}

/** The empty-or-equal test the engine uses: missing and null are both empty. */
export function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => {
    if (v === undefined) return null;
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const out: Rec = {};
      for (const k of Object.keys(v).sort()) if ((v as Rec)[k] !== null && (v as Rec)[k] !== undefined) put(out, k, norm((v as Rec)[k]));
      return out;
    }
    return v;
  };
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
