// A link's `match` items: which records are each other's counterparts. Matches are tried in
// order over an index of the right side's keys; a record that finds two candidates, or that
// two records claim, is skipped with the reason rather than paired with a guess. The pairs are
// kept between rounds unless what matching reads changed.
import type { LinkPlan, Side } from "../../plan/types.js";
import { rowKey } from "../context.js";
import { plainField, SkipRow, type Compiled, type Frame } from "../expressions.js";
import type { CollectionState } from "../workspace.js";
import { byCodeUnits, type Rec } from "../../json/values.js";
import type { Touches } from "../writer.js";
import type { Counterpart, LinkContext } from "./context.js";
import { fieldsRead, readsBeyond } from "./reads.js";
import { Skips } from "./skips.js";

/** Keys in a message, in code-unit order: the same words whatever order the records were read in. */
function keysInOrder(keys: string[]): string {
  return keys.sort(byCodeUnits).join(", ");
}

/** Two or more rows an index key finds (a row may itself be a list, in a view). */
class Several {
  constructor(readonly rows: Rec[]) {}
}

export interface CompiledMatch {
  readonly left: Compiled[];
  readonly right: Compiled[];
  readonly leftCondition: Compiled | undefined;
  readonly rightCondition: Compiled | undefined;
  /** How each side, read in part, is asked for a record's candidates; undefined: only whole. */
  readonly askLeft: Ask | undefined;
  readonly askRight: Ask | undefined;
}

/** A key part whose expression on one side is a plain field: that side is asked for the records whose field holds the other side's value. */
interface Ask {
  readonly field: string;
  readonly part: number;
}

export type Pairs = Map<string, Counterpart | SkipRow>;

export class Pairing {
  private leftPairs: Pairs = new Map();
  private rightPairs: Pairs = new Map();
  /**
   * The left rows' pairs by place, as pairing found them: a pass over the rows reads them in
   * order, with no lookup by key into 200,000 pairs. Good while the left side's shape stands.
   */
  private byPlace?: { readonly shape: number; readonly pairs: readonly (Counterpart | SkipRow | undefined)[] };
  /** Read by `syncspec explain`, which evaluates the same closures over the record it explains. */
  readonly matches: CompiledMatch[];
  readonly skips: Skips;
  /** Fields of each side that matching reads, and whether matching reads anything beyond the record. */
  private readonly matchReads: { left: Set<string>; right: Set<string>; beyond: boolean };

  constructor(private readonly link: LinkContext) {
    const plan = link.plan;
    const matchExprs = [
      ...plan.matches.flatMap((m) => [...m.keys.flatMap((k) => [k.left, k.right]), ...(m.leftCondition ? [m.leftCondition] : []), ...(m.rightCondition ? [m.rightCondition] : [])]),
      ...plan.skips.flatMap((sk) => [sk.reason, sk.condition]),
    ];
    this.matchReads = {
      left: fieldsRead(matchExprs, plan.left.alias),
      right: fieldsRead(matchExprs, plan.right.alias),
      beyond: matchExprs.some(readsBeyond),
    };
    const ask = (keys: LinkPlan["matches"][number]["keys"], side: Side): Ask | undefined => {
      const alias = side === "left" ? plan.left.alias : plan.right.alias;
      const asks = keys.flatMap((k, part) => {
        const field = plainField(side === "left" ? k.left : k.right, alias);
        return field === undefined ? [] : [{ field, part, selective: (side === "left" ? k.right : k.left).op !== "literal" }];
      });
      // A part whose value comes from the other record (referenceId == donor.id), not from the spec ("RaiseDonors").
      const found = asks.find((a) => a.selective) ?? asks[0];
      return found && { field: found.field, part: found.part };
    };
    this.matches = plan.matches.map((m) => ({
      left: m.keys.map((k) => link.compile(k.left)),
      right: m.keys.map((k) => link.compile(k.right)),
      leftCondition: m.leftCondition ? link.compile(m.leftCondition) : undefined,
      rightCondition: m.rightCondition ? link.compile(m.rightCondition) : undefined,
      askLeft: ask(m.keys, "left"),
      askRight: ask(m.keys, "right"),
    }));
    this.skips = new Skips(link);
    this.rightDecides = plan.direction !== "->" || plan.creates.some((c) => c.into === "left") || plan.mappings.some((m) => m.kind !== "oneWay" || m.into === "left");
  }

  /** Whether a right record decides anything of its own: a field flows from it, or it makes a left record. */
  private readonly rightDecides: boolean;
  /** The right records whose claimants this pairing asked for, when not every one's were (see pair). */
  private claimantsAsked: Set<Rec> | undefined;

  /** A side's pairs by record key. The map stands until the next pairing; a create adds to it. */
  pairsOf(side: Side): ReadonlyMap<string, Counterpart | SkipRow> {
    return side === "left" ? this.leftPairs : this.rightPairs;
  }

  leftToRight(key: string): Rec | null | SkipRow {
    const found = this.leftPairs.get(key);
    return found === undefined ? null : found instanceof SkipRow ? found : this.link.rightState.current(found.key, found.seen);
  }

  /** The left record paired with the right record `key`; given the record, a lookup from a rule, its claimants are asked for when they may not all have been read. */
  rightToLeft(key: string, record?: Rec): Rec | null | SkipRow {
    if (record && this.claimantsAsked) this.askClaimants(record, this.claimantsAsked);
    const found = this.rightPairs.get(key);
    return found === undefined ? null : found instanceof SkipRow ? found : this.link.leftState.current(found.key, found.seen);
  }

  /** A pair made by a create: the rest of the run sees it. */
  add(lk: string, l: Rec, rk: string, r: Rec): void {
    this.leftPairs.set(lk, { key: rk, seen: r });
    this.rightPairs.set(rk, { key: lk, seen: l });
  }

  /**
   * Pairs the sides' records as they stand now. After the first round the pairs are kept
   * unless the round before changed what matching reads: records came or went, or a field
   * a match or skip reads was written.
   */
  pair(round: number, previous: Touches): void {
    const link = this.link;
    if (round > 0 && !link.overViews) {
      if (this.matchReads.beyond ? previous.size === 0 : !this.pairingChanged(previous)) return;
    }
    const plan = link.plan;
    // Read in part, a side holds the records a run was told of: each record's candidates on
    // the other side, and the records that could claim each candidate, are asked for below.
    const left = link.ctx.scan(plan.left.source) as Rec[];
    const right = link.ctx.scan(plan.right.source) as Rec[];
    // A side over a view is asked through its collection when the view's rows are its records read.
    const asks = (source: typeof plan.left.source, state: CollectionState): boolean =>
      state.partial !== undefined && (!("view" in source) || link.ctx.views.get(source.view)?.over === state);
    const askLeft = asks(plan.left.source, link.leftState);
    const askRight = asks(plan.right.source, link.rightState);
    // The claimants of every right record read, when a right record decides things of its own
    // (its fields flow left, it makes a left record); else only of the right records a left
    // record read found, for whether another claims them too. A right side read whole because
    // its API cannot ask (SKY's custom fields) then costs no lookup per record.
    const claimantsOfAll = askLeft && this.rightDecides;
    const found = (this.claimantsAsked = askLeft && !claimantsOfAll ? new Set<Rec>() : undefined);
    const frame: Frame = [undefined, undefined];
    const skips = this.skips;
    const rightOk = skips.on("right") ? skips.kept("right", right, frame) : right;
    const leftSkips = skips.on("left");
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
        // Every left record that could claim this one.
        if (claimantsOfAll) this.ask(link.leftState, m.askLeft, m.right, frame);
        const found = index.get(key);
        if (found === undefined) index.set(key, r);
        else if (found instanceof Several) found.rows.push(r);
        else index.set(key, new Several([found, r]));
      }
      return index;
    });
    const leftPairs: Pairs = (this.leftPairs = new Map());
    const rightPairs: Pairs = (this.rightPairs = new Map());
    const byPlace: (Counterpart | SkipRow | undefined)[] = new Array(left.length);
    /** Right records two or more left records match: the left records and their places, in order. */
    const contested = new Map<string, [Rec, number][]>();
    for (let place = 0; place < left.length; place++) {
      const l = left[place]!;
      if (leftSkips && skips.skips("left", l, frame)) continue;
      frame[0] = l;
      frame[1] = undefined;
      for (let i = 0; i < this.matches.length; i++) {
        const m = this.matches[i]!;
        if (m.leftCondition && m.leftCondition(frame) !== true) continue;
        const key = rowKey(m.left, frame);
        if (key === undefined) continue;
        // Every right record this one could match, by this match: the first that finds any decides.
        if (askRight) this.ask(link.rightState, m.askRight, m.left, frame);
        const candidates = indexes[i]!.get(key);
        if (!candidates) continue;
        if (found) {
          if (candidates instanceof Several) for (const r of candidates.rows) this.askClaimants(r, found);
          else this.askClaimants(candidates, found);
        }
        const lk = link.keyOf("left", l);
        if (candidates instanceof Several) {
          const s = plan.right;
          const subject = `${plan.left.system}.${plan.left.collection} ${lk}`;
          const reason = `${subject} matches ${candidates.rows.length} ${s.system}.${s.collection} records (${keysInOrder(candidates.rows.map((c) => link.keyOf("right", c)))}), so it is not clear which is its counterpart`;
          const skip = new SkipRow(reason);
          leftPairs.set(lk, skip);
          byPlace[place] = skip;
          link.skip("left", l, reason);
          break;
        }
        const r = candidates;
        const rk = link.keyOf("right", r);
        const counterpart = { key: rk, seen: r };
        leftPairs.set(lk, counterpart);
        byPlace[place] = counterpart;
        const claimed = rightPairs.get(rk);
        if (claimed === undefined) rightPairs.set(rk, { key: lk, seen: l, place });
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
      const s = plan.left;
      const reason = `${lefts.length} ${s.system}.${s.collection} records (${keysInOrder(lefts.map(([l]) => link.keyOf("left", l)))}) match the same ${plan.right.system}.${plan.right.collection} record ${rk}, so it is not clear which is its counterpart`;
      const skip = new SkipRow(reason);
      rightPairs.set(rk, skip);
      for (const [l, place] of lefts) {
        leftPairs.set(link.keyOf("left", l), skip);
        byPlace[place] = skip;
        link.skip("left", l, reason);
      }
    }
    this.byPlace = link.overViews ? undefined : { shape: link.leftState.shape, pairs: byPlace };
  }

  /** Asks the left side, read in part, for every record that could claim the right record `r`, by any match, once a pairing. */
  private askClaimants(r: Rec, asked: Set<Rec>): void {
    if (asked.has(r)) return;
    asked.add(r);
    const frame: Frame = [undefined, r];
    for (const m of this.matches) {
      if (m.rightCondition && m.rightCondition(frame) !== true) continue;
      if (rowKey(m.right, frame) !== undefined) this.ask(this.link.leftState, m.askLeft, m.right, frame);
    }
  }

  /** Asks a side read in part for the records whose `ask` field holds the value the other side's record gives. */
  private ask(state: CollectionState, ask: Ask | undefined, values: readonly Compiled[], frame: Frame): void {
    if (ask) state.require(ask.field, values[ask.part]!(frame));
    else state.requireWhole();
  }

  /** The pairs of `rows`, the left side's rows now, by place: when its shape has stood still since pairing. */
  pairsByPlace(rows: readonly Rec[]): readonly (Counterpart | SkipRow | undefined)[] | undefined {
    const found = this.byPlace;
    return found && found.shape === this.link.leftState.shape && found.pairs.length === rows.length ? found.pairs : undefined;
  }

  /** The left records the round before changed, on either side of their pair. */
  changedLeftRecords(leftKeys: Iterable<string> = [], rightKeys: Iterable<string> = []): Rec[] {
    const keys = new Set(leftKeys);
    for (const rk of rightKeys) {
      const counterpart = this.rightPairs.get(rk);
      if (counterpart !== undefined && !(counterpart instanceof SkipRow)) keys.add(counterpart.key);
    }
    const records: Rec[] = [];
    for (const key of keys) {
      const record = this.link.leftState.get(key);
      if (record) records.push(record);
    }
    return records;
  }

  private pairingChanged(previous: Touches): boolean {
    const { left, right } = this.link.touchedIn(previous);
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
}
