// Which top-level fields of a collection's records a plan reads: what a change to a record
// must touch to matter to the spec. The service asks it to tell the engine's echo (the
// record as the engine wrote it, in every field read) from an edit made since.
//
// Records reach expressions through names (a rule's `from`, a `let`, a link's sides, the
// `$` of a lookup), lookups, views and `linked`; a field is read where such a value is the
// subject of a field access. A whole record used any other way (passed to a function,
// compared with another value, put in an object, written as a value) may read every field:
// its collection's fields are then unknown, and so is everything when the plan has a shape
// this walk does not know. Unknown is answered as undefined, and the caller reads it as
// "every field".
import type { Assignment, Clause, Expr, LinkPlan, LinkSide, Plan, Source } from "./types.js";

/** A collection, as "system.collection". */
type CollectionId = string;
/** The collections whose records (or lists of them) a value may be. */
type Origins = ReadonlySet<CollectionId>;
type Names = Map<string, Origins>;

const NONE: Origins = new Set();
/** Functions that give back one of their arguments as it is: a record stays one. */
const PASSING_ON = new Set(["one", "coalesce"]);
/** Functions that look only at whether there is a value, or how many: a record's fields are not read. */
const COUNTING = new Set(["exists", "length", "count"]);

/**
 * The top-level fields of system.collection that the plan reads, its key among them; or
 * undefined when that cannot be known, in which case every field is to be taken as read.
 */
export function fieldsReadOf(plan: Plan, system: string, collection: string): ReadonlySet<string> | undefined {
  const reads = readsOf(plan);
  const id = collectionId(system, collection);
  if (reads.everything || reads.whole.has(id)) return undefined;
  return reads.fields.get(id) ?? NONE;
}

interface Reads {
  readonly fields: Map<CollectionId, Set<string>>;
  /** Collections a whole record of which is used: every field may be read. */
  readonly whole: Set<CollectionId>;
  /** Set when the plan has something this walk cannot follow. */
  everything: boolean;
}

// A plan does not change once made; the service asks about it once per event.
const cache = new WeakMap<Plan, Reads>();

function readsOf(plan: Plan): Reads {
  let reads = cache.get(plan);
  if (!reads) {
    reads = new PlanReads(plan).all();
    cache.set(plan, reads);
  }
  return reads;
}

function collectionId(system: string, collection: string): CollectionId {
  return `${system}.${collection}`;
}

class PlanReads {
  private readonly reads: Reads = { fields: new Map(), whole: new Set(), everything: false };
  /** Each view's rows, once worked out; undefined while being worked out (a view that reads itself). */
  private readonly views = new Map<string, Origins | undefined>();

  constructor(private readonly plan: Plan) {}

  all(): Reads {
    for (const [system, collections] of Object.entries(this.plan.collections)) {
      for (const [name, { key }] of Object.entries(collections)) this.read(collectionId(system, name), key);
    }
    for (const view of this.plan.views) this.viewRows(view.name);
    for (const link of this.plan.links) this.link(link);
    for (const rule of this.plan.rules) {
      const names = this.clauses(rule.clauses);
      const action = rule.action;
      this.consume(action.key, names);
      if (action.kind === "write") this.assignments(collectionId(action.system, action.collection), action.assignments, names);
    }
    // A limit on removals counts the field's items the run removes.
    for (const limit of this.plan.limits) if (limit.field !== undefined) this.read(collectionId(limit.system, limit.collection), limit.field);
    return this.reads;
  }

  private read(id: CollectionId, field: string | undefined): void {
    if (field === undefined) {
      this.reads.everything = true;
      return;
    }
    let fields = this.reads.fields.get(id);
    if (!fields) this.reads.fields.set(id, (fields = new Set()));
    fields.add(field);
  }

  private link(link: LinkPlan): void {
    const left = collectionId(link.left.system, link.left.collection);
    const right = collectionId(link.right.system, link.right.collection);
    const names: Names = new Map([
      [link.left.alias, this.side(link.left)],
      [link.right.alias, this.side(link.right)],
    ]);
    const sideOf = (side: "left" | "right"): CollectionId => (side === "left" ? left : right);
    for (const match of link.matches) {
      for (const k of match.keys) this.consumeAll([k.left, k.right], names);
      this.consumeAll([match.leftCondition, match.rightCondition], names);
    }
    for (const skip of link.skips) this.consumeAll([skip.reason, skip.condition], names);
    for (const create of link.creates) {
      this.consumeAll([create.key, create.condition], names);
      this.assignments(sideOf(create.into), create.assignments, names);
    }
    if (link.writeBack) {
      this.consume(link.writeBack.value, names);
      this.read(sideOf(link.writeBack.into), link.writeBack.target[0]);
    }
    for (const mapping of link.mappings) {
      this.consumeAll([mapping.condition], names);
      if (mapping.kind === "oneWay") {
        this.consume(mapping.value, names);
        // What the field holds now is compared with the value, to know whether to write.
        this.read(sideOf(mapping.into), mapping.target[0]);
      } else {
        this.read(left, mapping.left[0]);
        this.read(right, mapping.right[0]);
      }
    }
    if (link.conflicts?.policy === "newest") this.consumeAll([link.conflicts.left, link.conflicts.right], names);
  }

  /** A link side's records: of its collection, and of the view it reads them through, if any. */
  private side(side: LinkSide): Origins {
    return new Set([collectionId(side.system, side.collection), ...this.source(side.source)]);
  }

  /** A write's fields are read too: the record's value is compared with what is to be written. */
  private assignments(target: CollectionId, assignments: readonly Assignment[], names: Names): void {
    for (const a of assignments) {
      this.read(target, a.field[0]);
      this.consumeAll([a.value, a.addOnlyWhen], names);
    }
  }

  /** The names a rule's or view's clauses bind, in order, each clause's reads noted. */
  private clauses(clauses: readonly Clause[]): Names {
    const names: Names = new Map();
    for (const c of clauses) {
      switch (c.kind) {
        case "from":
          names.set(c.alias, this.value(c.source, names));
          break;
        case "let":
          names.set(c.name, this.value(c.value, names));
          break;
        case "where":
          this.consume(c.condition, names);
          break;
        case "skip":
          this.consumeAll([c.reason, c.condition], names);
          break;
        default:
          this.reads.everything = true;
      }
    }
    return names;
  }

  private source(source: Source): Origins {
    return "view" in source ? this.viewRows(source.view) : new Set([collectionId(source.system, source.collection)]);
  }

  /** The records a view's rows may be: what its select gives. */
  private viewRows(name: string): Origins {
    if (this.views.has(name)) {
      const rows = this.views.get(name);
      if (rows === undefined) this.reads.everything = true;
      return rows ?? NONE;
    }
    const view = this.plan.views.find((v) => v.name === name);
    if (!view) {
      this.reads.everything = true;
      return NONE;
    }
    this.views.set(name, undefined);
    const rows = this.value(view.select, this.clauses(view.clauses));
    this.views.set(name, rows);
    return rows;
  }

  private consumeAll(exprs: readonly (Expr | undefined)[], names: Names): void {
    for (const e of exprs) if (e) this.consume(e, names);
  }

  /** An expression whose value is used as a whole: a record in it may have every field read. */
  private consume(expr: Expr, names: Names): void {
    for (const id of this.value(expr, names)) this.reads.whole.add(id);
  }

  /** The records an expression's value may be, its reads noted on the way. */
  private value(expr: Expr, names: Names): Origins {
    switch (expr.op) {
      case "literal":
      case "param":
      case "now":
      case "lastRun":
        return NONE;
      case "var": {
        const bound = names.get(expr.name);
        if (bound === undefined) this.reads.everything = true;
        return bound ?? NONE;
      }
      case "get":
        // Over a list, the field of every item: the same field of the same collections.
        for (const id of this.value(expr.of, names)) this.read(id, expr.field);
        return NONE;
      case "rows":
        return this.source(expr.source);
      case "byKey":
        this.consume(expr.key, names);
        return this.source(expr.source);
      case "find": {
        const rows = this.source(expr.source);
        const candidate: Names = new Map([["$", rows]]);
        this.consumeAll(expr.fields, candidate);
        this.consumeAll(expr.values, names);
        return rows;
      }
      case "linked": {
        const link = this.plan.links[expr.link];
        // The counterpart is found by the record's key, which is read in any case.
        this.value(expr.record, names);
        if (!link) {
          this.reads.everything = true;
          return NONE;
        }
        const other = expr.from === "left" ? link.right : link.left;
        return new Set([collectionId(other.system, other.collection)]);
      }
      case "call":
        return this.call(expr, names);
      case "compare":
        // Against null, only whether there is a record is asked.
        if (isNull(expr.right)) this.value(expr.left, names);
        else if (isNull(expr.left)) this.value(expr.right, names);
        else this.consumeAll([expr.left, expr.right], names);
        return NONE;
      case "if": {
        this.consume(expr.condition, names);
        return union([this.value(expr.then, names), this.value(expr.else, names)]);
      }
      case "list":
        return union(expr.items.map((item) => this.value(item, names)));
      case "aggregate":
        this.consumeAll([expr.arg], names);
        return NONE;
      case "in":
        this.consumeAll([expr.item, expr.list], names);
        return NONE;
      case "arithmetic":
        this.consumeAll(expr.operands, names);
        return NONE;
      case "concat":
      case "and":
      case "or":
        this.consumeAll(expr.op === "concat" ? expr.parts : expr.args, names);
        return NONE;
      case "not":
      case "negate":
        this.consume(expr.arg, names);
        return NONE;
      case "object":
        this.consumeAll(expr.entries.map(([, value]) => value), names);
        return NONE;
      default:
        this.reads.everything = true;
        return NONE;
    }
  }

  private call(expr: Extract<Expr, { op: "call" }>, names: Names): Origins {
    if (PASSING_ON.has(expr.fn)) return union(expr.args.map((a) => this.value(a, names)));
    if (COUNTING.has(expr.fn)) {
      for (const a of expr.args) this.value(a, names);
      return NONE;
    }
    this.consumeAll(expr.args, names);
    return NONE;
  }
}

function isNull(expr: Expr): boolean {
  return expr.op === "literal" && expr.value === null;
}

function union(sets: readonly Origins[]): Origins {
  const all = new Set<CollectionId>();
  for (const s of sets) for (const id of s) all.add(id);
  return all;
}
