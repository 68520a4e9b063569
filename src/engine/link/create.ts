// A link's `create` items: which unlinked records of a side get a counterpart made on the
// other, under what key, filled with the assignments and with what the mappings and write
// back put into that side. A key that exists already skips the record: the record there did
// not match, and a second one would be a duplicate.
import type { Side } from "../../plan/types.js";
import { SkipRow, type Compiled, type Frame } from "../expressions.js";
import { isEmpty, type Rec } from "../../json/values.js";
import type { LinkContext, Touched } from "./context.js";
import type { PairFlow } from "./flow.js";
import type { Pairing } from "./pairing.js";

interface CompiledCreate {
  readonly into: Side;
  readonly key: Compiled;
  readonly condition: Compiled | undefined;
  readonly assignments: readonly { readonly field: readonly string[]; readonly value: Compiled }[];
  readonly label: string;
  readonly index: number;
}

export class Creates {
  private readonly creates: readonly CompiledCreate[];

  constructor(
    private readonly link: LinkContext,
    private readonly pairing: Pairing,
    private readonly fields: PairFlow,
  ) {
    this.creates = link.plan.creates.map((cr, index) => ({
      index,
      into: cr.into,
      key: link.compile(cr.key),
      condition: cr.condition ? link.compile(cr.condition) : undefined,
      assignments: cr.assignments.map((a) => ({ field: a.field, value: link.compile(a.value) })),
      label: `the link's create at line ${cr.span[0]}`,
    }));
  }

  /**
   * Creates counterparts for the records no pairing, skip or earlier create has placed: every
   * record of the source side, or (`incremental`) only the ones the round before changed.
   */
  run(incremental: boolean, changed: { left?: Touched; right?: Touched }): void {
    const link = this.link;
    // A run read in part that already needs more decides nothing this time: what it would
    // create is asked again once pairing has seen every candidate.
    if (link.leftState.partial?.misses.empty === false || link.rightState.partial?.misses.empty === false) return;
    for (const create of this.creates) {
      const from: Side = create.into === "left" ? "right" : "left";
      const touch = from === "left" ? changed.left : changed.right;
      const sourceState = from === "left" ? link.leftState : link.rightState;
      const rows = incremental
        ? [...(touch?.keys ?? [])].flatMap((k) => {
            const record = sourceState.get(k);
            return record ? [record] : [];
          })
        : (link.ctx.scan(link.side(from).source) as Rec[]);
      const pairs = this.pairing.pairsOf(from);
      const byPlace = !incremental && from === "left" ? this.pairing.pairsByPlace(rows) : undefined;
      const target = link.side(create.into);
      if (!link.scope.canWrite(target.system)) continue;
      for (let place = 0; place < rows.length; place++) {
        const source = rows[place]!;
        const sourceKey = link.keyOf(from, source);
        // By place, a record pairing found is known at once; one paired since (by an earlier create) is in the map.
        if (byPlace?.[place] !== undefined || pairs.has(sourceKey) || link.wasSkipped(from, sourceKey) || !link.inScope(from, sourceKey)) continue;
        this.createFor(create, from, source);
      }
    }
  }

  private createFor(create: CompiledCreate, from: Side, source: Rec): void {
    const link = this.link;
    const frame: Frame = from === "left" ? [source, undefined] : [undefined, source];
    const target = link.side(create.into);
    // Undefined unless `syncspec explain` asks about this record.
    const traced = link.trace?.create(link.plan.id, from, link.keyOf(from, source));
    const at = create.index;
    try {
      if (create.condition && create.condition(frame) !== true) {
        if (traced) traced({ kind: "condition", create: at, frame: [frame[0] as Rec | undefined, frame[1] as Rec | undefined] });
        return;
      }
      const key = create.key(frame);
      if (isEmpty(key)) {
        if (traced) traced({ kind: "noKey", create: at });
        return;
      }
      const collection = create.into === "left" ? link.leftState : link.rightState;
      if (collection.get(String(key))) {
        if (traced) traced({ kind: "exists", create: at, key: String(key) });
        link.skip(from, source, `its counterpart would be ${target.system}.${target.collection} ${String(key)}, which exists but does not match it, so no second one is created`);
        return;
      }
      const values = create.assignments.map((a) => [a.field, a.value(frame)] as const);
      const label = `${create.label}, for ${link.side(from).system}.${link.side(from).collection} ${link.keyOf(from, source)}`;
      const record = link.writer.create(target.system, target.collection, String(key), values, label, (made) => this.fill(made, create.into, source));
      if (typeof record === "string") {
        if (traced) traced({ kind: "refused", create: at, key: String(key), reason: record });
        link.skip(from, source, record);
        return;
      }
      if (traced) traced({ kind: "created", create: at, key: String(key), record });
      // The new record is the source's counterpart at once: its mapped fields follow now,
      // and the rest of the run sees the pair.
      const [l, r] = from === "left" ? [source, record] : [record, source];
      const lk = link.keyOf("left", l);
      const rk = link.keyOf("right", r);
      this.pairing.add(lk, l, rk, r);
      this.fields.flowPair(lk, l, rk, r, create.into);
    } catch (error) {
      if (!(error instanceof SkipRow)) throw error;
      if (traced) traced({ kind: "skipped", create: at, reason: error.reason });
      link.skip(from, source, error.reason);
    }
  }

  /**
   * Fills a record being created from its source with what the link's mappings and write
   * back put into its side, so that it is complete (and checked) before it exists.
   */
  private fill(record: Rec, into: Side, source: Rec): void {
    const link = this.link;
    const s = link.side(into);
    const types = link.writer.typeOf(s.system, s.collection);
    const frame: Frame = into === "left" ? [record, source] : [source, record];
    for (const m of this.fields.mappings) {
      if (m.condition && m.condition(frame) !== true) continue;
      if (m.kind === "oneWay") m.fill(record, into, frame, types);
      else m.fill(record, into, source, types);
    }
    const writeBack = this.fields.writeBack;
    if (writeBack && writeBack.into === into) writeBack.fill(record, frame, types);
  }
}
