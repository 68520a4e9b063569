// Own-property access. Records come from outside (snapshots, APIs, webhooks), so a key such
// as `__proto__` or `constructor` is data: it is read only as an own property and written
// as one, never reaching Object.prototype.

const hasOwn = Object.prototype.hasOwnProperty;

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** An own member, or undefined: `record["__proto__"]` must not find Object.prototype. */
export function ownMember<T>(object: Record<string, T> | undefined, key: string): T | undefined {
  return object !== undefined && hasOwn.call(object, key) ? object[key] : undefined;
}

export function hasMember(object: object, key: string): boolean {
  return hasOwn.call(object, key);
}

/** Sets a member as an own data property, even one named `__proto__`. */
export function setMember(object: Record<string, unknown>, key: string, value: unknown): void {
  // A plain assignment is several times faster on the hot paths (every field of every record
  // created), and only `__proto__` behaves differently under it.
  if (key === "__proto__") Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}
