// A link at run time: pairs its records (matches tried in order; two candidates skip the
// record, with the reason), creates counterparts for unlinked records, and makes each pair's
// fields flow: one-way fields copy, two-way fields merge three ways against the last synced
// values, and the conflict policy decides when both sides changed.
import type { Expr, LinkPlan, MappingPlan, Side } from "../plan/types.js";
import { some, walk } from "../plan/walk.js";
import { NOT_SYNCED, syncedValue } from "../state/state.js";
import type { LinkDraft, StateDraft } from "../state/draft.js";
import type { LinkPairs, RunContext } from "./context.js";
import { rowKey } from "./context.js";
import { compileExpr, SkipRow, type Compiled, type Frame } from "./expressions.js";
import type { Outcomes } from "./outcomes.js";
import { equal, field, isEmpty, moment, type Rec } from "../json/values.js";
import { readPath, writePath, type Touches, type Writer } from "./writer.js";
import { FUNCTIONS_BY_NAME } from "../language/functions/catalog.js";
import type { CollectionState } from "./workspace.js";
import { setMember } from "../json/own.js";

/** What a run may do: which sides it may write, and which records it may touch. */
export interface RunScope {
  canWrite(system: string): boolean;
  /** Whether a record is in an event's scope (always, for a full run). */
  includes(system: string, collection: string, key: string): boolean;
}

interface CompiledMapping {
  readonly plan: MappingPlan;
  readonly condition?: Compiled;
  readonly value?: Compiled;
  /** `as FUNCTION`: values compare through it. */
  readonly normalize?: (value: unknown) => unknown;
  /** A two-way object field's renamed sub-fields, as two lists: left names, right names. */
  readonly renames?: { readonly left: readonly string[]; readonly right: readonly string[] };
}

/** Whether two values are the same for a mapping: equal, or equal through its `as` function. */
function sameFor(m: CompiledMapping, a: unknown, b: unknown): boolean {
  return m.normalize ? equal(m.normalize(a), m.normalize(b)) : equal(a, b);
}

/** Two or more rows an index key finds (a row may itself be a list, in a view). */
class Several {
  constructor(readonly rows: Rec[]) {}
}

/**
 * A record's counterpart: its key, and the record as it was when paired. The record is read
 * as it stands now through the key (CollectionState.current), so a write this run is seen.
 */
interface Counterpart {
  readonly key: string;
  readonly seen: Rec;
  /** For a left record found by pairing: its place among the left rows. */
  readonly place?: number;
}

export class LinkRun implements LinkPairs {
  readonly leftKey: string;
  readonly rightKey: string;
  private leftPairs = new Map<string, Counterpart | SkipRow>();
  private rightPairs = new Map<string, Counterpart | SkipRow>();
  /**
   * The left rows' pairs by place, as pairing found them: a pass over the rows reads them in
   * order, with no lookup by key into 200,000 pairs. Good while the left side's shape stands.
   */
  private byPlace?: { readonly shape: number; readonly pairs: readonly (Counterpart | SkipRow | undefined)[] };
  private readonly label: string;
  private readonly slots = new Map<string, number>();
  private readonly matches: { left: Compiled[]; right: Compiled[]; leftCondition?: Compiled; rightCondition?: Compiled }[];
  private readonly skips: { side: Side; reason: Compiled; condition: Compiled }[];
  private readonly creates: { into: Side; key: Compiled; condition?: Compiled; assignments: { field: readonly string[]; value: Compiled }[]; label: string }[];
  private readonly mappings: CompiledMapping[];
  private readonly writeBack?: { into: Side; value: Compiled; target: readonly string[] };
  private readonly stamps?: { left: Compiled; right: Compiled };
  /** Records skipped this run, reported once. */
  private readonly skipped = new Set<string>();
  private readonly leftState: CollectionState;
  private readonly rightState: CollectionState;
  /** Fields of each side that matching reads, and whether matching reads anything beyond the record. */
  private readonly matchReads: { left: Set<string>; right: Set<string>; beyond: boolean };
  /** Whether a pair's fields, creates and write-back read anything beyond the pair's two records. */
  private readonly flowReadsBeyond: boolean;
  private readonly overViews: boolean;
  /** The link's last synced values, and this run's changes to them. */
  private readonly synced: LinkDraft;

  constructor(
    readonly plan: LinkPlan,
    private readonly ctx: RunContext,
    private readonly writer: Writer,
    private readonly outcomes: Outcomes,
    state: StateDraft,
    private readonly scope: RunScope,
  ) {
    this.synced = state.link(plan.id);
    const collections = ctx.workspace;
    this.leftState = collections.collection(plan.left.system, plan.left.collection);
    this.rightState = collections.collection(plan.right.system, plan.right.collection);
    this.leftKey = this.leftState.key;
    this.rightKey = this.rightState.key;
    this.overViews = "view" in plan.left.source || "view" in plan.right.source;
    const matchExprs = [
      ...plan.matches.flatMap((m) => [...m.keys.flatMap((k) => [k.left, k.right]), ...(m.leftCondition ? [m.leftCondition] : []), ...(m.rightCondition ? [m.rightCondition] : [])]),
      ...plan.skips.flatMap((sk) => [sk.reason, sk.condition]),
    ];
    this.matchReads = {
      left: fieldsRead(matchExprs, plan.left.alias),
      right: fieldsRead(matchExprs, plan.right.alias),
      beyond: matchExprs.some(readsBeyond),
    };
    this.flowReadsBeyond = [
      ...plan.mappings.flatMap((m) => [...(m.condition ? [m.condition] : []), ...(m.kind === "oneWay" ? [m.value] : [])]),
      ...(plan.writeBack ? [plan.writeBack.value] : []),
      ...plan.creates.flatMap((cr) => [cr.key, ...(cr.condition ? [cr.condition] : []), ...cr.assignments.map((a) => a.value)]),
      ...(plan.conflicts?.policy === "newest" ? [plan.conflicts.left, plan.conflicts.right] : []),
    ].some(readsBeyond);
    this.label = `the link at line ${plan.span[0]}`;
    this.slots.set(plan.left.alias, 0);
    this.slots.set(plan.right.alias, 1);
    const c = (e: Parameters<typeof compileExpr>[0]) => compileExpr(e, this.slots, ctx);
    this.matches = plan.matches.map((m) => ({
      left: m.keys.map((k) => c(k.left)),
      right: m.keys.map((k) => c(k.right)),
      ...(m.leftCondition ? { leftCondition: c(m.leftCondition) } : {}),
      ...(m.rightCondition ? { rightCondition: c(m.rightCondition) } : {}),
    }));
    this.skips = plan.skips.map((s) => ({ side: s.side, reason: c(s.reason), condition: c(s.condition) }));
    this.creates = plan.creates.map((cr) => ({
      into: cr.into,
      key: c(cr.key),
      ...(cr.condition ? { condition: c(cr.condition) } : {}),
      assignments: cr.assignments.map((a) => ({ field: a.field, value: c(a.value) })),
      label: `the link's create at line ${cr.span[0]}`,
    }));
    this.mappings = plan.mappings.map((m) => {
      const evaluate = m.compare ? FUNCTIONS_BY_NAME.get(m.compare)?.evaluate : undefined;
      return {
        plan: m,
        ...(m.condition ? { condition: c(m.condition) } : {}),
        ...(m.kind === "oneWay" ? { value: c(m.value) } : {}),
        ...(evaluate ? { normalize: (v: unknown) => evaluate([v]) } : {}),
        ...(m.kind === "twoWay" && m.renames ? { renames: { left: m.renames.map(([l]) => l), right: m.renames.map(([, r]) => r) } } : {}),
      };
    });
    if (plan.writeBack) this.writeBack = { into: plan.writeBack.into, value: c(plan.writeBack.value), target: plan.writeBack.target };
    if (plan.conflicts?.policy === "newest") this.stamps = { left: c(plan.conflicts.left), right: c(plan.conflicts.right) };
  }

  leftToRight(key: string): Rec | null | SkipRow {
    const found = this.leftPairs.get(key);
    return found === undefined ? null : found instanceof SkipRow ? found : this.rightState.current(found.key, found.seen);
  }
  rightToLeft(key: string): Rec | null | SkipRow {
    const found = this.rightPairs.get(key);
    return found === undefined ? null : found instanceof SkipRow ? found : this.leftState.current(found.key, found.seen);
  }

  private side(side: Side) {
    return side === "left" ? this.plan.left : this.plan.right;
  }

  private keyOf(side: Side, record: unknown): string {
    return String(field(record, side === "left" ? this.leftKey : this.rightKey));
  }

  private inScope(side: Side, key: string): boolean {
    const s = this.side(side);
    return this.scope.includes(s.system, s.collection, key);
  }

  private skip(side: Side, record: unknown, reason: string): void {
    const s = this.side(side);
    const key = this.keyOf(side, record);
    if (!this.inScope(side, key)) return;
    const id = `${side}\u0000${key}`;
    if (this.skipped.has(id)) return;
    this.skipped.add(id);
    this.outcomes.add(s.system, s.collection, key, "skip", reason);
  }

  private touchedIn(touches: Touches): { left?: Touches extends ReadonlyMap<string, infer T> ? T : never; right?: Touches extends ReadonlyMap<string, infer T> ? T : never } {
    const left = touches.get(`${this.plan.left.system}.${this.plan.left.collection}`);
    const right = touches.get(`${this.plan.right.system}.${this.plan.right.collection}`);
    return { ...(left ? { left } : {}), ...(right ? { right } : {}) };
  }

  /**
   * Pairs the sides' records as they stand now. After the first round the pairs are kept
   * unless the round before changed what matching reads: records came or went, or a field
   * a match or skip reads was written.
   */
  pair(round: number, previous: Touches): void {
    if (round > 0 && !this.overViews) {
      if (this.matchReads.beyond ? previous.size === 0 : !this.pairingChanged(previous)) return;
    }
    const left = this.ctx.rows(this.plan.left.source) as Rec[];
    const right = this.ctx.rows(this.plan.right.source) as Rec[];
    const frame: Frame = [undefined, undefined];
    const skippedOn = (side: Side, record: Rec): boolean => {
      frame[0] = side === "left" ? record : undefined;
      frame[1] = side === "right" ? record : undefined;
      for (const s of this.skips) {
        if (s.side !== side) continue;
        if (s.condition(frame) === true) {
          this.skip(side, record, String(s.reason(frame)));
          return true;
        }
      }
      return false;
    };
    // Without skips on a side there is nothing to filter: a million records need no pass.
    const rightOk = this.skips.some((sk) => sk.side === "right") ? right.filter((r) => !skippedOn("right", r)) : right;
    const leftSkips = this.skips.some((sk) => sk.side === "left");
    // One index per match, over the right side's key expressions.
    const indexes = this.matches.map((m) => {
      // A key most often finds one record: it is kept as it is, and a list is made for a second.
      const index = new Map<string, Rec | Several>();
      for (const r of rightOk) {
        frame[0] = undefined;
        frame[1] = r;
        if (m.rightCondition && m.rightCondition(frame) !== true) continue;
        const key = rowKey(m.right, frame);
        if (key === undefined) continue;
        const found = index.get(key);
        if (found === undefined) index.set(key, r);
        else if (found instanceof Several) found.rows.push(r);
        else index.set(key, new Several([found, r]));
      }
      return index;
    });
    this.leftPairs = new Map();
    this.rightPairs = new Map();
    const byPlace: (Counterpart | SkipRow | undefined)[] = new Array(left.length);
    /** Right records two or more left records match: the left records and their places, in order. */
    const contested = new Map<string, [Rec, number][]>();
    for (let place = 0; place < left.length; place++) {
      const l = left[place]!;
      if (leftSkips && skippedOn("left", l)) continue;
      frame[0] = l;
      frame[1] = undefined;
      for (let i = 0; i < this.matches.length; i++) {
        const m = this.matches[i]!;
        if (m.leftCondition && m.leftCondition(frame) !== true) continue;
        const key = rowKey(m.left, frame);
        if (key === undefined) continue;
        const candidates = indexes[i]!.get(key);
        if (!candidates) continue;
        const lk = this.keyOf("left", l);
        if (candidates instanceof Several) {
          const s = this.plan.right;
          const subject = `${this.plan.left.system}.${this.plan.left.collection} ${lk}`;
          const reason = `${subject} matches ${candidates.rows.length} ${s.system}.${s.collection} records (${candidates.rows.map((c) => this.keyOf("right", c)).join(", ")}), so it is not clear which is its counterpart`;
          const skip = new SkipRow(reason);
          this.leftPairs.set(lk, skip);
          byPlace[place] = skip;
          this.skip("left", l, reason);
          break;
        }
        const r = candidates;
        const rk = this.keyOf("right", r);
        const counterpart = { key: rk, seen: r };
        this.leftPairs.set(lk, counterpart);
        byPlace[place] = counterpart;
        const claimed = this.rightPairs.get(rk);
        if (claimed === undefined) this.rightPairs.set(rk, { key: lk, seen: l, place });
        else {
          const claims = contested.get(rk);
          const first = claimed as Counterpart;
          if (claims) claims.push([l, place]);
          else contested.set(rk, [[first.seen, first.place!], [l, place]]);
        }
        break;
      }
    }
    for (const [rk, lefts] of contested) {
      // Two records of the left side claim one on the right: none of them is paired.
      const s = this.plan.left;
      const reason = `${lefts.length} ${s.system}.${s.collection} records (${lefts.map(([l]) => this.keyOf("left", l)).join(", ")}) match the same ${this.plan.right.system}.${this.plan.right.collection} record ${rk}, so it is not clear which is its counterpart`;
      const skip = new SkipRow(reason);
      this.rightPairs.set(rk, skip);
      for (const [l, place] of lefts) {
        this.leftPairs.set(this.keyOf("left", l), skip);
        byPlace[place] = skip;
        this.skip("left", l, reason);
      }
    }
    this.byPlace = this.overViews ? undefined : { shape: this.leftState.shape, pairs: byPlace };
  }

  /** The pairs of `rows`, the left side's rows now, by place: when its shape has stood still since pairing. */
  private pairsByPlace(rows: readonly Rec[]): readonly (Counterpart | SkipRow | undefined)[] | undefined {
    const found = this.byPlace;
    return found && found.shape === this.leftState.shape && found.pairs.length === rows.length ? found.pairs : undefined;
  }

  /** The left records the round before changed, on either side of their pair. */
  private changedLeftRecords(leftKeys: Iterable<string> = [], rightKeys: Iterable<string> = []): Rec[] {
    const keys = new Set(leftKeys);
    for (const rk of rightKeys) {
      const counterpart = this.rightPairs.get(rk);
      if (counterpart !== undefined && !(counterpart instanceof SkipRow)) keys.add(counterpart.key);
    }
    const records: Rec[] = [];
    for (const key of keys) {
      const record = this.leftState.get(key);
      if (record) records.push(record);
    }
    return records;
  }

  private pairingChanged(previous: Touches): boolean {
    const { left, right } = this.touchedIn(previous);
    for (const [touch, fields] of [
      [left, this.matchReads.left],
      [right, this.matchReads.right],
    ] as const) {
      if (!touch) continue;
      if (touch.structural) return true;
      for (const f of touch.fields) if (fields.has(f)) return true;
    }
    return false;
  }

  /**
   * Makes the pairs' fields flow, then creates counterparts for unlinked records. After the
   * first round, only the records the round before changed are looked at again, when what
   * flows reads nothing beyond a pair's own two records.
   */
  flow(round: number, previous: Touches): void {
    const incremental = round > 0 && !this.flowReadsBeyond && !this.overViews;
    const changed = incremental ? this.touchedIn(previous) : {};
    if (incremental && !changed.left && !changed.right) return;
    const left = incremental ? this.changedLeftRecords(changed.left?.keys, changed.right?.keys) : (this.ctx.rows(this.plan.left.source) as Rec[]);
    const byPlace = incremental ? undefined : this.pairsByPlace(left);
    for (let place = 0; place < left.length; place++) {
      const l = left[place]!;
      const lk = this.keyOf("left", l);
      const counterpart = byPlace ? byPlace[place] : this.leftPairs.get(lk);
      if (counterpart === undefined || counterpart instanceof SkipRow) continue;
      const rk = counterpart.key;
      const r = this.rightState.current(rk, counterpart.seen);
      if (!r || (!this.inScope("left", lk) && !this.inScope("right", rk))) continue;
      this.flowPair(lk, l, rk, r);
    }
    for (const create of this.creates) {
      const from: Side = create.into === "left" ? "right" : "left";
      const touch = from === "left" ? changed.left : changed.right;
      const sourceState = from === "left" ? this.leftState : this.rightState;
      const rows = incremental
        ? [...(touch?.keys ?? [])].flatMap((k) => {
            const record = sourceState.get(k);
            return record ? [record] : [];
          })
        : (this.ctx.rows(this.side(from).source) as Rec[]);
      const pairs = from === "left" ? this.leftPairs : this.rightPairs;
      const byPlace = !incremental && from === "left" ? this.pairsByPlace(rows) : undefined;
      const target = this.side(create.into);
      if (!this.scope.canWrite(target.system)) continue;
      for (let place = 0; place < rows.length; place++) {
        const source = rows[place]!;
        const sourceKey = this.keyOf(from, source);
        // By place, a record pairing found is known at once; one paired since (by an earlier create) is in the map.
        if (byPlace?.[place] !== undefined || pairs.has(sourceKey) || this.skipped.has(`${from}\u0000${sourceKey}`) || !this.inScope(from, sourceKey)) continue;
        this.createFor(create, from, source);
      }
    }
  }

  private createFor(create: LinkRun["creates"][number], from: Side, source: Rec): void {
    const frame: Frame = from === "left" ? [source, undefined] : [undefined, source];
    const target = this.side(create.into);
    try {
      if (create.condition && create.condition(frame) !== true) return;
      const key = create.key(frame);
      if (isEmpty(key)) return;
      const collection = create.into === "left" ? this.leftState : this.rightState;
      if (collection.get(String(key))) {
        this.skip(from, source, `its counterpart would be ${target.system}.${target.collection} ${String(key)}, which exists but does not match it, so no second one is created`);
        return;
      }
      const values = create.assignments.map((a) => [a.field, a.value(frame)] as const);
      const label = `${create.label}, for ${this.side(from).system}.${this.side(from).collection} ${this.keyOf(from, source)}`;
      const record = this.writer.create(target.system, target.collection, String(key), values, label, (made) => this.fillCreated(made, create.into, source));
      if (typeof record === "string") {
        this.skip(from, source, record);
        return;
      }
      // The new record is the source's counterpart at once: its mapped fields follow now,
      // and the rest of the run sees the pair.
      const [l, r] = from === "left" ? [source, record] : [record, source];
      const lk = this.keyOf("left", l);
      const rk = this.keyOf("right", r);
      this.leftPairs.set(lk, { key: rk, seen: r });
      this.rightPairs.set(rk, { key: lk, seen: l });
      this.flowPair(lk, l, rk, r, create.into);
    } catch (error) {
      if (error instanceof SkipRow) this.skip(from, source, error.reason);
      else throw error;
    }
  }

  /**
   * Fills a record being created from its source with what the link's mappings and write
   * back put into its side, so that it is complete (and checked) before it exists.
   */
  private fillCreated(record: Rec, into: Side, source: Rec): void {
    const s = this.side(into);
    const types = this.writer.typeOf(s.system, s.collection);
    const frame: Frame = into === "left" ? [record, source] : [source, record];
    const from: Side = into === "left" ? "right" : "left";
    for (const m of this.mappings) {
      if (m.condition && m.condition(frame) !== true) continue;
      if (m.plan.kind === "oneWay") {
        if (m.plan.into === into) writePath(record, m.plan.target, m.value!(frame), types);
        continue;
      }
      const value = this.twoWayValue(m.plan, from, source);
      const path = into === "left" ? m.plan.left : m.plan.right;
      if (!m.plan.renames || isEmpty(value)) writePath(record, path, value, types);
      else for (const [leftName, rightName] of m.plan.renames) writePath(record, [...path, into === "left" ? leftName : rightName], field(value, leftName), types);
    }
    if (this.writeBack && this.writeBack.into === into) writePath(record, this.writeBack.target, this.writeBack.value(frame), types);
  }

  /**
   * One pair's fields, given each record's key and the record as paired. `created` names the
   * side made this run: its two-way fields take the other side's values.
   */
  private flowPair(lk: string, l: Rec, rk: string, r: Rec, created?: Side): void {
    let synced = this.synced.pair(lk, rk);
    // A pair made in this run flows whole, write-backs included, even in a run an event limits
    // to one direction: "a record created in a run gets its write-back in that run".
    const writesAll = created !== undefined;
    // Each mapping reads the pair as it stands: after a write, the records are read again.
    const frame: Frame = [this.leftState.current(lk, l) ?? l, this.rightState.current(rk, r) ?? r];
    try {
      for (const m of this.mappings) {
        if (m.condition && m.condition(frame) !== true) continue;
        if (m.plan.kind === "oneWay") {
          const into = m.plan.into;
          if (!writesAll && !this.canWrite(into)) continue;
          const value = m.value!(frame);
          // A value the target holds already (or the same through the mapping's `as` function) is not written.
          const held = readPath(frame[into === "left" ? 0 : 1], m.plan.target);
          if (m.normalize ? sameFor(m, held, value) : equal(held, value)) continue;
          if (this.write(into, into === "left" ? lk : rk, m.plan.target, value)) this.refresh(frame, lk, l, rk, r);
          continue;
        }
        const last = syncedValue(synced, m.plan.id);
        const hasLast = last !== NOT_SYNCED;
        // The common case, checked without building anything: both sides hold the last synced value.
        if (hasLast && !created && this.unchanged(m, frame[0] as Rec, frame[1] as Rec, last)) continue;
        const result = this.merge(m, frame, hasLast ? last : undefined, hasLast, created);
        this.refresh(frame, lk, l, rk, r);
        if (result !== undefined) {
          const writable = this.synced.writable(lk, rk);
          writable.values[m.plan.id] = result;
          synced = writable;
        }
      }
      if (this.writeBack && (writesAll || this.canWrite(this.writeBack.into))) {
        const { into, target } = this.writeBack;
        const value = this.writeBack.value(frame);
        if (!equal(readPath(frame[into === "left" ? 0 : 1], target), value)) this.write(into, into === "left" ? lk : rk, target, value);
      }
    } catch (error) {
      if (error instanceof SkipRow) this.skip("left", l, error.reason);
      else throw error;
    }
  }

  private canWrite(side: Side): boolean {
    return this.scope.canWrite(this.side(side).system);
  }

  /** Reads a pair's records again after a write. */
  private refresh(frame: Frame, lk: string, l: Rec, rk: string, r: Rec): void {
    frame[0] = this.leftState.current(lk, l) ?? l;
    frame[1] = this.rightState.current(rk, r) ?? r;
  }

  /** Whether both sides of a two-way field equal its last synced value (in the left side's shape). */
  private unchanged(mapping: CompiledMapping, l: Rec, r: Rec, last: unknown): boolean {
    const m = mapping.plan as Extract<MappingPlan, { kind: "twoWay" }>;
    const lv = readPath(l, m.left);
    const rv = readPath(r, m.right);
    const renames = mapping.renames;
    if (!renames) return sameFor(mapping, lv, last) && sameFor(mapping, rv, last);
    if (isEmpty(last)) return this.twoWayValue(m, "left", l) === null && this.twoWayValue(m, "right", r) === null;
    const { left, right } = renames;
    for (let i = 0; i < left.length; i++) {
      const expected = field(last, left[i]!);
      if (!equal(field(lv, left[i]!), expected) || !equal(field(rv, right[i]!), expected)) return false;
    }
    return true;
  }

  private write(side: Side, key: string, path: readonly string[], value: unknown): boolean {
    const s = this.side(side);
    return this.writer.set(s.system, s.collection, key, path, value, this.label);
  }

  /**
   * A two-way field: the side that changed since the last sync wins; both changed, the
   * policy decides and the pair is reported as a conflict. Returns the value both sides now
   * hold (the new last synced value), or undefined when this run could not settle it.
   */
  private merge(mapping: CompiledMapping, frame: Frame, last: unknown, hasLast: boolean, created?: Side): unknown {
    const m = mapping.plan as Extract<MappingPlan, { kind: "twoWay" }>;
    const [l, r] = frame as [Rec, Rec];
    const lv = this.twoWayValue(m, "left", l);
    const rv = this.twoWayValue(m, "right", r);
    // Values the same through the mapping's `as` function are the same: nothing flows.
    if (sameFor(mapping, lv, rv)) return hasLast && sameFor(mapping, lv, last) ? last : lv;
    let winner: Side;
    let conflict = false;
    let tie = false;
    if (created) winner = created === "left" ? "right" : "left";
    else if (hasLast && sameFor(mapping, lv, last)) winner = "right";
    else if (hasLast && sameFor(mapping, rv, last)) winner = "left";
    else {
      ({ winner, tie } = this.resolve(frame));
      conflict = true;
    }
    const loser: Side = winner === "left" ? "right" : "left";
    if (!this.scope.canWrite(this.side(loser).system)) return undefined;
    const value = winner === "left" ? lv : rv;
    this.writeTwoWay(m, loser, loser === "left" ? this.keyOf("left", l) : this.keyOf("right", r), value);
    if (conflict) {
      const ls = this.plan.left;
      const rs = this.plan.right;
      const field = m.left.join(".");
      const winnerSystem = this.side(winner).system;
      const why =
        this.plan.conflicts?.policy === "prefer"
          ? `${winnerSystem} is preferred`
          : tie
            ? `both records are as new, and a tie goes to ${winnerSystem}`
            : `${winnerSystem}'s record is the newer`;
      this.outcomes.add(
        this.side(loser).system,
        this.side(loser).collection,
        this.keyOf(loser, loser === "left" ? l : r),
        "conflict",
        `${field} differs (${ls.system}.${ls.collection} ${this.keyOf("left", l)}: ${JSON.stringify(lv)}, ${rs.system}.${rs.collection} ${this.keyOf("right", r)}: ${JSON.stringify(rv)})${hasLast ? " and both changed since the last sync" : " and there is no last sync"}; ${why}, so its value was kept`,
      );
    }
    return value;
  }

  /** Which side the conflict policy keeps, and whether it came down to the tie rule. */
  private resolve(frame: Frame): { winner: Side; tie: boolean } {
    const conflicts = this.plan.conflicts;
    if (!conflicts) return { winner: "left", tie: false };
    if (conflicts.policy === "prefer") return { winner: conflicts.side, tie: false };
    const lt = moment(this.stamps!.left(frame));
    const rt = moment(this.stamps!.right(frame));
    if (lt !== null && (rt === null || lt > rt)) return { winner: "left", tie: false };
    if (rt !== null && (lt === null || rt > lt)) return { winner: "right", tie: false };
    return { winner: conflicts.tie, tie: true };
  }

  /** A two-way field's value in the left side's shape: objects with renamed sub-fields use the left names. */
  private twoWayValue(m: Extract<MappingPlan, { kind: "twoWay" }>, side: Side, record: Rec): unknown {
    const value = readPath(record, side === "left" ? m.left : m.right);
    if (!m.renames || isEmpty(value)) return isEmpty(value) ? null : value;
    const out: Rec = {};
    let empty = true;
    for (const [leftName, rightName] of m.renames) {
      const sub = field(value, side === "left" ? leftName : rightName);
      setMember(out, leftName, sub);
      if (!isEmpty(sub)) empty = false;
    }
    // An object with nothing in the fields the link maps is as empty as no object at all:
    // {} on one side and null on the other are the same, and must not flip-flop.
    return empty ? null : out;
  }

  private writeTwoWay(m: Extract<MappingPlan, { kind: "twoWay" }>, side: Side, key: string, value: unknown): void {
    const path = side === "left" ? m.left : m.right;
    if (!m.renames) {
      this.write(side, key, path, value);
      return;
    }
    if (isEmpty(value)) {
      this.write(side, key, path, null);
      return;
    }
    // Only the listed sub-fields are the link's; the object's others are left as they are.
    for (const [leftName, rightName] of m.renames) this.write(side, key, [...path, side === "left" ? leftName : rightName], field(value, leftName));
  }
}

/** Whether an expression reads anything beyond the records bound to names: lookups, views, links. */
export function readsBeyond(expr: Expr): boolean {
  return some(expr, (e) => e.op === "rows" || e.op === "byKey" || e.op === "find" || e.op === "linked");
}

/** The top-level fields of an alias's record that expressions read. */
function fieldsRead(exprs: readonly Expr[], alias: string): Set<string> {
  const fields = new Set<string>();
  for (const expr of exprs) {
    walk(expr, (e) => {
      if (e.op === "get" && e.of.op === "var" && e.of.name === alias) fields.add(e.field);
    });
  }
  return fields;
}
