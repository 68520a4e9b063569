// A connection that takes webhooks, and what the service makes of an event one brings. The
// body itself is read by input/event.ts, as every event is.
import type { RunEvent } from "../input/event.js";
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
