// What a run did to each record, and why: the answer to "why didn't this record sync?".
// Several causes touching one record merge into one outcome per action.

import { byCodeUnits } from "../json/values.js";

export type Action = "create" | "update" | "delete" | "skip" | "conflict";

export interface Outcome {
  readonly system: string;
  readonly collection: string;
  /** Null for a whole collection (a rule that could not run). */
  readonly key: string | null;
  readonly action: Action;
  readonly reason: string;
}

const ACTION_ORDER: Record<Action, number> = { create: 0, update: 1, delete: 2, conflict: 3, skip: 4 };

export class Outcomes {
  private readonly byRecord = new Map<string, { outcome: Omit<Outcome, "reason">; reasons: string[] }>();

  add(system: string, collection: string, key: string | null, action: Action, reason: string): void {
    const id = JSON.stringify([system, collection, key, action]);
    const entry = this.byRecord.get(id);
    if (!entry) this.byRecord.set(id, { outcome: { system, collection, key, action }, reasons: [reason] });
    else if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
  }

  /** Sorted by system, collection, key, then action: the same run gives the same list. */
  list(): Outcome[] {
    return [...this.byRecord.values()]
      .map(({ outcome, reasons }) => ({ ...outcome, reason: reasons.join("; ") }))
      .sort(
        (a, b) =>
          byCodeUnits(a.system, b.system) || byCodeUnits(a.collection, b.collection) || byCodeUnits(a.key ?? "", b.key ?? "") || ACTION_ORDER[a.action] - ACTION_ORDER[b.action],
      );
  }
}


