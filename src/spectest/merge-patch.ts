// JSON Merge Patch (RFC 7386), for a run's `edit`: an object merges into an object member
// by member, null removes a member, anything else replaces. Members are set as own data
// properties so that a record keyed `__proto__` is edited like any other.
import { isObject, ownMember, setMember } from "../json/own.js";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else setMember(result, name, mergePatch(ownMember(result, name), value));
  }
  return result;
}
