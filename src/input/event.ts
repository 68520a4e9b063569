// An event, read from wherever one comes: an event file (`plan --event`), a spec test's
// `event:`, or a webhook's body. One reading, so that the three refuse the same mistakes with
// the same words: the shape first ({"system", "type", "actor"?, "recordId"}), then, where the
// system is known, whether it sends such an event and has such an actor.
import { message, type Code, type Message } from "../diagnostics/catalog.js";
import { didYouMean } from "../diagnostics/did-you-mean.js";
import { listed } from "../diagnostics/lists.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { jsonErrorPlace, jsonErrorReason, parseJsonInput } from "../json/parse.js";
import { isObject } from "../json/own.js";
import { escapePointer } from "../json/pointer.js";
import type { SystemDefinition } from "../language/systems/load.js";

export interface RunEvent {
  readonly system: string;
  readonly type: string;
  readonly actor?: string;
  readonly recordId: string;
}

/** Why data is not an event, at a JSON Pointer into it. */
export interface EventProblem {
  readonly pointer: string;
  readonly message: Message<"EVT001" | "EVT002">;
}

const FIELDS = ["system", "type", "actor", "recordId"];

/**
 * The event in `data`. With `connection`, the event came to that system's connection (a
 * webhook): it may leave `system` out, and if it names one, it must be the connection's.
 */
export function readEvent(data: unknown, connection?: SystemDefinition): RunEvent | EventProblem {
  const refuse = (pointer: string, why: EventProblem["message"]): EventProblem => ({ pointer, message: why });
  if (!isObject(data)) return refuse("", connection ? message("EVT001", "bodyNotObject") : message("EVT001", "notObject"));
  for (const name of Object.keys(data)) {
    if (!FIELDS.includes(name)) {
      return refuse(`/${escapePointer(name)}`, connection ? message("EVT001", "bodyUnknownField", { name }) : message("EVT001", "unknownField", { name }));
    }
  }
  if (connection && data["system"] !== undefined && data["system"] !== connection.name) {
    return refuse("/system", message("EVT002", "otherConnection", { system: connection.name, other: JSON.stringify(data["system"]) }));
  }
  for (const name of connection ? ["type", "recordId"] : ["system", "type", "recordId"]) {
    if (typeof data[name] !== "string" || data[name] === "") return refuse(`/${name}`, message("EVT001", "emptyField", { name }));
  }
  const actor = data["actor"];
  if (actor !== undefined && actor !== null && typeof actor !== "string") return refuse("/actor", message("EVT001", "actorNotString"));
  const event: RunEvent = {
    system: connection?.name ?? (data["system"] as string),
    type: data["type"] as string,
    ...(typeof actor === "string" ? { actor } : {}),
    recordId: data["recordId"] as string,
  };
  return connection ? (eventUnknownToSystem(event, connection) ?? event) : event;
}

/**
 * Why an event is not one its system sends: a type it does not define, or an actor it does
 * not name. Echo detection and trigger filters compare both by name, so an unknown one would
 * silently match nothing.
 */
export function eventUnknownToSystem(event: RunEvent, system: SystemDefinition): EventProblem | undefined {
  if (!system.events.has(event.type)) {
    const events = [...system.events.keys()].sort();
    const known = { system: system.name, type: event.type, events: listed(events) };
    const near = didYouMean(event.type, events);
    return {
      pointer: "/type",
      message: events.length === 0 ? message("EVT002", "unknownTypeNone", known) : near ? message("EVT002", "unknownTypeNear", { ...known, near }) : message("EVT002", "unknownType", known),
    };
  }
  if (event.actor !== undefined && system.actors.length > 0 && !system.actors.includes(event.actor)) {
    return { pointer: "/actor", message: message("EVT002", "unknownActor", { system: system.name, actor: event.actor, actors: listed(system.actors) }) };
  }
  return undefined;
}

/** An event file's text, as `plan --event` reads it: JSON, with the file and pointer on a problem. */
export function parseEventFile(text: string, file: string): RunEvent | { problems: Problem[] } {
  const parsed = parseJsonInput(text, file);
  if ("problems" in parsed) return parsed;
  const event = readEvent(parsed.data);
  return "message" in event ? { problems: [problem({ file, pointer: event.pointer }, event.message)] } : event;
}

/**
 * Why a webhook's body is not an event its connection takes, with its catalog code: INP002
 * not JSON, EVT001 not an event, EVT002 an event its system does not send.
 */
export interface WebhookBodyProblem {
  readonly problem: string;
  readonly code: Extract<Code, "INP002" | "EVT001" | "EVT002">;
}

/** A webhook's body, for the connection of `system`. */
export function parseWebhookBody(text: string, system: SystemDefinition): RunEvent | WebhookBodyProblem {
  let data: unknown;
  try {
    data = JSON.parse(text) as unknown;
  } catch (error) {
    const { line, column } = jsonErrorPlace(text, error as Error);
    return { problem: message("INP002", "bodyNotJson", { line, column, reason: jsonErrorReason(error as Error) }).text, code: "INP002" };
  }
  const event = readEvent(data, system);
  if (!("message" in event)) return event;
  // The place goes before the text, as a webhook's sender reads it in the response.
  return { problem: `${event.pointer === "" ? "the body" : event.pointer}: ${event.message.text}`, code: event.message.code };
}
