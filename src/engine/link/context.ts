// The link as each of its units sees it: the two sides' collections and keys, what the run
// may write and touch, and a skipped record's report (once a run). Pairing, creates, the
// mappings and write back share this one object, so a skip one of them reports is seen by
// the others, and every write carries the same label.
import type { LinkPlan, LinkSide, Side } from "../../plan/types.js";
import type { RunContext } from "../context.js";
import { compileExpr, type Compiled, type Frame } from "../expressions.js";
import type { Outcomes } from "../outcomes.js";
import { field, type Rec } from "../../json/values.js";
import type { Touches, Writer } from "../writer.js";
import type { CollectionState } from "../workspace.js";
import type { RunTrace } from "../explain-trace.js";

/** What a run may do: which sides it may write, and which records it may touch. */
export interface RunScope {
  canWrite(system: string): boolean;
  /** Whether a record is in an event's scope (always, for a full run). */
  includes(system: string, collection: string, key: string): boolean;
  /** Set when the scope is some records (an event's): what a rule reaches beyond them is not its to write. */
  readonly some?: boolean;
}

/**
 * A record's counterpart: its key, and the record as it was when paired. The record is read
 * as it stands now through the key (CollectionState.current), so a write this run is seen.
 */
export interface Counterpart {
  readonly key: string;
  readonly seen: Rec;
  /** For a left record found by pairing: its place among the left rows. */
  readonly place?: number;
}

/** What one round changed in one collection. */
export type Touched = Touches extends ReadonlyMap<string, infer T> ? T : never;

export class LinkContext {
  readonly leftState: CollectionState;
  readonly rightState: CollectionState;
  readonly leftKey: string;
  readonly rightKey: string;
  /** Whether a side reads a view: its rows are made again each round, so nothing is kept between rounds. */
  readonly overViews: boolean;
  private readonly label: string;
  private readonly slots = new Map<string, number>();
  /** Records skipped this run, reported once. */
  private readonly skipped = new Set<string>();

  constructor(
    readonly plan: LinkPlan,
    readonly ctx: RunContext,
    readonly writer: Writer,
    readonly outcomes: Outcomes,
    readonly scope: RunScope,
    /** Set only by `syncspec explain`. */
    readonly trace?: RunTrace,
  ) {
    const collections = ctx.workspace;
    this.leftState = collections.collection(plan.left.system, plan.left.collection);
    this.rightState = collections.collection(plan.right.system, plan.right.collection);
    this.leftKey = this.leftState.key;
    this.rightKey = this.rightState.key;
    this.overViews = "view" in plan.left.source || "view" in plan.right.source;
    this.label = `the link at line ${plan.span[0]}`;
    this.slots.set(plan.left.alias, 0);
    this.slots.set(plan.right.alias, 1);
  }

  /** An expression over the pair's frame: the left record in slot 0, the right in slot 1. */
  compile(expr: Parameters<typeof compileExpr>[0]): Compiled {
    return compileExpr(expr, this.slots, this.ctx);
  }

  side(side: Side): LinkSide {
    return side === "left" ? this.plan.left : this.plan.right;
  }

  keyOf(side: Side, record: unknown): string {
    return String(field(record, side === "left" ? this.leftKey : this.rightKey));
  }

  inScope(side: Side, key: string): boolean {
    const s = this.side(side);
    return this.scope.includes(s.system, s.collection, key);
  }

  canWrite(side: Side): boolean {
    return this.scope.canWrite(this.side(side).system);
  }

  /** Notes that a record of `side` holds a value that would flow to the other side, which this run may not write. */
  uncarried(side: Side, key: string): void {
    const s = this.side(side);
    this.ctx.uncarried.add({ system: s.system, collection: s.collection, key });
  }

  /** Reports a record as skipped, once a run, when it is in the run's scope. */
  skip(side: Side, record: unknown, reason: string): void {
    const s = this.side(side);
    const key = this.keyOf(side, record);
    if (!this.inScope(side, key)) return;
    const id = `${side}\u0000${key}`;
    if (this.skipped.has(id)) return;
    this.skipped.add(id);
    this.outcomes.add(s.system, s.collection, key, "skip", reason);
  }

  wasSkipped(side: Side, key: string): boolean {
    return this.skipped.has(`${side}\u0000${key}`);
  }

  write(side: Side, key: string, path: readonly string[], value: unknown): boolean {
    const s = this.side(side);
    return this.writer.set(s.system, s.collection, key, path, value, this.label);
  }

  /** Reads a pair's records again after a write. */
  refresh(frame: Frame, lk: string, l: Rec, rk: string, r: Rec): void {
    frame[0] = this.leftState.current(lk, l) ?? l;
    frame[1] = this.rightState.current(rk, r) ?? r;
  }

  /** What a round changed in each side's collection. */
  touchedIn(touches: Touches): { left?: Touched; right?: Touched } {
    const left = touches.get(`${this.plan.left.system}.${this.plan.left.collection}`);
    const right = touches.get(`${this.plan.right.system}.${this.plan.right.collection}`);
    return { ...(left ? { left } : {}), ...(right ? { right } : {}) };
  }
}
