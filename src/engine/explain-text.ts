// Plan expressions written back as spec text, for `syncspec explain` to name the condition it
// shows the values of (`contact.referenceId == donor.id`). Close to what the author wrote;
// the plan keeps no text, so a `match` key reads left side first.
import type { Expr, Source } from "../plan/types.js";

function sourceText(source: Source): string {
  return "view" in source ? source.view : `${source.system}.${source.collection}`;
}

/** A value as an explanation's words show it: a whole record is cut short (the values themselves are kept whole beside the words). */
export function shown(v: unknown): string {
  const text = v === undefined ? "null" : (JSON.stringify(v) ?? "null");
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
const value = shown;

export function exprText(e: Expr): string {
  switch (e.op) {
    case "literal":
      return value(e.value);
    case "param":
      return e.name;
    case "var":
      return e.name;
    case "now":
      return "now";
    case "lastRun":
      return "lastRun";
    case "get":
      return e.of.op === "var" && e.of.name === "$" ? e.field : `${exprText(e.of)}.${e.field}`;
    case "rows":
      return sourceText(e.source);
    case "byKey":
      return `${sourceText(e.source)}[${exprText(e.key)}]`;
    case "find":
      return `${sourceText(e.source)}[${e.fields.map((f, i) => `${exprText(f)}: ${exprText(e.values[i]!)}`).join(", ")}]`;
    case "linked":
      return `linked(${exprText(e.record)})`;
    case "call":
      return `${e.fn}(${e.args.map(exprText).join(", ")})`;
    case "aggregate":
      return `${e.fn}(${e.arg ? exprText(e.arg) : ""})`;
    case "compare":
      return `${exprText(e.left)} ${e.operator} ${exprText(e.right)}`;
    case "in":
      return `${exprText(e.item)} in ${exprText(e.list)}`;
    case "arithmetic":
      return e.operands.map((o, i) => (i === 0 ? exprText(o) : `${e.operators[i - 1]} ${exprText(o)}`)).join(" ");
    case "concat":
      return e.parts.map(exprText).join(" + ");
    case "and":
      return e.args.map((a) => (a.op === "or" ? `(${exprText(a)})` : exprText(a))).join(" and ");
    case "or":
      return e.args.map(exprText).join(" or ");
    case "not":
      return `not ${exprText(e.arg)}`;
    case "negate":
      return `-${exprText(e.arg)}`;
    case "if":
      return `if ${exprText(e.condition)} then ${exprText(e.then)} else ${exprText(e.else)}`;
    case "list":
      return `[${e.items.map(exprText).join(", ")}]`;
    case "object":
      return `{ ${e.entries.map(([k, v]) => `${k}: ${exprText(v)}`).join(", ")} }`;
  }
}
