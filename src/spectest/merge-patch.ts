// JSON Merge Patch (RFC 7386), for a run's `edit`: an object merges into an object member
// by member, null removes a member, anything else replaces. Members are set as own data
// properties so that a record keyed `__proto__` is edited like any other.

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else Object.defineProperty(result, name, { value: mergePatch(Object.prototype.hasOwnProperty.call(result, name) ? result[name] : undefined, value), writable: true, enumerable: true, configurable: true });
  }
  return result;
}
