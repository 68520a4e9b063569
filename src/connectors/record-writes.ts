// A system's RFC 6902 patch, as the engine computes it, turned into the per-record writes an
// API takes: one create, update or delete per record, in the order the patch first names it.
// Each record's operations are applied to a copy of it, so an update carries the record's
// changed top-level fields with their new values, whatever depth the patch reached.
import { applyOperations } from "../engine/apply-patch.js";
import { pointerPath } from "../json/pointer.js";
import type { Operation } from "../engine/patch.js";
import { equal } from "../json/values.js";
import { type Document, type RecordWrite } from "./connector.js";
import { isObject, ownMember, setMember } from "../json/own.js";

type Rec = Record<string, unknown>;

interface RecordChange {
  readonly collection: string;
  readonly key: string;
  readonly before: Rec | undefined;
  after: Rec | undefined;
}

export function recordWrites(document: Document, operations: readonly Operation[]): RecordWrite[] {
  const changes = new Map<string, RecordChange>();
  for (const operation of operations) {
    const segments = pointerPath(operation.path);
    if (segments.length < 2) throw new Error(`a patch operation must name a record (/collection/key...), not ${JSON.stringify(operation.path)}`);
    const [collection, key] = segments as [string, string];
    const id = JSON.stringify([collection, key]);
    let change = changes.get(id);
    if (!change) {
      const before = ownMember(ownMember(document, collection), key);
      change = { collection, key, before, after: before === undefined ? undefined : structuredClone(before) };
      changes.set(id, change);
    }
    if (segments.length === 2) {
      if (operation.op === "remove") change.after = undefined;
      else if (isObject(operation.value)) change.after = structuredClone(operation.value);
      else throw new Error(`the patch sets the record ${operation.path} to something that is not an object`);
      continue;
    }
    if (!change.after) throw new Error(`the patch changes ${operation.path}, but there is no such record`);
    applyOperations(holding(collection, key, change.after), [operation]);
  }
  const writes: RecordWrite[] = [];
  for (const { collection, key, before, after } of changes.values()) {
    if (!before && after) writes.push({ collection, key, action: "create", fields: after });
    else if (before && !after) writes.push({ collection, key, action: "delete" });
    else if (before && after) {
      const fields = changedFields(before, after);
      if (Object.keys(fields).length > 0) writes.push({ collection, key, action: "update", fields });
    }
  }
  return writes;
}

/** A document holding just one record, for applying that record's operations by their own paths. */
function holding(collection: string, key: string, record: Rec): Rec {
  const records: Rec = {};
  setMember(records, key, record);
  const document: Rec = {};
  setMember(document, collection, records);
  return document;
}

/** The top-level fields whose value differs, with the new value; a field taken away is null (empty). */
function changedFields(before: Rec, after: Rec): Rec {
  const fields: Rec = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const now = ownMember(after, name) ?? null;
    if (!equal(ownMember(before, name), now)) setMember(fields, name, now);
  }
  return fields;
}

