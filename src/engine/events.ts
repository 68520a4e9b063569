// Runs started by an event: which triggers accept it, which directions they allow, and the
// records the run may touch (the one the event names, plus what the rules find it refers
// to). An event no trigger accepts changes nothing, and says why.
import type { Plan, TriggerPlan } from "../plan/types.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { RunScope } from "./links.js";
import type { Outcomes } from "./outcomes.js";
import type { Workspace } from "./workspace.js";
import { RecordRefSet } from "../input/record-ref.js";
import type { RunEvent } from "../input/event.js";

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
