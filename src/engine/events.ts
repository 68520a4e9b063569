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

/** The scope of the run an event starts, or undefined (with an outcome saying why) when it starts none. */
export function eventScope(plan: Plan, systems: SystemCatalog, event: RunEvent, workspace: Workspace, outcomes: Outcomes): { scope: RunScope; roots: RecordRefSet } | undefined {
  const system = systems.get(event.system);
  const collection = system?.events.get(event.type) ?? "";
  const actor = event.actor ? ` by ${event.actor}` : "";
  const accepting = acceptingTriggers(plan, event);
  if (accepting.length === 0) {
    outcomes.add(event.system, collection, event.recordId, "skip", `no trigger of ${plan.integration} accepts ${event.system} ${event.type}${actor}, so the event started no run`);
    return undefined;
  }
  const record = collection && workspace.collection(event.system, collection).known ? workspace.collection(event.system, collection).get(event.recordId) : null;
  if (!record) {
    outcomes.add(event.system, collection, event.recordId, "skip", `the event names ${event.system}.${collection} ${event.recordId}, which is not in the snapshot`);
    return undefined;
  }
  const into = new Set(accepting.flatMap((t) => t.directions.map((d) => d.to)));
  const roots = new RecordRefSet([{ system: event.system, collection, key: event.recordId }]);
  return {
    roots,
    scope: {
      canWrite: (s) => into.has(s),
      includes: (system, collection, key) => roots.has({ system, collection, key }),
    },
  };
}
