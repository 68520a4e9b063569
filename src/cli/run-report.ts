// What `syncspec run` prints: a line for each run as it ends and each webhook as it is decided,
// and at the end a table of what each integration did. Words a person reads, never ids of
// internals; refused records and incomplete reads say what to do about them.
import { appliedByAction, type RunSummary } from "../scheduler/run-integration.js";
import type { ServiceProgress } from "../scheduler/service.js";

const ACTIONS = ["create", "update", "delete"] as const;

export function progressLine(event: ServiceProgress): string {
  switch (event.kind) {
    case "run":
      return runLine(event.summary);
    case "event": {
      const e = event.event;
      const what = `${event.connection} ${e.type} ${e.recordId}${e.actor ? ` by ${e.actor}` : ""}`;
      const decision = event.decision;
      if (decision === "accepted") return `  webhook  ${what}: runs ${event.integrations.join(", ")}`;
      if (decision === "duplicate") return `  webhook  ${what}: already received (a replay), not run again`;
      if ("retryLater" in decision) return `  webhook  ${what}: refused for now (503), ${decision.retryLater}; the system sends it again`;
      return `  webhook  ${what}: ignored, ${decision.ignored}`;
    }
    case "error":
      return `  error    ${event.integration}: ${event.code ? `${event.code}: ` : ""}${event.message}`;
  }
}

function runLine(s: RunSummary): string {
  const applied = appliedByAction(s.applied);
  const did = ACTIONS.filter((a) => applied[a]).map((a) => `${applied[a]} ${past(a)}`);
  const skipped = s.planned["skip"] ?? 0;
  if (skipped > 0) did.push(`${skipped} skipped`);
  if (s.planned["conflict"]) did.push(`${s.planned["conflict"]} conflicts resolved`);
  if (s.failures.length > 0) did.push(`${s.failures.length} refused`);
  const result = s.status === "failed" ? "nothing was changed" : s.status === "interrupted" ? "stopped part-way, another worker finishes it" : did.length > 0 ? did.join(", ") : "nothing to do";
  const head = `  ${s.status.padEnd(10)} ${s.integration} (${s.trigger}, ${s.seconds.toFixed(2)}s): ${result}`;
  const lines = [head];
  for (const f of s.failures.slice(0, 5)) lines.push(`             refused: ${f.system}.${f.write.collection} ${f.write.key} (${f.write.action}): ${f.status ? `${f.status} ` : ""}${f.reason}`);
  if (s.failures.length > 5) lines.push(`             and ${s.failures.length - 5} more; \`syncspec runs\` lists them all`);
  // A failed run's message comes with its code (RUN003 reading failed, SVC003 the store ...), as `syncspec runs` shows it.
  if (s.message && s.status !== "partial") lines.push(`             ${s.code ? `${s.code}: ` : ""}${s.message}`);
  return lines.join("\n");
}

/** The status of an integration that never ran: the service was stopped first. */
const NOT_RUN = "not run";

/**
 * The closing table: one row per integration (in the deployment's order), what its runs did in
 * all; the "last run" column says which failed, read incompletely, or did not run at all.
 */
export function summaryTable(summaries: readonly RunSummary[], order: readonly string[]): string {
  const rows = new Map<string, { status: string; runs: number; create: number; update: number; delete: number; skip: number; conflict: number; refused: number }>();
  const zero = { runs: 0, create: 0, update: 0, delete: 0, skip: 0, conflict: 0, refused: 0 };
  for (const name of order) rows.set(name, { status: NOT_RUN, ...zero });
  const sorted = [...summaries].sort((a, b) => order.indexOf(a.integration) - order.indexOf(b.integration));
  for (const s of sorted) {
    const row = rows.get(s.integration) ?? { status: s.status, ...zero };
    const applied = appliedByAction(s.applied);
    row.status = s.status;
    row.runs++;
    for (const a of ACTIONS) row[a] += applied[a] ?? 0;
    row.skip += s.planned["skip"] ?? 0;
    row.conflict += s.planned["conflict"] ?? 0;
    row.refused += s.failures.length;
    rows.set(s.integration, row);
  }
  const header = ["integration", "last run", "runs", "created", "updated", "deleted", "skipped", "conflicts", "refused"];
  const body = [...rows].map(([name, r]) => [name, r.status, r.runs, r.create, r.update, r.delete, r.skip, r.conflict, r.refused].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/**
 * What the end of `syncspec run` says about integrations whose last run did not finish its
 * work (failed, read incompletely, or never ran): a line for each kind, none when all did.
 * A run that only had records refused (partial) did its work; the refusals are retried.
 */
export function unfinishedRuns(summaries: readonly RunSummary[], order: readonly string[]): string[] {
  const last = new Map<string, string>(order.map((name) => [name, NOT_RUN]));
  for (const s of summaries) last.set(s.integration, s.status);
  const named = (status: string): string[] => order.filter((name) => last.get(name) === status);
  const count = (names: readonly string[]): string => `${names.length} integration${names.length === 1 ? "" : "s"}`;
  const lines: string[] = [];
  const failed = named("failed");
  if (failed.length > 0) lines.push(`${count(failed)} failed: ${failed.join(", ")}`);
  const incomplete = named("incomplete");
  if (incomplete.length > 0) lines.push(`${count(incomplete)} read incompletely (so nothing was deleted, and the next run reads again): ${incomplete.join(", ")}`);
  const notRun = named(NOT_RUN);
  if (notRun.length > 0) lines.push(`${count(notRun)} did not run, as syncspec was stopped first: ${notRun.join(", ")}`);
  return lines;
}

function past(action: string): string {
  return action === "create" ? "created" : action === "update" ? "updated" : "deleted";
}
