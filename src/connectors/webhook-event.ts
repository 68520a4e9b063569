// The body of a webhook a system sends: {"type", "actor"?, "recordId"}, read as an event of
// the connection's system. A body that is not one says where, by JSON Pointer, so the
// person wiring up the sender can fix it.
import { jsonErrorPlace, jsonErrorReason } from "../diagnostics/input-problem.js";
import type { RunEvent } from "../engine/events.js";
import type { SystemDefinition } from "../language/systems/load.js";

/** A connection that takes webhooks: its system, and the secret its signatures are made with. */
export interface WebhookConnection {
  readonly system: SystemDefinition;
  /** `whsec_...`; without one the connection takes no webhooks. */
  readonly secret?: string | undefined;
}

/**
 * What the caller made of an event: queued a run, saw its id before (a replay, not run again),
 * had no use for it (an echo of the engine's own write, no trigger for it...), or cannot take
 * it now (starting or stopping): a 503 the sender retries, its id not remembered.
 */
export type EventDecision = "accepted" | "duplicate" | { ignored: string } | { retryLater: string };

export type EventHandler = (connection: string, event: RunEvent, id: string) => EventDecision | Promise<EventDecision>;

const FIELDS = ["type", "actor", "recordId"];

export function parseWebhookEvent(text: string, system: SystemDefinition): RunEvent | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    const { line, column } = jsonErrorPlace(text, error as Error);
    return { problem: `the body is not valid JSON at line ${line}, column ${column}: ${jsonErrorReason(error as Error)}` };
  }
  const problem = (pointer: string, message: string) => ({ problem: `${pointer === "" ? "the body" : pointer}: ${message}` });
  if (!data || typeof data !== "object" || Array.isArray(data)) return problem("", 'an event is an object: {"type", "actor"?, "recordId"}');
  const e = data as Record<string, unknown>;
  for (const name of Object.keys(e)) {
    // A sender may name the system; the connection already does, so it must agree.
    if (name === "system") {
      if (e["system"] !== system.name) return problem("/system", `this connection receives ${system.name}'s events, not ${JSON.stringify(e["system"])}'s`);
    } else if (!FIELDS.includes(name)) return problem(`/${pointerToken(name)}`, `an event has no "${name}"; it has type, actor and recordId`);
  }
  if (typeof e["type"] !== "string" || e["type"] === "") return problem("/type", '"type" must be a non-empty string');
  if (typeof e["recordId"] !== "string" || e["recordId"] === "") return problem("/recordId", '"recordId" must be a non-empty string');
  const type = e["type"];
  if (!system.events.has(type)) {
    const known = [...system.events.keys()].sort();
    return problem("/type", `${system.name} has no event ${JSON.stringify(type)}; ${known.length === 0 ? "it sends no events" : `its events are ${known.join(", ")}`}`);
  }
  const actor = e["actor"];
  if (actor !== undefined && actor !== null) {
    if (typeof actor !== "string") return problem("/actor", '"actor" must be a string');
    // Echo detection and trigger filters compare actors by name, so one the system does not declare would silently match nothing.
    if (system.actors.length > 0 && !system.actors.includes(actor)) return problem("/actor", `${system.name} has no actor ${JSON.stringify(actor)}; its actors are ${system.actors.join(", ")}`);
  }
  return { system: system.name, type, ...(typeof actor === "string" ? { actor } : {}), recordId: e["recordId"] };
}

function pointerToken(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
