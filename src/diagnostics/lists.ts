// Names listed in a message as a sentence lists them, so every message joins them alike.

/** "a", "a and b", "a, b and c" (or "or" for a choice). */
export function listed(items: readonly string[], last: "and" | "or" = "and"): string {
  return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${last} ${items[items.length - 1]}`;
}

/** "1 integration", "2 integrations": a count with its noun, plural unless it is one. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
