// The body of a webhook a system sends: {"type", "actor"?, "recordId"}, read as an event of
// the connection's system. A body that is not one says where, by JSON Pointer, so the
// person wiring up the sender can fix it.
import { message, type Code, type Message } from "../diagnostics/catalog.js";
import { jsonErrorPlace, jsonErrorReason } from "../json/parse.js";
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

/**
 * Why a body is not an event the connection takes, with its catalog code: INP002 not JSON,
 * EVT001 not an event (a field missing, of the wrong kind, or not one an event has), EVT002 an
 * event its system does not send (an unknown type or actor, another system's event).
 */
export interface WebhookBodyProblem {
  readonly problem: string;
  readonly code: Extract<Code, "INP002" | "EVT001" | "EVT002">;
}

export function parseWebhookEvent(text: string, system: SystemDefinition): RunEvent | WebhookBodyProblem {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    const { line, column } = jsonErrorPlace(text, error as Error);
    return { problem: message("INP002", "bodyNotJson", { line, column, reason: jsonErrorReason(error as Error) }).text, code: "INP002" };
  }
  // The place goes before the text, as a webhook's sender reads it in the response.
  const problem = (pointer: string, why: Message<WebhookBodyProblem["code"]>): WebhookBodyProblem => ({ problem: `${pointer === "" ? "the body" : pointer}: ${why.text}`, code: why.code });
  if (!data || typeof data !== "object" || Array.isArray(data)) return problem("", message("EVT001", "bodyNotObject"));
  const e = data as Record<string, unknown>;
  for (const name of Object.keys(e)) {
    // A sender may name the system; the connection already does, so it must agree.
    if (name === "system") {
      if (e["system"] !== system.name) return problem("/system", message("EVT002", "otherConnection", { system: system.name, other: JSON.stringify(e["system"]) }));
    } else if (!FIELDS.includes(name)) return problem(`/${pointerToken(name)}`, message("EVT001", "bodyUnknownField", { name }));
  }
  if (typeof e["type"] !== "string" || e["type"] === "") return problem("/type", message("EVT001", "emptyField", { name: "type" }));
  if (typeof e["recordId"] !== "string" || e["recordId"] === "") return problem("/recordId", message("EVT001", "emptyField", { name: "recordId" }));
  const type = e["type"];
  if (!system.events.has(type)) {
    const known = [...system.events.keys()].sort();
    return problem("/type", known.length === 0 ? message("EVT002", "unknownTypeNone", { system: system.name, type: JSON.stringify(type) }) : message("EVT002", "unknownType", { system: system.name, type: JSON.stringify(type), events: known.join(", ") }));
  }
  const actor = e["actor"];
  if (actor !== undefined && actor !== null) {
    if (typeof actor !== "string") return problem("/actor", message("EVT001", "actorNotString"));
    // Echo detection and trigger filters compare actors by name, so one the system does not declare would silently match nothing.
    if (system.actors.length > 0 && !system.actors.includes(actor)) return problem("/actor", message("EVT002", "unknownActor", { system: system.name, actor: JSON.stringify(actor), actors: system.actors.join(", ") }));
  }
  return { system: system.name, type, ...(typeof actor === "string" ? { actor } : {}), recordId: e["recordId"] };
}

function pointerToken(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}
