// Views and `from` rules at run time. A view's rows are recomputed each round; a rule's rows
// are grouped by the key of the record they write, so aggregates add up a group, and a
// run scoped to an event writes the groups its records take part in, computed whole.
import type { Assignment, RulePlan, ViewPlan } from "../plan/types.js";
import { compileClauses } from "./clauses.js";
import type { RunContext, ViewRows } from "./context.js";
import { compileExpr, plainField, SkipRow, type Compiled, type Frame } from "./expressions.js";
import { children, some, walk } from "../plan/walk.js";
import type { Expr } from "../plan/types.js";
import type { StateDraft } from "../state/draft.js";
import { exprText } from "./explain-text.js";
import type { RunScope } from "./links.js";
import type { Outcomes } from "./outcomes.js";
import { field, isEmpty, setKey, type Rec } from "../json/values.js";
import type { Writer } from "./writer.js";
import type { CollectionState } from "./workspace.js";

/** The collection whose records a row's root is, when it is one: where skips are reported. */
export interface Origin {
  readonly system: string;
  readonly collection: string;
  readonly key: string;
}

export class ViewRun {
  private readonly clauses;
  private readonly select: Compiled;
  private version = 0;

  constructor(
    readonly plan: ViewPlan,
    private readonly ctx: RunContext,
    private readonly outcomes: Outcomes,
    private readonly origin: Origin | undefined,
    private readonly scope: RunScope,
    /** The collection whose records the rows are, one each, when the view is such (viewOfRecords). */
    private readonly records?: CollectionState,
  ) {
    this.clauses = compileClauses(plan.clauses, ctx, records !== undefined);
    this.select = compileExpr(plan.select, this.clauses.slots, ctx);
  }

  compute(): void {
    const rows: unknown[] = [];
    let skipped = false;
    this.clauses.run(
      (frame) => rows.push(this.select(frame)),
      (root, reason) => {
        skipped = true;
        reportSkip(this.outcomes, this.origin, this.scope, root, reason);
      },
    );
    let byKey: Map<string, unknown> | undefined;
    if (this.plan.keyAlias && this.origin) {
      byKey = new Map();
      for (const row of rows) byKey.set(String(field(row, this.origin.key)), row);
    }
    const over = this.records?.partial ? this.records : undefined;
    this.ctx.views.set(this.plan.name, { rows, ...(byKey ? { byKey } : {}), ...(over ? { over } : {}), ...(skipped ? { skipped: true as const } : {}), version: ++this.version } satisfies ViewRows);
  }
}

export function reportSkip(outcomes: Outcomes, origin: Origin | undefined, scope: RunScope, root: unknown, reason: string): void {
  if (!origin) return;
  const key = field(root, origin.key);
  if (isEmpty(key)) return;
  if (!scope.includes(origin.system, origin.collection, String(key))) return;
  outcomes.add(origin.system, origin.collection, String(key), "skip", reason);
}

/**
 * Whether each record of a rule's first `from` writes records of its own: the key it writes
 * reads the record's key (`"rd-gift-" + gift.id`), so no two records share a group. Such a
 * rule decides a record from that record and what it looks up, and a run that read its
 * collection in part runs it over the records read. Any other rule may add up a group
 * across records: it needs its collection whole.
 */
export function decidesAlone(plan: RulePlan, origin: Origin | undefined, views: readonly ViewPlan[]): boolean {
  const first = plan.clauses[0];
  if (!origin || first?.kind !== "from" || first.source.op !== "rows") return false;
  const source = first.source.source;
  if ("view" in source && !viewOfRecords(views.find((v) => v.name === source.view))) return false;
  return some(plan.action.key, (e) => plainField(e, first.alias) === origin.key);
}

/**
 * The collection a view selects records of, one row per record and each decided from that
 * record and what it looks up (one `from`, selecting its item): such a view, over a
 * collection read in part, is computed over the records read. Any other view needs its
 * collections whole.
 */
export function viewOfRecords(view: ViewPlan | undefined): { readonly system: string; readonly collection: string } | undefined {
  if (!view?.keyAlias || view.clauses.filter((c) => c.kind === "from").length !== 1) return undefined;
  const first = view.clauses[0];
  if (first?.kind !== "from" || first.source.op !== "rows" || "view" in first.source.source) return undefined;
  return first.source.source;
}

/**
 * Where a rule that adds up groups keeps the keys of the records it wrote (a link of its own
 * in the state, each key paired with itself): a group that later loses every row is found
 * there and gets its totals' empty values, so a total drops to 0 instead of keeping its last sum.
 */
export interface KeptGroups {
  readonly state: StateDraft;
  readonly id: string;
  /** The views the rule reads, through one another: a row skipped there may have been a group's. */
  readonly views: readonly string[];
}

/**
 * The state's name for the groups a rule writes, apart from any link's (`a.x<->b.y`): its
 * target, key and totals, so that it stays the rule's own when other rules are added,
 * removed or moved, and a rule whose key or totals change starts afresh.
 */
export function groupsId(rule: RulePlan): string {
  const action = rule.action;
  if (action.kind !== "write") throw new Error("only a rule that writes adds up groups");
  const totals = action.assignments.filter((a) => !a.initially && totalOnly(a.value)).map((a) => a.field.join("."));
  return `groups ${action.system}.${action.collection} by ${exprText(action.key)}: ${totals.join(", ")}`;
}

/** Whether a value reads its rows only inside aggregates: with no rows left it still has a value (count 0). */
function totalOnly(value: Expr): boolean {
  let aggregates = false;
  const stack = [value];
  while (stack.length > 0) {
    const e = stack.pop()!;
    if (e.op === "aggregate") aggregates = true;
    else if (e.op === "var") return false;
    else stack.push(...children(e));
  }
  return aggregates;
}

interface CompiledAssignment {
  readonly plan: Assignment;
  readonly value: Compiled;
  readonly addOnlyWhen?: Compiled;
}

export class RuleRun {
  private readonly clauses;
  private readonly key: Compiled;
  private readonly assignments: CompiledAssignment[];
  readonly label: string;
  /** Records this rule wrote that existed before the run: what its safety limits measure. */
  readonly managed = new Set<string>();
  /** The totals a group with no rows left still has: assignments that read rows only inside aggregates. */
  private readonly totals: CompiledAssignment[];

  constructor(
    readonly plan: RulePlan,
    private readonly ctx: RunContext,
    private readonly writer: Writer,
    private readonly outcomes: Outcomes,
    private readonly origin: Origin | undefined,
    private readonly scope: RunScope,
    /** Whether each record of its first `from` decides alone (decidesAlone): then it runs over the records read. */
    alone = false,
    /** For a rule that adds up groups: where the keys it wrote are kept. */
    private readonly kept?: KeptGroups,
  ) {
    this.clauses = compileClauses(plan.clauses, ctx, alone);
    this.key = compileExpr(plan.action.key, this.clauses.slots, ctx);
    this.assignments =
      plan.action.kind === "write"
        ? plan.action.assignments.map((a) => ({
            plan: a,
            value: compileExpr(a.value, this.clauses.slots, ctx),
            ...(a.addOnlyWhen ? { addOnlyWhen: compileExpr(a.addOnlyWhen, this.clauses.slots, ctx) } : {}),
          }))
        : [];
    this.label = `the rule at line ${plan.span[0]}`;
    this.totals = this.assignments.filter((a) => !a.plan.initially && !a.addOnlyWhen && totalOnly(a.plan.value));
  }

  private inScope(root: unknown): boolean {
    if (!this.origin) return true;
    const key = field(root, this.origin.key);
    return isEmpty(key) || this.scope.includes(this.origin.system, this.origin.collection, String(key));
  }

  run(): void {
    const action = this.plan.action;
    if (!this.scope.canWrite(action.system)) return;
    this.askForLookedUp();
    const groups = new Map<string, { frames: Frame[]; roots: unknown[]; inScope: boolean }>();
    let skipped = false;
    this.clauses.run(
      (frame, root) => {
        const key = this.key(frame);
        if (isEmpty(key)) return;
        const k = String(key);
        let group = groups.get(k);
        if (!group) groups.set(k, (group = { frames: [], roots: [], inScope: false }));
        group.frames.push(frame);
        group.roots.push(root);
        if (!group.inScope && this.inScope(root)) group.inScope = true;
      },
      (root, reason) => {
        skipped = true;
        reportSkip(this.outcomes, this.origin, this.scope, root, reason);
      },
    );
    const collection = this.ctx.workspace.collection(action.system, action.collection);
    for (const [key, group] of groups) {
      if (!group.inScope) continue;
      if (action.kind === "delete") {
        this.writer.delete(action.system, action.collection, key, this.label);
        continue;
      }
      try {
        this.write(key, group.frames, collection.get(key), collection.original?.has(key) ?? false);
      } catch (error) {
        if (!(error instanceof SkipRow)) throw error;
        for (const root of group.roots) reportSkip(this.outcomes, this.origin, this.scope, root, error.reason);
      }
    }
    if (this.kept) this.keepGroups(this.kept, groups, collection, skipped);
  }

  /**
   * Notes the groups written, and gives a group written before that has no rows now its
   * totals' empty values (count 0, sum 0, an empty set; min and max none). Only where the run
   * knows the group lost them: over the whole state, for every record, with no row skipped
   * (a skipped row may be one of its own). A run over a state read by key (an event, an
   * incremental run) leaves that to the next run over everything.
   */
  private keepGroups(kept: KeptGroups, groups: ReadonlyMap<string, { inScope: boolean }>, collection: CollectionState, skipped: boolean): void {
    const action = this.plan.action;
    const before = kept.state.keysBefore(kept.id);
    for (const [key, group] of groups) {
      if (!group.inScope || !collection.get(key)) continue;
      const existed = collection.original?.has(key) ?? false;
      // A rule that only creates never wrote a record that was there.
      if (action.kind === "write" && action.mode === "create" && existed) continue;
      // Read by key, only what this run made or changed is noted: the rest was noted by the
      // run over everything that wrote it, and a pair noted again is a pair written again.
      if (before === undefined && existed && !collection.changed(key)) continue;
      kept.state.note(kept.id, key, key);
    }
    if (!before || this.scope.some || skipped || this.totals.length === 0) return;
    if (kept.views.some((v) => this.ctx.views.get(v)?.skipped)) return;
    for (const key of before) {
      if (groups.has(key)) continue;
      // A record that is gone is no longer the rule's to keep.
      if (!collection.get(key)) {
        kept.state.forget(kept.id, key);
        continue;
      }
      if (collection.original?.has(key)) this.managed.add(key);
      for (const a of this.totals) {
        let value: unknown;
        try {
          value = a.value([], []);
        } catch (error) {
          if (error instanceof SkipRow) continue;
          throw error;
        }
        this.writer.set(action.system, action.collection, key, a.plan.field, value, this.label);
      }
    }
  }

  /**
   * Read in part, a rule that looks a row of a view up by a field of its own (`changed_users[
   * registration.UserUid]`) needs every record of its own whose field names a row there:
   * over everything, each of those would find its row and go on.
   */
  private askForLookedUp(): void {
    const first = this.plan.clauses[0];
    // A run scoped to some records writes none it would find this way.
    if (!this.origin || first?.kind !== "from" || this.scope.some) return;
    const own = this.ctx.workspace.collection(this.origin.system, this.origin.collection);
    if (!own.partial) return;
    for (const clause of this.plan.clauses) {
      const exprs = clause.kind === "from" ? [clause.source] : clause.kind === "let" ? [clause.value] : clause.kind === "where" ? [clause.condition] : [clause.reason, clause.condition];
      for (const expr of exprs) {
        walk(expr, (e) => {
          // Into a view of records read in part (the users changed since the last run): a
          // record merely looked up (an event by its key) is not known to have changed.
          if (e.op !== "byKey" || !("view" in e.source)) return;
          const field = plainField(e.key, first.alias);
          if (field === undefined) return;
          for (const key of this.ctx.viewKeys(e.source.view)) own.require(field, key);
        });
      }
    }
  }

  private write(key: string, frames: Frame[], existing: Rec | null, existedBefore: boolean): void {
    const action = this.plan.action;
    if (action.kind !== "write") return;
    const first = frames[0]!;
    if (!existing) {
      // `update` writes only into records that are there.
      if (action.mode === "update") return;
      const values = this.assignments.map((a) => [a.plan.field, a.value(first, frames)] as const);
      const created = this.writer.create(action.system, action.collection, key, values, this.label);
      if (typeof created === "string") throw new SkipRow(created);
      return;
    }
    if (action.mode === "create") return;
    if (existedBefore) this.managed.add(key);
    for (const a of this.assignments) {
      if (a.plan.initially) continue;
      let value = a.value(first, frames);
      if (a.addOnlyWhen && a.addOnlyWhen(first, frames) === true && Array.isArray(value)) {
        // Add only: what is there stays, and what is new joins it.
        const current = field(existing, a.plan.field[0]!);
        const have = Array.isArray(current) ? current : [];
        const seen = new Set(have.map(setKey));
        value = [...have, ...value.filter((v) => !seen.has(setKey(v)))];
      }
      this.writer.set(action.system, action.collection, key, a.plan.field, value, this.label);
    }
  }
}
