// The service's page: what `run --watch` (or `serve`) is doing, from /api/status
// (scheduler/service-status.ts), asked for again every second.
import type { ServiceStatus } from "../../scheduler/service-status.js";

const REFRESH_MS = 1000;

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A time as people read it here: the local date and time to the second, always as wide (2026-12-06 06:39:41). */
function whenText(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function when(iso: string | null): HTMLElement {
  return el("time", { class: "time", ...(iso ? { datetime: iso } : {}) }, whenText(iso));
}

/** What a run did, in the words of `syncspec runs`. */
function did(r: ServiceStatus["runs"][number]): string {
  return r.summary || "nothing to do";
}

function table(headings: readonly string[], rows: readonly (readonly (string | Node)[])[], empty: string, attrs: Record<string, string> = {}): HTMLElement {
  if (rows.length === 0) return el("p", { class: "empty", ...attrs }, empty);
  return el("table", { class: "list", ...attrs }, el("thead", {}, el("tr", {}, ...headings.map((h) => el("th", {}, h)))), el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

function statusWord(status: string): HTMLElement {
  return el("span", { class: `status-word ${status}` }, status);
}

function show(s: ServiceStatus): void {
  document.getElementById("deployment")!.textContent = s.deployment;
  document.getElementById("updated")!.replaceChildren("updated ", when(s.now));

  const more = s.integrationCount - s.integrations.length;
  document.getElementById("integrations")!.replaceChildren(
    ...(more > 0 ? [el("p", { class: "empty" }, `The first ${s.integrations.length} of ${s.integrationCount} integrations; \`syncspec runs\` lists them all.`)] : []),
    ...s.integrations.map((i) =>
      el(
        "article",
        { class: "card", "data-integration": i.name },
        el("h3", {}, i.name),
        el(
          "dl",
          {},
          el("dt", {}, "last run"),
          el("dd", {}, ...(i.lastRun ? [statusWord(i.lastRun.status), " ", when(i.lastRun.finishedAt ?? i.lastRun.startedAt), `: ${did(i.lastRun)}`] : ["never"])),
          el("dt", {}, "now"),
          el("dd", {}, i.running ? "running" : "idle"),
          el("dt", {}, "next"),
          el("dd", {}, ...(i.next.length > 0 ? i.next.map((n) => el("div", {}, when(n.at), ` ${n.label}`)) : ["on its webhooks"])),
        ),
      ),
    ),
  );

  // Oldest to newest, one row per integration.
  const byIntegration = new Map<string, ServiceStatus["runs"][number][]>();
  for (const r of [...s.runs].reverse()) byIntegration.set(r.integration, [...(byIntegration.get(r.integration) ?? []), r]);
  document.getElementById("timelines")!.replaceChildren(
    ...s.integrations.map((i) =>
      el(
        "div",
        { class: "timeline-row" },
        el("span", { class: "name" }, i.name),
        el("div", { class: "timeline", "data-integration": i.name }, ...(byIntegration.get(i.name) ?? []).map((r) => el("span", { class: `run ${r.status}`, title: `run ${r.id} ${r.status}: ${r.trigger}, ${whenText(r.startedAt)}; ${did(r)}${r.message ? `; ${r.message}` : ""}`, "data-run": String(r.id) }))),
      ),
    ),
  );

  document.getElementById("refused")!.replaceChildren(
    ...(s.refusedCount > s.refused.length ? [el("p", { class: "empty" }, `The first ${s.refused.length} of ${s.refusedCount} refused records; \`syncspec runs\` lists them all.`)] : []),
    table(
      ["integration", "record", "action", "status", "reason", "attempts", "last seen"],
      s.refused.map((f) => [f.integration, el("code", {}, `${f.system}.${f.collection}/${f.key}`), f.action, f.status === null ? "—" : String(f.status), f.reason, String(f.attempts), when(f.lastSeen)]),
      "No record is refused.",
      { id: "refused-table" },
    ),
  );

  const waits = s.waits;
  document.getElementById("waits")!.replaceChildren(
    el("p", { class: "empty" }, waits.total === 0 ? "No waits yet." : `${waits.total} ${waits.total === 1 ? "wait" : "waits"} since the service started${waits.total > waits.waits.length ? `; the last ${waits.waits.length}` : ""}:`),
    table(["when", "connection", "call", "why", "waited"], waits.waits.slice(0, 50).map((w) => [when(w.at), w.connection, el("code", {}, w.call), w.why, `${(w.ms / 1000).toFixed(2)} s${w.asked ? " (Retry-After)" : ""}`]), "", { id: "waits-table" }),
  );

  document.getElementById("runs")!.replaceChildren(
    table(
      ["run", "integration", "trigger", "status", "started", "what it did"],
      s.runs.slice(0, 50).map((r) => [String(r.id), r.integration, r.trigger, statusWord(r.status), when(r.startedAt), r.message ? `${did(r)}; ${r.message}` : did(r)]),
      "No run yet.",
      { id: "runs-table" },
    ),
  );
}

async function refresh(): Promise<void> {
  try {
    const answer = (await (await fetch("api/status", { cache: "no-store" })).json()) as ServiceStatus | { starting: true };
    if ("starting" in answer) document.getElementById("updated")!.textContent = "the service is starting…";
    else show(answer);
  } catch {
    document.getElementById("updated")!.textContent = "the service does not answer; trying again";
  }
  setTimeout(() => void refresh(), REFRESH_MS);
}

void refresh();
