// One run of a plan: snapshots, state, time, params and maybe an event in; one JSON Patch
// per system, an outcome for every record touched or skipped, and the next state out.
//
// A run is computed whole: views, then links (pairs, fields, creates), then rules, in
// rounds, each round seeing what the ones before wrote, until a round changes nothing.
import type { DirectionPlan, Expr, LinkPlan, Plan, RulePlan, Source, ViewPlan } from "../plan/types.js";
import { walk } from "../plan/walk.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { isByKey, StateDraft } from "../state/draft.js";
import { emptyState, type PairsByKey, type SyncState } from "../state/state.js";
import { compileClauses } from "./clauses.js";
import { RunContext } from "./context.js";
import { LinkRun, type RunScope } from "./links.js";
import { Outcomes, type Outcome } from "./outcomes.js";
import { changesOf, type RecordChange } from "./changes.js";
import { renderPatches, type Operation } from "./patch.js";
import { decidesAlone, groupsId, RuleRun, ViewRun, viewOfRecords, type KeptGroups, type Origin } from "./rules.js";
import type { Snapshot } from "../input/snapshots.js";
import { CollectionState, Workspace } from "./workspace.js";
import { Writer } from "./writer.js";
import { field, isEmpty } from "../json/values.js";
import { SkipRow } from "./expressions.js";
import { addResynced, eventScope, Reached, type ReachedRecord } from "./events.js";
import type { RunEvent } from "../input/event.js";
import { RecordRefSet } from "../input/record-ref.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { Misses, type Coverage } from "./coverage.js";
import type { SystemReadRequest } from "../input/read-request.js";
import type { RunTrace } from "./explain-trace.js";

/** Rounds after which a run that still changes something is declared never to settle. */
export const MAX_ROUNDS = 25;

export interface RunInput {
  readonly plan: Plan;
  readonly systems: SystemCatalog;
  /** One snapshot per system of the plan. */
  readonly snapshots: ReadonlyMap<string, Snapshot>;
  /** The last run's state: whole, or read a pair at a time from a store (its result then holds the changes alone). */
  readonly state?: SyncState | PairsByKey;
  /** The run's time, ISO-8601. */
  readonly now: string;
  /** Params with their values, defaults filled in (see params.ts). */
  readonly params: ReadonlyMap<string, unknown>;
  readonly event?: RunEvent;
  /** Events that waited together, run as one over the union of their records (all with the same targets: eventTargets). */
  readonly events?: readonly RunEvent[];
  /** A scheduled trigger's directions: the run writes only into their targets. Left out: every direction. */
  readonly directions?: readonly DirectionPlan[];
  /**
   * "system.collection" -> what the run was told, for each collection whose snapshot holds
   * only part of it (read-loop.ts). Left out: every collection given is whole.
   */
  readonly partial?: ReadonlyMap<string, Coverage>;
  /** `syncspec explain`: hooks told what the run decides for one record, and the run once it settles. */
  readonly trace?: RunTrace & { settled(run: SettledRun): void };
}

/** A run as it settled, for `syncspec explain` to read its pairs and evaluate over. */
export interface SettledRun {
  readonly ctx: RunContext;
  /** By the plan's link index; undefined for a link that did not run. */
  readonly links: readonly (LinkRun | undefined)[];
}

/** Why a run stopped and wrote nothing: a problem placed at the spec's line it comes from, when it has one. */
export type RunFailure = Problem;

export interface RunResult {
  /** What the run changes, record by record: everything below is rendered from it. */
  readonly changes: readonly RecordChange[];
  /** Each system's RFC 6902 patch, rendered from the changes. */
  readonly patches: Record<string, Operation[]>;
  readonly outcomes: Outcome[];
  /** The state to keep when the run's patches are applied. */
  readonly state: SyncState;
  /** Set when a safety rule stopped the run or it would never settle: nothing is to be written. */
  readonly failure?: RunFailure;
  /**
   * What a run over collections read in part needed and was not told: when set, the run
   * decided nothing (no changes, no failure); read these and run again.
   */
  readonly misses?: readonly SystemReadRequest[];
  /** Records holding a value this run would carry to the other side and, for its direction, may not. */
  readonly uncarried?: RecordRefSet;
  /** Of an event run: the records its events reached, and why (`plan --event` tells them). */
  readonly reached?: readonly ReachedRecord[];
}

export function runPlan(input: RunInput): RunResult {
  const { plan, systems } = input;
  const outcomes = new Outcomes();
  const before = input.state ?? emptyState();
  const synced = new StateDraft(isByKey(before) ? before : before.synced);
  // What a run that changes nothing keeps: the state as it was (read by key: no change to it).
  const kept: SyncState = isByKey(before) ? { lastRun: before.lastRun, synced: new Map(), changedOnly: true } : before;

  const workspace = new Workspace();
  const misses = new Misses();
  for (const [system, collections] of Object.entries(plan.collections)) {
    const snapshot = input.snapshots.get(system);
    for (const [name, { key }] of Object.entries(collections)) {
      const coverage = input.partial?.get(`${system}.${name}`);
      workspace.add(new CollectionState(system, name, key, snapshot?.get(name) ?? (coverage ? new Map() : undefined), coverage && { coverage, misses }));
    }
  }
  // A run that needed what it was not told decides nothing: its misses are read, and it runs again.
  const unchanged = (outcomes: Outcome[], state: SyncState, failure?: RunFailure): RunResult =>
    misses.empty ? nothingChanged(plan, outcomes, state, failure) : { ...nothingChanged(plan, [], state), misses: misses.requests() };
  const ctx = new RunContext(workspace, input.params, input.now, before.lastRun);
  const writer = new Writer(workspace, systems, outcomes);

  // What the run may write and touch: everything, or what an event's triggers allow.
  let scope: RunScope = { canWrite: () => true, includes: () => true };
  if (input.directions) {
    const into = new Set(input.directions.map((d) => d.to));
    scope = { canWrite: (system) => into.has(system), includes: () => true };
  }
  const events = input.events ?? (input.event ? [input.event] : []);
  const reached = new Reached();
  if (events.length > 0) {
    const scoped = eventScope(plan, systems, events, workspace, outcomes);
    if (!scoped) return unchanged(outcomes.list(), kept);
    scope = scoped.scope;
    for (const root of scoped.roots) reached.note(root, "the event names it");
    // What the triggers say the events re-sync, and the records the events' records refer
    // to, are synced as fully as if the events had named them.
    addResynced(plan, systems, events, workspace, ctx, scoped.roots, reached);
    discover(plan, ctx, scoped.roots, reached);
  }

  const unknown = unknownReads(plan, workspace);
  const disabled = (what: string, span: readonly number[], reads: Set<string>): boolean => {
    const missing = [...reads].filter((c) => unknown.has(c));
    if (missing.length === 0) return false;
    for (const c of missing) {
      const [system, collection] = c.split(".") as [string, string];
      outcomes.add(system, collection, null, "skip", `${c} is not in the snapshot, so ${what} at line ${span[0]} did not run: a collection left out is unknown, not empty`);
    }
    return true;
  };

  const views: ViewRun[] = [];
  for (const view of plan.views) {
    // A view that cannot be computed leaves nothing to read: the parts that read it do not run either.
    if (disabled("the view", view.span, readsOf(plan, { view }))) ctx.views.set(view.name, { rows: [], version: 0 });
    else {
      const records = viewOfRecords(view);
      views.push(new ViewRun(view, ctx, outcomes, originOf(plan, view.clauses[0]!), scope, records && workspace.collection(records.system, records.collection)));
    }
  }
  const links: (LinkRun | undefined)[] = plan.links.map((link) =>
    disabled("the link", link.span, readsOf(plan, { link })) ? undefined : new LinkRun(link, ctx, writer, outcomes, synced, scope, input.trace),
  );
  for (const link of links) ctx.links.push(link ?? { leftKey: "", rightKey: "", leftToRight: () => null, rightToLeft: () => null });
  const rules: RuleRun[] = plan.rules.flatMap((rule) => {
    const views = new Set<string>();
    if (disabled("the rule", rule.span, readsOf(plan, { rule }, views))) return [];
    const kept = rule.action.kind === "write" && rule.action.grouped ? { state: synced, id: groupsId(rule), views: [...views] } : undefined;
    return [ruleRun(plan, rule, ctx, writer, outcomes, scope, kept)];
  });

  // After the first round, a view or rule runs again only when something it reads changed.
  const viewReads = views.map((v) => readsOf(plan, { view: v.plan }));
  const ruleReads = rules.map((r) => readsOf(plan, { rule: r.plan }));
  const stale = (round: number, reads: Set<string>): boolean => round === 0 || [...reads].some((c) => writer.previous.has(c));
  let settled = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    writer.startRound();
    views.forEach((view, i) => stale(round, viewReads[i]!) && view.compute());
    for (const link of links) link?.pair(round, writer.previous);
    for (const link of links) link?.flow(round, writer.previous);
    rules.forEach((rule, i) => stale(round, ruleReads[i]!) && rule.run());
    if (!writer.changedThisRound) {
      settled = true;
      break;
    }
  }
  if (!settled) {
    return unchanged(outcomes.list(), kept, problem({ file: plan.source }, neverSettles(writer)));
  }
  writer.report();
  input.trace?.settled({ ctx, links });

  const failure = checkLimits(plan, workspace, rules);
  if (failure || !misses.empty) return unchanged(outcomes.list(), kept, failure);

  const list = outcomes.list();
  const changes = changesOf(workspace, systems, list);
  // The patches and the state to keep are built only when asked for: the service writes from
  // the changes and never renders patches, `plan` never keeps the state, and over 200,000
  // linked pairs building it is a tenth of a second.
  let patches: Record<string, Operation[]> | undefined;
  let state: SyncState | undefined;
  return {
    changes,
    outcomes: list,
    ...(ctx.uncarried.size > 0 ? { uncarried: ctx.uncarried } : {}),
    ...(events.length > 0 ? { reached: withCounterparts(plan, reached, ctx) } : {}),
    get patches(): Record<string, Operation[]> {
      return (patches ??= renderPatches([plan.systems.left, plan.systems.right], changes, systems));
    },
    get state(): SyncState {
      return (state ??= synced.result(input.now));
    },
  };
}

/** A run that changes nothing: no changes, empty patches, the state as it was. */
function nothingChanged(plan: Plan, outcomes: Outcome[], state: SyncState, failure?: RunFailure): RunResult {
  return { changes: [], patches: { [plan.systems.left]: [], [plan.systems.right]: [] }, outcomes, state, ...(failure ? { failure } : {}) };
}

function ruleRun(plan: Plan, rule: RulePlan, ctx: RunContext, writer: Writer, outcomes: Outcomes, scope: RunScope, kept: KeptGroups | undefined): RuleRun {
  const origin = originOf(plan, rule.clauses[0]!);
  return new RuleRun(rule, ctx, writer, outcomes, origin, scope, decidesAlone(rule, origin, plan.views), kept);
}

/** The records reached, with each one's linked counterparts: what the run synced them with. */
function withCounterparts(plan: Plan, reached: Reached, ctx: RunContext): readonly ReachedRecord[] {
  for (const record of [...reached.records]) {
    plan.links.forEach((link, i) => {
      const pairs = ctx.links[i];
      if (!pairs) return;
      for (const [side, other] of [
        [link.left, link.right],
        [link.right, link.left],
      ] as const) {
        if (record.system !== side.system || record.collection !== side.collection) continue;
        const found = side === link.left ? pairs.leftToRight(record.key) : pairs.rightToLeft(record.key);
        if (found === null || found instanceof SkipRow) continue;
        const key = field(found, side === link.left ? pairs.rightKey : pairs.leftKey);
        if (!isEmpty(key)) reached.note({ system: other.system, collection: other.collection, key: String(key) }, `paired with ${record.system}.${record.collection} ${record.key} by the link at line ${link.span[0]}`);
      }
    });
  }
  return reached.records;
}

/** Runs the clauses of the rules rooted at the event's records, noting every record they look up by key. */
function discover(plan: Plan, ctx: RunContext, roots: RecordRefSet, reached: Reached): void {
  const discovered = new RecordRefSet();
  const noop = new Outcomes();
  const all: RunScope = { canWrite: () => false, includes: () => true };
  for (const view of plan.views) {
    const records = viewOfRecords(view);
    ctx.discovered = new RecordRefSet();
    new ViewRun(view, ctx, noop, originOf(plan, view.clauses[0]!), all, records && ctx.workspace.collection(records.system, records.collection)).compute();
    for (const found of ctx.discovered) {
      discovered.add(found);
      reached.note(found, `looked up by the view ${view.name} (line ${view.span[0]})`);
    }
  }
  for (const rule of plan.rules) {
    const origin = originOf(plan, rule.clauses[0]!);
    if (!origin) continue;
    const isRoot = (root: unknown): boolean => roots.has({ system: origin.system, collection: origin.collection, key: String(field(root, origin.key)) });
    // A lookup that fails here (an ambiguous one) fails in the run too, and is reported there.
    // The roots are among the records read: a pass over those finds what they look up.
    ctx.discovered = new RecordRefSet();
    compileClauses(rule.clauses, ctx, true).run(() => undefined, () => undefined, isRoot);
    for (const found of ctx.discovered) {
      discovered.add(found);
      reached.note(found, `looked up by the rule at line ${rule.span[0]} from the event's ${origin.system}.${origin.collection}`);
    }
  }
  for (const found of discovered) roots.add(found);
  ctx.discovered = undefined;
  ctx.views.clear();
}

/**
 * The collections a view, link or rule reads or writes, through the views it reads and the
 * links it reads counterparts through: a `linked(...)` of a link that cannot run (a
 * collection it reads is unknown) would find no counterpart, which is not the same as none.
 * The views it reads are added to `seenViews`.
 */
function readsOf(plan: Plan, what: { view: ViewPlan } | { link: LinkPlan } | { rule: RulePlan }, seenViews = new Set<string>()): Set<string> {
  const found = new Set<string>();
  const seenLinks = new Set<LinkPlan>();
  const source = (s: Source): void => {
    if ("view" in s) {
      if (seenViews.has(s.view)) return;
      seenViews.add(s.view);
      const view = plan.views.find((v) => v.name === s.view);
      if (view) exprs(view.clauses.flatMap(clauseExprs).concat([view.select]));
    } else found.add(`${s.system}.${s.collection}`);
  };
  const link = (l: LinkPlan): void => {
    if (seenLinks.has(l)) return;
    seenLinks.add(l);
    source(l.left.source);
    source(l.right.source);
    found.add(`${l.left.system}.${l.left.collection}`);
    found.add(`${l.right.system}.${l.right.collection}`);
    exprs(l.matches.flatMap((m) => [...m.keys.flatMap((k) => [k.left, k.right]), ...(m.leftCondition ? [m.leftCondition] : []), ...(m.rightCondition ? [m.rightCondition] : [])]));
    exprs(l.skips.flatMap((x) => [x.reason, x.condition]));
    exprs(l.creates.flatMap((c) => [c.key, ...(c.condition ? [c.condition] : []), ...c.assignments.map((a) => a.value)]));
    exprs(l.mappings.flatMap((m) => [...(m.condition ? [m.condition] : []), ...(m.kind === "oneWay" ? [m.value] : [])]));
  };
  const exprs = (list: readonly Expr[]): void => {
    for (const expr of list) {
      walk(expr, (e) => {
        if (e.op === "rows" || e.op === "byKey" || e.op === "find") source(e.source);
        else if (e.op === "linked" && plan.links[e.link]) link(plan.links[e.link]!);
      });
    }
  };
  if ("view" in what) source({ view: what.view.name });
  else if ("link" in what) link(what.link);
  else {
    const rule = what.rule;
    exprs(rule.clauses.flatMap(clauseExprs));
    found.add(`${rule.action.system}.${rule.action.collection}`);
    exprs([rule.action.key, ...(rule.action.kind === "write" ? rule.action.assignments.flatMap((a) => [a.value, ...(a.addOnlyWhen ? [a.addOnlyWhen] : [])]) : [])]);
  }
  return found;
}

function clauseExprs(c: Plan["rules"][number]["clauses"][number]): Expr[] {
  switch (c.kind) {
    case "from":
      return [c.source];
    case "let":
      return [c.value];
    case "where":
      return [c.condition];
    case "skip":
      return [c.reason, c.condition];
  }
}

function unknownReads(plan: Plan, workspace: Workspace): Set<string> {
  const unknown = new Set<string>();
  for (const [system, collections] of Object.entries(plan.collections)) {
    for (const name of Object.keys(collections)) if (!workspace.collection(system, name).known) unknown.add(`${system}.${name}`);
  }
  return unknown;
}

/** The collection of the records a first `from` iterates, directly or through keyed views. */
export function originOf(plan: Plan, first: Plan["rules"][number]["clauses"][number]): Origin | undefined {
  if (first.kind !== "from" || first.source.op !== "rows") return undefined;
  let source: Source = first.source.source;
  for (let hops = 0; hops < plan.views.length + 1; hops++) {
    if (!("view" in source)) {
      const key = plan.collections[source.system]?.[source.collection]?.key;
      return key === undefined ? undefined : { system: source.system, collection: source.collection, key };
    }
    const view = plan.views.find((v) => v.name === (source as { view: string }).view);
    const inner = view?.clauses[0];
    if (!view?.keyAlias || !inner || inner.kind !== "from" || inner.source.op !== "rows") return undefined;
    source = inner.source.source;
  }
  return undefined;
}

/** Safety rules: a run that would remove (or delete) more than its share fails whole. */
function checkLimits(plan: Plan, workspace: Workspace, rules: readonly RuleRun[]): RunFailure | undefined {
  for (const limit of plan.limits) {
    const state = workspace.collection(limit.system, limit.collection);
    if (!state.original) continue;
    let removed = 0;
    let total = 0;
    if (limit.measure === "removals") {
      const managed = new Set<string>();
      for (const rule of rules) {
        if (rule.plan.action.system === limit.system && rule.plan.action.collection === limit.collection) for (const key of rule.managed) managed.add(key);
      }
      for (const key of managed) {
        const before = field(state.original.get(key), limit.field!);
        const after = field(state.get(key), limit.field!);
        const had = Array.isArray(before) ? before : [];
        const has = new Set((Array.isArray(after) ? after : []).map((v) => JSON.stringify(v)));
        total += had.length;
        removed += had.filter((v) => !has.has(JSON.stringify(v))).length;
      }
    } else {
      // Read in part, a collection is measured against its size when last read whole, where known.
      total = state.partial?.coverage.total ?? state.original.size;
      for (const key of state.changedKeys()) if (state.original.has(key) && isEmpty(state.get(key))) removed++;
    }
    // A floor (`when more than N`) lets a small run through whatever its share: deleting 3 of 4 is no mass delete.
    if (total > 0 && (removed / total) * 100 > limit.percent && removed > (limit.floor ?? 0)) {
      const counts = { removed, total, collection: limit.collection, share: ((removed / total) * 100).toFixed(1), percent: limit.percent, line: limit.span[0] };
      const field = limit.field ?? "";
      const floor = limit.floor;
      return problem(
        { file: plan.source, line: limit.span[0], column: limit.span[1] },
        limit.measure === "removals"
          ? floor === undefined
            ? message("RUN002", "removals", { ...counts, field })
            : message("RUN002", "removalsOverFloor", { ...counts, field, floor })
          : floor === undefined
            ? message("RUN002", "deletes", counts)
            : message("RUN002", "deletesOverFloor", { ...counts, floor }),
      );
    }
  }
  return undefined;
}

/**
 * Why a run never settled, with the field and the record: one that two causes set in the
 * last round (each to its value), else the first field set then.
 */
function neverSettles(writer: Writer): Message<"RUN001"> {
  const causes = [...writer.causesThisRound];
  const still = causes.length === 1 ? `${causes[0]} still changes what it wrote` : `${causes.join(" and ")} still change what the other wrote`;
  const sets = writer.setsThisRound;
  const fought = sets.find((a) => sets.some((b) => b !== a && b.record === a.record && b.field === a.field && b.cause !== a.cause)) ?? sets[0];
  if (!fought) return message("RUN001", "neverSettles", { rounds: MAX_ROUNDS, still });
  const setters = sets.filter((s) => s.record === fought.record && s.field === fought.field);
  const by = setters.map((s) => `to ${JSON.stringify(s.value)} by ${s.cause}`).join(", then ");
  return message("RUN001", "neverSettlesAt", { rounds: MAX_ROUNDS, still, field: fought.field, record: fought.record, by });
}
