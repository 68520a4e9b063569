// Applies a run's own JSON Patch to a parsed snapshot. Written here rather than taken from
// fast-json-patch, which refuses paths through `__proto__` for safety; here such a key is a
// record's key like any other, so members are set as own data properties, never through a
// prototype. Tests check the same patches with independent RFC 6902 implementations.
import { pointerPath } from "../json/pointer.js";
import type { Operation } from "./patch.js";

export function applyOperations(document: unknown, operations: readonly Operation[]): void {
  for (const operation of operations) {
    const segments = pointerPath(operation.path);
    const last = segments.pop();
    if (last === undefined) throw new Error(`runtime: a patch cannot replace the whole document (${operation.path})`);
    let parent: unknown = document;
    for (const segment of segments) {
      parent = Array.isArray(parent) ? parent[Number(segment)] : Object.prototype.hasOwnProperty.call(parent, segment) ? (parent as Record<string, unknown>)[segment] : undefined;
      if (parent === null || typeof parent !== "object") throw new Error(`runtime: the patch path ${operation.path} leads nowhere`);
    }
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (operation.op === "add") parent.splice(index, 0, operation.value);
      else if (operation.op === "remove") parent.splice(index, 1);
      else parent[index] = operation.value;
      continue;
    }
    const object = parent as Record<string, unknown>;
    if (operation.op === "remove") delete object[last];
    else Object.defineProperty(object, last, { value: operation.value, writable: true, enumerable: true, configurable: true });
  }
}
