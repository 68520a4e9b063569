// The playground page: a spec and its two snapshots in editors side by side, and at each edit
// the diagnostics in place and the plan's outcomes per record, before and after, with the
// RFC 6902 patches. Everything runs here, in the page: analyze.ts is the compiler and the
// engine the CLI runs, bundled from the same sources.
import { EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { defaultHighlightStyle, syntaxHighlighting, bracketMatching } from "@codemirror/language";
import { json } from "@codemirror/lang-json";
import { lintGutter, setDiagnostics, type Diagnostic as LintDiagnostic } from "@codemirror/lint";
import { analyze, systemsOf, type Analysis, type Mark, type PlaygroundInput, type RecordView } from "./analyze.js";
import { exportCase } from "./export-case.js";
import { syncLanguage } from "./sync-language.js";
import type { SystemCatalog } from "../../language/systems/load.js";
import type { SyncState } from "../../state/state.js";

/** What the server sends: the systems' definitions and the seed specs with their sample data. */
interface Seed {
  readonly name: string;
  readonly spec: string;
  readonly snapshots: Readonly<Record<string, string>>;
  readonly params: string;
  readonly now: string;
}
interface PageData {
  readonly systems: Readonly<Record<string, string>>;
  readonly seeds: readonly Seed[];
  readonly open: string;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function editor(parent: HTMLElement, language: Extension, onChange: () => void): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: "",
      extensions: [
        lineNumbers(),
        history(),
        highlightActiveLine(),
        bracketMatching(),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        syntaxHighlighting(defaultHighlightStyle),
        language,
        lintGutter(),
        EditorView.updateListener.of((u) => u.docChanged && onChange()),
      ],
    }),
  });
}

function setText(view: EditorView, text: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
}

function showMarks(view: EditorView, marks: readonly Mark[]): void {
  const length = view.state.doc.length;
  const diagnostics: LintDiagnostic[] = marks.map((m) => ({ from: Math.min(m.from, length), to: Math.min(Math.max(m.to, m.from), length), severity: m.severity, message: m.message }));
  view.dispatch(setDiagnostics(view.state, diagnostics));
}

/** A value as one line of JSON, for a field's cell. */
function cell(value: unknown): string {
  return value === undefined ? "" : JSON.stringify(value);
}

function recordCard(r: RecordView): HTMLElement {
  const actions = [...new Set(r.outcomes.map((o) => o.action))];
  const head = el("div", { class: "record-head" }, ...actions.map((a) => el("span", { class: `badge ${a}` }, a)), el("code", {}, `${r.system}.${r.collection} ${r.key ?? "(the collection)"}`));
  const reasons = el("ul", { class: "reasons" }, ...r.outcomes.flatMap((o) => o.reason.split("; ").map((why) => el("li", { class: o.action }, why))));
  const card = el("article", { class: `record ${actions.join(" ")}`, "data-record": `${r.system}.${r.collection}/${r.key ?? ""}` }, head, reasons);
  const before = (r.before ?? {}) as Record<string, unknown>;
  const after = (r.after ?? {}) as Record<string, unknown>;
  if (r.before === null && r.after === null) return card;
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = new Set(r.changed);
  const rows = fields.map((f) =>
    el("tr", changed.has(f) ? { class: "changed" } : {}, el("th", {}, f), el("td", { class: "before" }, r.before === null ? "" : cell(before[f])), el("td", { class: "after" }, r.after === null ? "" : cell(after[f]))),
  );
  card.append(el("table", { class: "fields" }, el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, r.before === null ? "before (none)" : "before"), el("th", {}, r.after === null ? "after (deleted)" : "after"))), el("tbody", {}, ...rows)));
  return card;
}

function showAnalysis(a: Analysis, specName: string): void {
  const status = $("status");
  const problems = $("problems");
  const records = $("records");
  const patches = $("patches");
  problems.replaceChildren();
  records.replaceChildren();
  const errors = a.spec.filter((m) => m.severity === "error");
  const listed: [string, Mark][] = [...a.spec.map((m): [string, Mark] => [specName, m]), ...Object.entries(a.snapshots).flatMap(([s, ms]) => ms.map((m): [string, Mark] => [`${s} snapshot`, m]))];
  for (const [where, m] of listed) problems.append(el("li", { class: m.severity }, el("span", { class: "where" }, where), ` ${m.message}`));
  for (const s of a.settings) problems.append(el("li", { class: "error" }, s));
  if (!a.run) {
    status.className = "status error";
    status.textContent = errors.length > 0 ? `${errors.length === 1 ? "1 error" : `${errors.length} errors`} in the spec: no plan` : "the inputs have problems: no plan";
    patches.textContent = "";
    return;
  }
  const count = (action: string) => a.run!.records.filter((r) => r.outcomes.some((o) => o.action === action)).length;
  const summary = ["create", "update", "delete", "conflict", "skip"].flatMap((action) => (count(action) > 0 ? [`${count(action)} ${action}`] : []));
  status.className = a.run.failure ? "status error" : "status ok";
  status.textContent = a.run.failure ? `the run stops: ${a.run.failure}` : summary.length > 0 ? `plan: ${summary.join(", ")}` : "plan: nothing to do";
  for (const r of a.run.records) records.append(recordCard(r));
  patches.textContent = JSON.stringify(a.run.patches, null, 2);
}

async function start(): Promise<void> {
  const data = (await (await fetch("data.json")).json()) as PageData;
  const systems: SystemCatalog = systemsOf(data.systems);
  const picker = $<HTMLSelectElement>("seed");
  for (const seed of data.seeds) picker.append(el("option", { value: seed.name }, seed.name));
  const params = $<HTMLTextAreaElement>("params");
  const now = $<HTMLInputElement>("now");
  let current: Seed = data.seeds.find((s) => s.name === data.open) ?? data.seeds[0]!;
  let pending: ReturnType<typeof setTimeout> | undefined;
  let loading = false;
  let last: { input: PlaygroundInput; analysis: Analysis } | undefined;
  // The state of the runs applied so far (none: a first run), and how many.
  let state: SyncState | undefined;
  let applied = 0;
  const showState = (): void => {
    $("state-note").hidden = applied === 0;
    $("state-text").textContent = `The run starts from the state ${applied === 1 ? "the applied run" : `${applied} applied runs`} left: a two-way field changed on both sides since is a conflict.`;
  };
  const schedule = (): void => {
    if (loading) return;
    clearTimeout(pending);
    pending = setTimeout(() => {
      pending = undefined;
      update();
    }, 150);
  };
  const spec = editor($("spec"), syncLanguage, schedule);
  const left = editor($("left"), json(), schedule);
  const right = editor($("right"), json(), schedule);

  function update(): void {
    const systemsNow = last?.analysis.systems ?? { left: Object.keys(current.snapshots)[0]!, right: Object.keys(current.snapshots)[1]! };
    const input: PlaygroundInput = {
      specName: `specs/${current.name}.sync`,
      spec: spec.state.doc.toString(),
      snapshots: { [systemsNow.left]: left.state.doc.toString(), [systemsNow.right]: right.state.doc.toString() },
      params: params.value,
      now: now.value.trim(),
      ...(state ? { state } : {}),
    };
    const analysis = analyze(input, systems);
    last = { input, analysis };
    showMarks(spec, analysis.spec);
    if (analysis.systems) {
      showMarks(left, analysis.snapshots[analysis.systems.left] ?? []);
      showMarks(right, analysis.snapshots[analysis.systems.right] ?? []);
      $("left-title").textContent = `${analysis.systems.left} snapshot`;
      $("right-title").textContent = `${analysis.systems.right} snapshot`;
    }
    showAnalysis(analysis, input.specName);
    document.body.dataset["analyzed"] = String(Number(document.body.dataset["analyzed"] ?? "0") + 1);
  }

  function open(seed: Seed): void {
    current = seed;
    state = undefined;
    applied = 0;
    showState();
    picker.value = seed.name;
    loading = true;
    last = undefined;
    const [l, r] = Object.keys(seed.snapshots);
    setText(spec, seed.spec);
    setText(left, seed.snapshots[l!]!);
    setText(right, seed.snapshots[r!]!);
    params.value = seed.params;
    now.value = seed.now;
    $("spec-title").textContent = `specs/${seed.name}.sync`;
    loading = false;
    update();
  }

  /** Analyses now what is typed, if an edit is still waiting its turn: a button acts on what the author sees. */
  const current$ = (): void => {
    if (pending === undefined) return;
    clearTimeout(pending);
    pending = undefined;
    update();
  };
  $("apply").addEventListener("click", () => {
    current$();
    const run = last?.analysis.run;
    const systemsNow = last?.analysis.systems;
    if (!run || run.failure || !systemsNow) {
      $("status").textContent = `${$("status").textContent ?? ""} (nothing to apply: ${run?.failure ? "the run stops" : "there is no run"})`;
      return;
    }
    loading = true;
    setText(left, `${JSON.stringify(run.applied.documents[systemsNow.left], null, 2)}\n`);
    setText(right, `${JSON.stringify(run.applied.documents[systemsNow.right], null, 2)}\n`);
    loading = false;
    state = run.applied.state;
    applied++;
    showState();
    update();
  });
  $("forget").addEventListener("click", () => {
    state = undefined;
    applied = 0;
    showState();
    update();
  });
  picker.addEventListener("change", () => open(data.seeds.find((s) => s.name === picker.value)!));
  params.addEventListener("input", schedule);
  now.addEventListener("input", schedule);
  $("export").addEventListener("click", () => {
    current$();
    const out = $<HTMLTextAreaElement>("exported");
    if (!last?.analysis.run) {
      out.value = "# A case is exported from a run: fix the problems above first.";
    } else {
      out.value = exportCase(last.input, last.analysis, `what the playground showed for ${current.name}`);
      const blob = new Blob([out.value], { type: "text/yaml" });
      const href = URL.createObjectURL(blob);
      el("a", { href, download: `${current.name}.case.test.yaml` }).click();
      setTimeout(() => URL.revokeObjectURL(href), 0);
    }
    $("export-box").hidden = false;
  });
  open(current);
}

start().catch((error: unknown) => {
  $("status").className = "status error";
  $("status").textContent = `the playground could not start: ${error instanceof Error ? error.message : String(error)}`;
});
