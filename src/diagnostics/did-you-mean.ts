// "Did you mean" for misspelt names: the closest candidate by edit distance, if close enough.

/**
 * Edit distance counting a swap of two neighbours as one edit ("emial" is one from
 * "email"), case-insensitive, with an early exit past `limit`.
 */
function distance(a: string, b: string, limit: number): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `name`, or undefined when none is plausibly what was meant. */
export function didYouMean(name: string, candidates: Iterable<string>, maxEdits = 3): string | undefined {
  // A third of the name's length, at least 1 and at most 3 edits: "firstname" finds
  // "firstName" (case is free), "emial" finds "email", "x" finds nothing.
  const limit = Math.max(1, Math.min(maxEdits, Math.floor(name.length / 3)));
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of list) {
    if (candidate === name) continue;
    const d = distance(name, candidate, limit);
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  // A name that is the start of exactly one candidate: "email" for "email_address".
  if (name.length >= 3) {
    const lower = name.toLowerCase();
    const starts = list.filter((c) => c !== name && c.toLowerCase().startsWith(lower));
    if (starts.length === 1) return starts[0];
  }
  return undefined;
}
