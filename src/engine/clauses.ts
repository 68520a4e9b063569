// Rows from clauses: `from` iterates, `let` binds, `where` filters, `skip` reports and drops.
// Views and rules share this; each row's values sit in a frame, by slot.
import type { Clause } from "../plan/types.js";
import { compileExpr, SkipRow, type Compiled, type EvalContext, type Frame } from "./expressions.js";

export interface CompiledClauses {
  readonly slots: ReadonlyMap<string, number>;
  /**
   * Runs the clauses. `emit` gets each row with its root (the item of the first `from`);
   * `skip` gets each dropped row's root with the reason; `keep` may leave roots out.
   */
  run(emit: (frame: Frame, root: unknown) => void, skip: (root: unknown, reason: string) => void, keep?: (root: unknown) => boolean): void;
}

type Step = (frame: Frame, root: unknown) => void;

/**
 * `syncspec explain`: told each time a row reaches clause `clause` (its index; the number of
 * clauses when the row passed them all), with the row's values so far. Wrapped around the
 * steps when the clauses are compiled with it, so clauses compiled without it cost nothing.
 */
export type ClauseTrace = (clause: number, frame: Frame, root: unknown) => void;

/**
 * `scanFirst`: the first `from` reads only the records a run was told of, when its
 * collection was read in part (a rule whose each record decides alone, see RuleRun).
 */
export function compileClauses(clauses: readonly Clause[], ctx: EvalContext, scanFirst = false, trace?: ClauseTrace): CompiledClauses {
  const slots = new Map<string, number>();
  const compiled: ({ kind: "from"; slot: number; source: Compiled } | { kind: "let"; slot: number; value: Compiled } | { kind: "where"; condition: Compiled } | { kind: "skip"; reason: Compiled; condition: Compiled })[] = [];
  for (const clause of clauses) {
    switch (clause.kind) {
      case "from": {
        const over = clause.source;
        const source = scanFirst && compiled.length === 0 && over.op === "rows" ? () => ctx.scan(over.source) : compileExpr(over, slots, ctx);
        slots.set(clause.alias, slots.size);
        compiled.push({ kind: "from", slot: slots.get(clause.alias)!, source });
        break;
      }
      case "let": {
        const value = compileExpr(clause.value, slots, ctx);
        slots.set(clause.name, slots.size);
        compiled.push({ kind: "let", slot: slots.get(clause.name)!, value });
        break;
      }
      case "where":
        compiled.push({ kind: "where", condition: compileExpr(clause.condition, slots, ctx) });
        break;
      case "skip":
        compiled.push({ kind: "skip", reason: compileExpr(clause.reason, slots, ctx), condition: compileExpr(clause.condition, slots, ctx) });
        break;
    }
  }
  const size = slots.size;
  return {
    slots,
    run(emit, skip, keep) {
      // Steps are built back to front, each calling the next: one closure per clause.
      let next: Step = trace ? (frame, root) => (trace(compiled.length, frame, root), emit(frame, root)) : emit;
      for (let i = compiled.length - 1; i >= 0; i--) {
        const c = compiled[i]!;
        const after = next;
        switch (c.kind) {
          case "from":
            next =
              i === 0
                ? (_frame, _root) => {
                    const items = c.source([]);
                    if (!Array.isArray(items)) return;
                    for (const item of items) {
                      if (keep && !keep(item)) continue;
                      const frame: Frame = new Array(size);
                      frame[c.slot] = item;
                      try {
                        after(frame, item);
                      } catch (error) {
                        if (error instanceof SkipRow) skip(item, error.reason);
                        else throw error;
                      }
                    }
                  }
                : (frame, root) => {
                    const items = c.source(frame);
                    if (!Array.isArray(items)) return;
                    for (const item of items) {
                      const inner = frame.slice();
                      inner[c.slot] = item;
                      after(inner, root);
                    }
                  };
            break;
          case "let":
            next = (frame, root) => {
              frame[c.slot] = c.value(frame);
              after(frame, root);
            };
            break;
          case "where":
            next = (frame, root) => {
              if (c.condition(frame) === true) after(frame, root);
            };
            break;
          case "skip":
            next = (frame, root) => {
              if (c.condition(frame) === true) skip(root, String(c.reason(frame) ?? "skipped"));
              else after(frame, root);
            };
            break;
        }
        if (trace && i > 0) {
          const step = next;
          next = (frame, root) => (trace(i, frame, root), step(frame, root));
        }
      }
      next([], undefined);
    },
  };
}
