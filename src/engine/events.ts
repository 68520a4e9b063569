// Runs started by an event: which triggers accept it, which directions they allow, and the
// records the run may touch (the one the event names, plus what the rules find it refers
// to). An event no trigger accepts changes nothing, and says why.
import type { Plan, TriggerPlan } from "../plan/types.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { RunScope } from "./links.js";
import type { Outcomes } from "./outcomes.js";
import type { Workspace } from "./workspace.js";
import { RecordRefSet, type RecordRef } from "../input/record-ref.js";
import type { RunEvent } from "../input/event.js";
import { compileExpr, type Compiled, type EvalContext } from "./expressions.js";
import { field, isEmpty } from "../json/values.js";

/** The triggers of a plan that accept an event: its system, one of its types, one of its actors. */
export function acceptingTriggers(plan: Plan, event: RunEvent): Extract<TriggerPlan, { kind: "event" }>[] {
  return plan.triggers.filter(
    (t): t is Extract<TriggerPlan, { kind: "event" }> =>
      t.kind === "event" && t.system === event.system && (t.events === null || t.events.includes(event.type)) && (t.actors === null || (event.actor !== undefined && t.actors.includes(event.actor))),
  );
}

/**
 * The scope of the run events start (events that waited together make one run over all
 * their records), or undefined when none of them starts one: each event no trigger accepts,
 * or whose record is not there, adds an outcome saying why. The events of one run write into
 * the same systems (runKinds groups them so).
 */
export function eventScope(plan: Plan, systems: SystemCatalog, events: readonly RunEvent[], workspace: Workspace, outcomes: Outcomes): { scope: RunScope; roots: RecordRefSet } | undefined {
  const roots = new RecordRefSet();
  const into = new Set<string>();
  for (const event of events) {
    const system = systems.get(event.system);
    const collection = system?.events.get(event.type) ?? "";
    const actor = event.actor ? ` by ${event.actor}` : "";
    const accepting = acceptingTriggers(plan, event);
    if (accepting.length === 0) {
      outcomes.add(event.system, collection, event.recordId, "skip", `no trigger of ${plan.integration} accepts ${event.system} ${event.type}${actor}, so the event started no run`);
      continue;
    }
    // A collection the plan never reads (check warns, SEM016): the event reaches nothing.
    if (collection && plan.collections[event.system]?.[collection] === undefined) {
      outcomes.add(event.system, collection, event.recordId, "skip", `${event.system}.${collection} is passed over by no link or rule of ${plan.integration}, so the event reached nothing`);
      continue;
    }
    const record = collection && workspace.collection(event.system, collection).known ? workspace.collection(event.system, collection).get(event.recordId) : null;
    if (!record) {
      outcomes.add(event.system, collection, event.recordId, "skip", `the event names ${event.system}.${collection} ${event.recordId}, which is not in the snapshot`);
      continue;
    }
    for (const t of accepting) for (const d of t.directions) into.add(d.to);
    roots.add({ system: event.system, collection, key: event.recordId });
  }
  if (roots.size === 0) return undefined;
  return {
    roots,
    scope: {
      some: true,
      canWrite: (s) => into.has(s),
      includes: (system, collection, key) => roots.has({ system, collection, key }),
    },
  };
}

/** The systems the runs an event starts write into: events that agree on these can share a run. */
export function eventTargets(plan: Plan, event: RunEvent): string[] {
  return [...new Set(acceptingTriggers(plan, event).flatMap((t) => t.directions.map((d) => d.to)))].sort();
}

/**
 * The records a trigger's `resyncs` finds from each event's record: by key or by a field,
 * added to the run's roots, so that they are synced as fully as the event's own record (a
 * gift's event re-syncs its donor's pair, whose total is mapped on the link).
 */
export function addResynced(plan: Plan, systems: SystemCatalog, events: readonly RunEvent[], workspace: Workspace, ctx: EvalContext, roots: RecordRefSet, reached: Reached): void {
  const compiled = new Map<TriggerPlan, { system: string; collection: string; key: string; find: Compiled }[]>();
  for (const event of events) {
    const collection = systems.get(event.system)?.events.get(event.type);
    if (!collection || !roots.has({ system: event.system, collection, key: event.recordId })) continue;
    const record = workspace.collection(event.system, collection).get(event.recordId);
    if (!record) continue;
    for (const trigger of acceptingTriggers(plan, event)) {
      const resyncs = trigger.resyncs;
      if (!resyncs) continue;
      let lookups = compiled.get(trigger);
      if (!lookups) {
        const slots = new Map([[resyncs.alias, 0]]);
        lookups = resyncs.records.map((r) => ({ system: r.system, collection: r.collection, key: plan.collections[r.system]![r.collection]!.key, find: compileExpr(r.expr, slots, ctx) }));
        compiled.set(trigger, lookups);
      }
      for (const lookup of lookups) {
        const found = lookup.find([record]);
        for (const r of Array.isArray(found) ? found : [found]) {
          const key = field(r, lookup.key);
          if (isEmpty(key)) continue;
          const ref = { system: lookup.system, collection: lookup.collection, key: String(key) };
          roots.add(ref);
          reached.note(ref, `re-synced by the trigger at line ${trigger.span[0]} for ${event.system}.${collection} ${event.recordId}`);
        }
      }
    }
  }
}

/** A record an event run reached, and why: what `plan --event` tells. */
export interface ReachedRecord extends RecordRef {
  readonly why: string;
}

/** The records an event run reached, each with the first reason found, in the order found. */
export class Reached {
  private readonly seen = new RecordRefSet();
  readonly records: ReachedRecord[] = [];

  note(ref: RecordRef, why: string): void {
    if (this.seen.has(ref)) return;
    this.seen.add(ref);
    this.records.push({ ...ref, why });
  }
}
