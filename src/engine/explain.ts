// `syncspec explain`: why one record synced, or did not. The run is the normal run (runPlan)
// with a trace: the link units tell what they decided for the record as they decide it (its
// creates, each mapping's values and decision), and once the run settles the pairs it made
// are read from the pairing itself. What is shown beyond that (the values a match or a
// clause compared) is evaluated with the same compiled closures over the settled run, which
// is what the run's last round saw: a settled run changes nothing more.
import type { Clause, Expr, LinkPlan, MappingPlan, PlanSpan, RulePlan, Side } from "../plan/types.js";
import type { Rec } from "../json/values.js";
import { field, isEmpty } from "../json/values.js";
import { runPlan, originOf, type RunInput, type SettledRun } from "./run.js";
import type { CreateStep, FlowStep, RunTrace } from "./explain-trace.js";
import { compileClauses } from "./clauses.js";
import { compileExpr, SkipRow, type Compiled, type Frame } from "./expressions.js";
import { rowKey } from "./context.js";
import { exprText, shown } from "./explain-text.js";
import type { Outcome } from "./outcomes.js";
import { RecordRefSet, type RecordRef } from "../input/record-ref.js";
import { walk } from "../plan/walk.js";
import type { LinkRun } from "./links.js";

/** A place in the spec text. */
export interface Place {
  readonly line: number;
  readonly column: number;
}

/** A condition or comparison and the values it compared, and whether it held. */
export interface Check extends Place {
  readonly text: string;
  readonly values: readonly unknown[];
  readonly held: boolean;
}

export interface MatchExplanation extends Place {
  readonly text: string;
  /** The explained record's side: its condition (if the match has one) and its key's values. */
  readonly conditions: readonly Check[];
  readonly keys: readonly Check[];
  /** Whether the run used this match for the record: the first match whose key finds any record decides. */
  readonly result: string;
  readonly candidates: readonly string[];
  /** Records of the other side with the same key whose condition failed: the near misses. */
  readonly failedFor: readonly { readonly key: string; readonly checks: readonly Check[] }[];
}

export interface CreateExplanation extends Place {
  readonly into: string;
  readonly condition?: readonly Check[];
  readonly result: string;
  readonly key?: string;
}

export interface MappingExplanation extends Place {
  readonly text: string;
  readonly left?: unknown;
  readonly right?: unknown;
  /** The last synced value; left out when the state has none. */
  readonly last?: unknown;
  readonly decision: string;
  readonly condition?: readonly Check[];
  readonly kind: "oneWay" | "twoWay" | "writeBack" | "pair";
}

export interface LinkExplanation extends Place {
  readonly link: string;
  readonly side: Side;
  readonly skippedBy?: Place & { readonly text: string; readonly reason: string };
  readonly matches: readonly MatchExplanation[];
  readonly counterpart: { readonly system: string; readonly collection: string; readonly key: string; readonly by: string } | null;
  /** Why the record has no counterpart, when it has none. */
  readonly unpaired?: string;
  readonly creates: readonly CreateExplanation[];
  readonly mappings: readonly MappingExplanation[];
}

export interface ClauseExplanation extends Place {
  readonly text: string;
  readonly result: "passed" | "stopped";
  readonly why: string;
  readonly checks?: readonly Check[];
}

export interface RuleExplanation extends Place {
  readonly rule: string;
  /** How the record takes part: the rule's rows come from it, the rule writes it, or its rows look it up. */
  readonly role: "from" | "writes" | "looks up";
  readonly clauses: readonly ClauseExplanation[];
  readonly writes: readonly { readonly system: string; readonly collection: string; readonly key: string; readonly what: string; readonly fields?: Readonly<Record<string, unknown>> }[];
  readonly summary: string;
}

export interface Explanation {
  readonly integration: string;
  readonly record: RecordRef;
  /** Of an event's run: how the event reached the record (the words `plan --event` prints), or that it did not. */
  readonly reached?: string;
  readonly links: readonly LinkExplanation[];
  readonly rules: readonly RuleExplanation[];
  /** What the plan does to the record, and to the records the explanation names, as `plan` reports it. */
  readonly outcomes: readonly Outcome[];
  readonly failure?: string;
}

const place = (span: PlanSpan): Place => ({ line: span[0], column: span[1] });
const show = shown;

/** The checks of a condition over a frame: each part of an `and`, each comparison with both its values. */
function checks(expr: Expr, frame: Frame, compile: (e: Expr) => Compiled, at: Place): Check[] {
  if (expr.op === "and") return expr.args.flatMap((a) => checks(a, frame, compile, at));
  const held = safe(() => compile(expr)(frame)) === true;
  const values = expr.op === "compare" ? [safe(() => compile(expr.left)(frame)), safe(() => compile(expr.right)(frame))] : [safe(() => compile(expr)(frame))];
  return [{ ...at, text: exprText(expr), values, held }];
}

/** An evaluation that would skip the row (an ambiguous lookup) shows its reason rather than stop the explanation. */
function safe(f: () => unknown): unknown {
  try {
    return f();
  } catch (error) {
    if (error instanceof SkipRow) return `(skipped: ${error.reason})`;
    throw error;
  }
}

/** The text a span covers in the spec, as the author wrote it (one line, spaces collapsed); undefined without the spec's text. */
function written(source: string | undefined, span: PlanSpan): string | undefined {
  if (source === undefined) return undefined;
  const lines = source.split("\n");
  const [line, column, endLine, endColumn] = span;
  const text = line === endLine ? lines[line - 1]?.slice(column - 1, endColumn - 1) : [lines[line - 1]?.slice(column - 1), ...lines.slice(line, endLine - 1), lines[endLine - 1]?.slice(0, endColumn - 1)].join(" ");
  return text?.replace(/\s+/g, " ").trim() || undefined;
}

/**
 * Why the record synced, or not. `source` is the spec's text, when there is one (not a plan
 * file): a match is then shown as the author wrote it, else as the plan holds it.
 */
export function explainRecord(input: RunInput, record: RecordRef, source?: string): Explanation {
  const { plan } = input;
  const isFocus = (system: string, collection: string, key: string): boolean => system === record.system && collection === record.collection && key === record.key;
  const flows = new Map<string, FlowStep[]>();
  const creates = new Map<string, CreateStep[]>();
  let settled: SettledRun | undefined;
  const sideOf = (linkId: string, side: Side) => {
    const link = plan.links.find((l) => l.id === linkId)!;
    return side === "left" ? link.left : link.right;
  };
  const trace: RunTrace & { settled(run: SettledRun): void } = {
    pair(linkId, lk, rk) {
      const l = sideOf(linkId, "left");
      const r = sideOf(linkId, "right");
      if (!isFocus(l.system, l.collection, lk) && !isFocus(r.system, r.collection, rk)) return undefined;
      // The first flow of the pair decides what moves; later rounds find it settled.
      if (flows.has(linkId)) return undefined;
      const steps: FlowStep[] = [];
      flows.set(linkId, steps);
      return (step) => steps.push(step);
    },
    create(linkId, from, key) {
      const s = sideOf(linkId, from);
      if (!isFocus(s.system, s.collection, key)) return undefined;
      const steps = creates.get(linkId) ?? [];
      creates.set(linkId, steps);
      return (step) => steps.push(step);
    },
    settled(run) {
      settled = run;
    },
  };
  const result = runPlan({ ...input, trace });

  const links: LinkExplanation[] = [];
  const rules: RuleExplanation[] = [];
  if (settled) {
    plan.links.forEach((link, i) => {
      const run = settled!.links[i];
      for (const side of ["left", "right"] as const) {
        const s = side === "left" ? link.left : link.right;
        if (s.system !== record.system || s.collection !== record.collection || !run) continue;
        links.push(explainLink(link, run, side, record.key, flows.get(link.id) ?? [], creates.get(link.id) ?? [], source));
      }
    });
    for (const rule of plan.rules) {
      const explained = explainRule(input, settled, rule, record, result.changes);
      if (explained) rules.push(explained);
    }
  }

  // The record's outcomes, then those of the records the explanation names (a counterpart made for it, a rule's writes).
  const named = new Set<string>([JSON.stringify([record.system, record.collection, record.key])]);
  for (const l of links) if (l.counterpart) named.add(JSON.stringify([l.counterpart.system, l.counterpart.collection, l.counterpart.key]));
  for (const r of rules) for (const w of r.writes) named.add(JSON.stringify([w.system, w.collection, w.key]));
  // Each outcome once: a record the rule reaches from several rows (an event's record among them) has its outcome listed for each.
  const outcomes = [...new Map(result.outcomes.filter((o) => named.has(JSON.stringify([o.system, o.collection, o.key]))).map((o) => [JSON.stringify(o), o])).values()];
  const own = outcomes.filter((o) => isFocus(o.system, o.collection, o.key ?? ""));
  const reached = result.reached?.find((r) => isFocus(r.system, r.collection, r.key));
  return {
    integration: plan.integration,
    record,
    ...(result.reached ? { reached: reached ? reached.why : "the event did not reach it: the run wrote nothing for it" } : {}),
    links,
    rules,
    outcomes: [...own, ...outcomes.filter((o) => !own.includes(o))],
    ...(result.failure ? { failure: result.failure.message } : {}),
  };
}

function linkText(link: LinkPlan): string {
  // A side over a view is shown as written, with the collection whose records its rows are.
  const side = (s: LinkPlan["left"]) => `${s.alias} in ${"view" in s.source ? `${s.source.view} (${s.system}.${s.collection})` : `${s.system}.${s.collection}`}`;
  return `${side(link.left)} ${link.direction} ${side(link.right)}`;
}

function mappingText(link: LinkPlan, m: MappingPlan): string {
  const l = link.left.alias;
  const r = link.right.alias;
  if (m.kind === "twoWay") return `${l}.${m.left.join(".")} <-> ${r}.${m.right.join(".")}`;
  return m.into === "right" ? `${exprText(m.value)} -> ${r}.${m.target.join(".")}` : `${l}.${m.target.join(".")} <- ${exprText(m.value)}`;
}

function explainLink(link: LinkPlan, run: LinkRun, side: Side, key: string, flow: readonly FlowStep[], made: readonly CreateStep[], source: string | undefined): LinkExplanation {
  const ctx = run.link;
  const other: Side = side === "left" ? "right" : "left";
  const own = side === "left" ? link.left : link.right;
  const them = side === "left" ? link.right : link.left;
  const state = side === "left" ? ctx.leftState : ctx.rightState;
  // The record as pairing saw it: as read (or as made, for one created this run).
  const rec = (state.original?.get(key) ?? state.get(key)) as Rec;
  const compile = (e: Expr) => ctx.compile(e);
  const frameOf = (s: Side, r: Rec): Frame => (s === "left" ? [r, undefined] : [undefined, r]);

  const skip = run.pairing.skips.which(side, rec);
  const skipPlan = skip && link.skips.filter((s) => s.side === side)[skip.index]!;
  const pairs = run.pairing.pairsOf(side);
  const found = pairs.get(key);

  const matches: MatchExplanation[] = [];
  let decided = skip !== undefined;
  link.matches.forEach((m, i) => {
    const cm = run.pairing.matches[i]!;
    const at = place(m.span);
    const frame = frameOf(side, rec);
    const ownCondition = side === "left" ? m.leftCondition : m.rightCondition;
    const theirCondition = side === "left" ? m.rightCondition : m.leftCondition;
    const conditions = ownCondition ? checks(ownCondition, frame, compile, at) : [];
    const ownKeys = side === "left" ? cm.left : cm.right;
    const theirKeys = side === "left" ? cm.right : cm.left;
    const keyValues = m.keys.map((k) => compile(side === "left" ? k.left : k.right)(frame));
    // Each key as the record sees it: its own value first, then the other side's field that must equal it.
    const keyText = (k: (typeof m.keys)[number]) => (side === "left" ? `${exprText(k.left)} == ${exprText(k.right)}` : `${exprText(k.right)} == ${exprText(k.left)}`);
    const keys = m.keys.map((k, p) => ({ ...at, text: keyText(k), values: [keyValues[p]], held: false }));
    const text = [...m.keys.map((k) => `${exprText(k.left)} == ${exprText(k.right)}`), ...[m.leftCondition, m.rightCondition].flatMap((c) => (c ? [exprText(c)] : []))].join(" and ");
    const base = { ...at, text: written(source, m.span)?.replace(/^match /, "") ?? text, conditions };
    if (decided) {
      matches.push({ ...base, keys, result: skip ? "not tried: the record is skipped" : "not tried: an earlier match decided", candidates: [], failedFor: [] });
      return;
    }
    if (conditions.some((c) => !c.held)) {
      matches.push({ ...base, keys, result: "not tried: its condition on this record failed", candidates: [], failedFor: [] });
      return;
    }
    const wanted = rowKey(ownKeys, frame);
    if (wanted === undefined) {
      matches.push({ ...base, keys, result: "not tried: the record's key is empty", candidates: [], failedFor: [] });
      return;
    }
    // The other side, record by record, through the same closures the pairing's index is built with.
    const candidates: string[] = [];
    const failedFor: { key: string; checks: Check[] }[] = [];
    // The records as read, as the first round's pairing saw them (not the ones the run made since).
    const themState = side === "left" ? ctx.rightState : ctx.leftState;
    const rows = "view" in them.source || !themState.original ? (ctx.ctx.scan(them.source) as Rec[]) : themState.original.values();
    for (const o of rows) {
      const of = frameOf(other, o);
      if (rowKey(theirKeys, of) !== wanted) continue;
      const ok = theirCondition ? compile(theirCondition)(of) === true : true;
      const theirSkip = run.pairing.skips.which(other, o);
      if (ok && !theirSkip) candidates.push(ctx.keyOf(other, o));
      else failedFor.push({ key: ctx.keyOf(other, o), checks: theirSkip ? [{ ...at, text: `skipped: ${theirSkip.reason}`, values: [], held: false }] : checks(theirCondition!, of, compile, at) });
    }
    // The key looked for, and whether any record of the other side has it (its condition is the near misses' to say).
    const full = keys.map((k) => ({ ...k, held: candidates.length > 0 || failedFor.length > 0 }));
    const them$ = `${them.system}.${them.collection}`;
    const result =
      candidates.length === 0
        ? `no ${them$} record matches`
        : candidates.length === 1
          ? `found ${them$} ${candidates[0]}`
          : `found ${candidates.length} ${them$} records (${candidates.join(", ")}): not clear which is its counterpart`;
    if (candidates.length > 0) decided = true;
    matches.push({ ...base, keys: full, result, candidates, failedFor });
  });

  const createdHere = made.find((s) => s.kind === "created");
  let counterpart: LinkExplanation["counterpart"] = null;
  let unpaired: string | undefined;
  if (found instanceof SkipRow) unpaired = found.reason;
  else if (found) {
    const createdAt = createdHere && link.creates[createdHere.create];
    const byMatch = matches.find((m) => m.candidates.includes(found.key));
    counterpart = {
      system: them.system,
      collection: them.collection,
      key: found.key,
      by: createdAt ? `the create at ${createdAt.span[0]}:${createdAt.span[1]}` : byMatch ? `the match at ${byMatch.line}:${byMatch.column}` : `the link (made this run)`,
    };
  } else if (skip) unpaired = `skipped by the link's skip at ${skipPlan!.span[0]}:${skipPlan!.span[1]}: ${skip.reason}`;
  else if (!link.creates.some((c) => c.into === other)) unpaired = `no match found a counterpart, and the link creates no ${them.system}.${them.collection} record for an unpaired ${own.system}.${own.collection} record: nothing is done`;
  else if (made.length === 0) unpaired = `no match found a counterpart, and no create ran for it (this run may not write ${them.system}, or the record is outside an event's reach)`;
  else unpaired = "no match found a counterpart, and no create made one";

  const createsOut: CreateExplanation[] = [];
  link.creates.forEach((cr, i) => {
    if (cr.into !== other) return;
    const step = made.find((s) => s.create === i);
    const at = place(cr.span);
    const into = `${them.system}.${them.collection}`;
    if (!step) {
      createsOut.push({ ...at, into, result: counterpart && !createdHere ? "not needed: the record has a counterpart" : skip || found instanceof SkipRow ? "not tried: the record is skipped" : "not tried" });
      return;
    }
    const condition = cr.condition && step.kind === "condition" ? checks(cr.condition, [...step.frame], compile, at) : undefined;
    const words: Record<CreateStep["kind"], string> = {
      condition: "did not create: its condition failed",
      noKey: "did not create: its key is empty",
      exists: `did not create: ${into} ${"key" in step ? step.key : ""} exists but does not match the record`,
      refused: `did not create: ${"reason" in step ? step.reason : ""}`,
      created: `creates ${into} ${"key" in step ? step.key : ""}`,
      skipped: `did not create: ${"reason" in step ? step.reason : ""}`,
    };
    createsOut.push({ ...at, into, result: words[step.kind], ...(condition ? { condition } : {}), ...("key" in step ? { key: step.key } : {}) });
  });

  const sys = (s: Side) => (s === "left" ? link.left.system : link.right.system);
  const arrow = (from: Side) => (from === "left" ? "left -> right" : "right -> left");
  const mappings: MappingExplanation[] = [];
  for (const step of flow) {
    if (step.kind === "skipped") {
      mappings.push({ ...place(link.span), text: "(the pair)", kind: "pair", decision: `skipped: ${step.reason}` });
      continue;
    }
    if (step.kind === "writeBack") {
      const wb = link.writeBack!;
      const text = wb.into === "left" ? `${link.left.alias}.${wb.target.join(".")} <- ${exprText(wb.value)}` : `${exprText(wb.value)} -> ${link.right.alias}.${wb.target.join(".")}`;
      mappings.push({ ...place(wb.span), text, [wb.into]: step.held, [wb.into === "left" ? "right" : "left"]: step.value, kind: "writeBack", decision: oneWayWords(step, sys) });
      continue;
    }
    const m = link.mappings[step.mapping]!;
    const base = { ...place(m.span), text: mappingText(link, m), kind: m.kind };
    if (step.kind === "when") {
      mappings.push({ ...base, decision: "skipped: its `when` condition did not hold", condition: checks(m.condition!, [...step.frame], compile, place(m.span)) });
    } else if (step.kind === "unchanged") {
      mappings.push({ ...base, left: step.left, right: step.right, last: step.last, decision: "unchanged: both sides hold the last synced value" });
    } else if (step.kind === "oneWay") {
      mappings.push({ ...base, [step.into]: step.held, [step.into === "left" ? "right" : "left"]: step.value, decision: oneWayWords(step, sys) });
    } else {
      let decision: string;
      if (step.winner === undefined && step.created) decision = `filled into the ${sys(step.created)} record as it was created`;
      else if (step.winner === undefined) decision = step.hasLast ? "unchanged: both sides hold the same value" : "unchanged: both sides hold the same value (the state takes it as synced)";
      else {
        const loser: Side = step.winner === "left" ? "right" : "left";
        if (step.created) decision = `${arrow(step.winner)}: the ${sys(step.created)} record is created this run and takes the value`;
        else if (!step.conflict) decision = `${arrow(step.winner)}: only ${sys(step.winner)} changed since the last sync`;
        else {
          const c = link.conflicts;
          const why = c?.policy === "prefer" ? `${sys(step.winner)} is preferred` : !c ? `with no conflicts item, ${sys(step.winner)} wins` : step.tie ? `both records are as new, and a tie goes to ${sys(step.winner)}` : `${sys(step.winner)}'s record is the newer`;
          decision = `conflict (${step.hasLast ? "both sides changed since the last sync" : "no last sync"}), resolved ${arrow(step.winner)}: ${why}${c ? ` (conflicts at ${c.span[0]}:${c.span[1]})` : ""}`;
        }
        if (step.uncarried) decision += `, but this run may not write ${sys(loser)}`;
      }
      mappings.push({ ...base, left: step.left, right: step.right, ...(step.hasLast ? { last: step.last } : {}), decision });
    }
  }
  return {
    ...place(link.span),
    link: linkText(link),
    side,
    ...(skip ? { skippedBy: { ...place(skipPlan!.span), text: exprText(skipPlan!.condition), reason: skip.reason } } : {}),
    matches,
    counterpart,
    ...(unpaired ? { unpaired } : {}),
    creates: createsOut,
    mappings,
  };
}

function oneWayWords(step: { into: Side; written: boolean; uncarried: boolean; value: unknown; held: unknown }, sys: (s: Side) => string): string {
  const from: Side = step.into === "left" ? "right" : "left";
  if (step.written) return `${from === "left" ? "left -> right" : "right -> left"}: ${sys(step.into)} takes ${show(step.value)}`;
  if (step.uncarried) return `not written: this run may not write ${sys(step.into)}`;
  return "unchanged: the target holds the value";
}

function clauseText(c: Clause): string {
  switch (c.kind) {
    case "from":
      return `from ${c.alias} in ${exprText(c.source)}`;
    case "let":
      return `let ${c.name} = ${exprText(c.value)}`;
    case "where":
      return `where ${exprText(c.condition)}`;
    case "skip":
      return `skip ${exprText(c.reason)} when ${exprText(c.condition)}`;
  }
}

/** Whether an expression of the rule looks records of the collection up by key or by fields. */
function readsByLookup(rule: RulePlan, record: RecordRef): Expr | undefined {
  const exprs = [...rule.clauses.flatMap((c) => (c.kind === "from" ? [c.source] : c.kind === "let" ? [c.value] : c.kind === "where" ? [c.condition] : [c.reason, c.condition])), ...(rule.action.kind === "write" ? rule.action.assignments.map((a) => a.value) : [])];
  let found: Expr | undefined;
  for (const e of exprs) {
    walk(e, (x) => {
      if (!found && (x.op === "byKey" || x.op === "find") && "system" in x.source && x.source.system === record.system && x.source.collection === record.collection) found = x;
    });
  }
  return found;
}

/** A rule whose rows look the record up: which of its rows did, as the settled run saw them. */
function looksUp(input: RunInput, run: SettledRun, rule: RulePlan, record: RecordRef): RuleExplanation | undefined {
  const lookup = readsByLookup(rule, record);
  if (!lookup) return undefined;
  const ctx = run.ctx;
  const origin = originOf(input.plan, rule.clauses[0]!);
  const rows: string[] = [];
  const seen = (root: unknown): void => {
    const found = ctx.discovered;
    if (!found?.has(record)) return;
    const key = origin ? String(field(root, origin.key)) : "(a row)";
    if (!rows.includes(key)) rows.push(key);
  };
  ctx.discovered = new RecordRefSet();
  try {
    // A row's lookups are noted as its clauses run: a row that found the record is one that looked it up.
    const compiled = compileClauses(rule.clauses, ctx, false, (_clause, _frame, root) => {
      seen(root);
      ctx.discovered = new RecordRefSet();
    });
    compiled.run((_frame, root) => seen(root), () => undefined);
  } catch (error) {
    if (!(error instanceof SkipRow)) throw error;
  } finally {
    ctx.discovered = undefined;
  }
  const action = rule.action;
  const target = `${action.system}.${action.collection}`;
  const from = origin ? `${origin.system}.${origin.collection}` : "its rows";
  const shownRows = rows.length > 10 ? `${rows.slice(0, 10).join(", ")} and ${rows.length - 10} more` : rows.join(", ");
  return {
    ...place(rule.span),
    rule: `${clauseText(rule.clauses[0]!)} ... ${action.kind === "delete" ? "delete" : action.mode} ${target}`,
    role: "looks up",
    clauses: [],
    writes: [],
    summary:
      lookup.op === "find"
        ? // A lookup by fields is not traced record by record: what the run found is said as a possibility.
          `may look it up by ${exprText(lookup)}, for ${from}`
        : rows.length === 0
          ? `looks records up by ${exprText(lookup)}; none of its rows looked this one up`
          : `looks it up by ${exprText(lookup)}, for ${from} ${shownRows}`,
  };
}

function explainRule(input: RunInput, run: SettledRun, rule: RulePlan, record: RecordRef, changes: ReturnType<typeof runPlan>["changes"]): RuleExplanation | undefined {
  const { plan } = input;
  const origin = originOf(plan, rule.clauses[0]!);
  const action = rule.action;
  const fromIt = origin?.system === record.system && origin.collection === record.collection;
  const writesIt = action.system === record.system && action.collection === record.collection;
  if (!fromIt && !writesIt) return looksUp(input, run, rule, record);
  const ctx = run.ctx;
  const n = rule.clauses.length;
  // Each root's deepest clause reached, with the row's values then: where it stopped, or n when it passed them all.
  let deepest = -1;
  let atDeepest: Frame = [];
  const emitted: { frame: Frame; root: unknown }[] = [];
  let skipReason: string | undefined;
  const isOwn = (root: unknown): boolean => fromIt && String(field(root, origin!.key)) === record.key;
  const compiled = compileClauses(rule.clauses, ctx, false, (clause, frame, root) => {
    if (!isOwn(root)) return;
    if (clause > deepest) {
      deepest = clause;
      atDeepest = frame.slice();
    }
  });
  const key = compileExpr(action.key, compiled.slots, ctx);
  const compile = (e: Expr) => compileExpr(e, compiled.slots, ctx);
  try {
    compiled.run(
      (frame, root) => {
        if (isOwn(root) || (writesIt && !fromIt && String(key(frame) ?? "") === record.key)) emitted.push({ frame: frame.slice(), root });
      },
      (root, reason) => {
        if (isOwn(root)) skipReason = reason;
      },
      fromIt ? isOwn : undefined,
    );
  } catch (error) {
    if (!(error instanceof SkipRow)) throw error;
    skipReason = error.reason;
  }
  if (fromIt && deepest < 1 && emitted.length === 0 && skipReason === undefined) deepest = 1;
  const target = `${action.system}.${action.collection}`;
  const ruleText = `${clauseText(rule.clauses[0]!)} ... ${action.kind === "delete" ? "delete" : action.mode} ${target}`;

  const clauses: ClauseExplanation[] = [];
  if (fromIt) {
    rule.clauses.forEach((c, i) => {
      const at = place(c.span);
      const text = clauseText(c);
      if (i === 0) return clauses.push({ ...at, text, result: "passed", why: `the rule's rows are the records of ${record.system}.${record.collection}: this is one` });
      if (i > deepest) return undefined;
      const frame = i === deepest ? atDeepest : (emitted[0]?.frame ?? atDeepest);
      const stopped = i === deepest && deepest < n;
      if (c.kind === "where") return clauses.push({ ...at, text, result: stopped ? "stopped" : "passed", why: stopped ? "its condition did not hold" : "its condition held", checks: checks(c.condition, frame, compile, at) });
      if (c.kind === "skip") return clauses.push({ ...at, text, result: stopped ? "stopped" : "passed", why: stopped ? `skipped: ${skipReason ?? show(safe(() => compile(c.reason)(frame)))}` : "its condition did not hold", checks: checks(c.condition, frame, compile, at) });
      if (c.kind === "let") {
        if (stopped) return clauses.push({ ...at, text, result: "stopped", why: `skipped: ${skipReason ?? "its value could not be computed"}` });
        const slot = compiled.slots.get(c.name)!;
        return clauses.push({ ...at, text, result: "passed", why: `${c.name} = ${show(frame[slot])}` });
      }
      return clauses.push({ ...at, text, result: stopped ? "stopped" : "passed", why: stopped ? "it found no rows" : "it found rows" });
    });
  }

  const writes: RuleExplanation["writes"][number][] = [];
  const state = ctx.workspace.collection(action.system, action.collection);
  for (const { frame, root } of emitted) {
    const k = key(frame);
    if (isEmpty(k)) continue;
    const ks = String(k);
    if (writes.some((w) => w.key === ks)) continue;
    const change = changes.find((c) => c.system === action.system && c.collection === action.collection && c.key === ks);
    const src = !fromIt && origin ? ` (for ${origin.system}.${origin.collection} ${String(field(root, origin.key))})` : "";
    if (change) {
      const fields = Object.fromEntries(change.changedFields.map((f) => [f, field(change.after, f)]));
      writes.push({ system: action.system, collection: action.collection, key: ks, what: `${change.action}s ${target} ${ks}${src}`, ...(change.action !== "delete" ? { fields } : {}) });
    } else {
      const exists = state.original?.has(ks) ?? false;
      const what = action.kind === "write" && action.mode === "create" && exists ? `${target} ${ks} exists already, and the rule only creates${src}` : `${target} ${ks} already holds what the rule writes${src}`;
      writes.push({ system: action.system, collection: action.collection, key: ks, what });
    }
  }
  // A record the rule wrote before, whose rows have all gone: its totals become those of no rows.
  let emptied: string | undefined;
  if (writesIt && emitted.length === 0 && action.kind === "write" && action.grouped) {
    const change = changes.find((c) => c.system === record.system && c.collection === record.collection && c.key === record.key && new RegExp(`the rule at line ${rule.span[0]}(?!\\d)`).test(c.outcome.reason));
    if (change?.after) {
      const fields = Object.fromEntries(change.changedFields.map((f) => [f, field(change.after, f)]));
      writes.push({ system: action.system, collection: action.collection, key: record.key, what: `updates ${target} ${record.key}`, fields });
      emptied = `no row is left for it: the rule wrote it before, so its totals become those of no rows (${change.changedFields.join(", ")})`;
    }
  }
  const stoppedAt = clauses.find((c) => c.result === "stopped");
  const summary =
    emptied ??
    (stoppedAt
      ? `stopped at ${stoppedAt.text.split(" ")[0]} (${stoppedAt.line}:${stoppedAt.column}): ${stoppedAt.why}`
      : writes.length > 0
        ? writes.map((w) => w.what).join("; ")
        : fromIt
          ? "passed every clause, and its key was empty: nothing written"
          : "no row of the rule writes this record");
  return { ...place(rule.span), rule: ruleText, role: fromIt ? "from" : "writes", clauses, writes, summary };
}
