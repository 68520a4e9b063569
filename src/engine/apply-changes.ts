// Makes a run's changes in a system's parsed snapshot, as `apply` writes it and spec tests run
// on it: each change's record put in whole, or taken out. A record keeps its place among the
// others, and its fields keep their order, as applying the patch would leave them. Keys such
// as `__proto__` are data: every member is set as an own property.
import { isObject, ownMember, setMember } from "../json/own.js";
import type { RecordChange } from "./changes.js";

export function applyChanges(document: unknown, system: string, changes: readonly RecordChange[]): void {
  for (const change of changes) {
    if (change.system !== system) continue;
    if (!isObject(document)) throw new Error(`runtime: ${system}'s snapshot is not an object of collections`);
    const records = ownMember(document, change.collection);
    if (!isObject(records)) throw new Error(`runtime: ${system}'s snapshot has no collection ${change.collection} to change`);
    if (change.after) setMember(records, change.key, change.after);
    else delete records[change.key];
  }
}
