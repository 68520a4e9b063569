// The `sync` line and the params: which two systems a spec joins, which way it may write,
// and the typed values it takes at run time.
import type * as A from "../ast/nodes.js";
import { message } from "../../diagnostics/catalog.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import { readSchedule } from "../schedule/schedule.js";
import { NAMED_TYPES, SCHEDULE, assignable, describe, list, type Type } from "../types/type.js";
import type { CheckContext, Scope } from "./context.js";
import { checkExpr } from "./expressions.js";

export function checkSync(statements: readonly A.Statement[], ctx: CheckContext, scope: Scope): A.SyncStatement | undefined {
  const syncs = statements.filter((s): s is A.SyncStatement => s.kind === "sync");
  const sync = syncs[0];
  if (!sync) {
    ctx.error({ start: 0, end: 0 }, message("SEM001", "noSync"));
    return undefined;
  }
  for (const extra of syncs.slice(1)) {
    ctx.error(extra.span, message("SEM009", "oneSync"), { notes: [{ message: message("SEM009", "firstIsHere").text, span: sync.span }] });
  }
  let ok = true;
  for (const side of [sync.left, sync.right]) {
    const system = ctx.systems.get(side.name);
    if (!system) {
      ctx.error(side.span, message("NAM001", "unknownSystem", { name: side.name }), {
        suggestion: didYouMean(side.name, ctx.systems.keys()),
        notes: [{ message: message("NAM001", "systemsAre", { systems: [...ctx.systems.keys()].join(", ") }).text }],
      });
      ok = false;
      continue;
    }
    scope.define(side.name, { kind: "system", system, span: side.span });
  }
  if (sync.left.name === sync.right.name) {
    ctx.error(sync.right.span, message("SEM001", "sameSystems"));
    ok = false;
  }
  if (!ok) return undefined;
  ctx.syncSystems = [sync.left.name, sync.right.name];
  ctx.writable = new Set(
    sync.direction === "<->" ? [sync.left.name, sync.right.name] : sync.direction === "->" ? [sync.right.name] : [sync.left.name],
  );
  return sync;
}

/** The value of a literal default, or undefined when the default is not a literal. */
function literalValue(expr: A.Expr): P.JsonValue | undefined {
  switch (expr.kind) {
    case "number":
    case "string":
    case "bool":
      return expr.value;
    case "null":
      return null;
    case "unary":
      if (expr.operator === "-" && expr.operand.kind === "number") return -expr.operand.value;
      return undefined;
    case "list": {
      const items = expr.items.map(literalValue);
      return items.every((i) => i !== undefined) ? (items as P.JsonValue[]) : undefined;
    }
    default:
      return undefined;
  }
}

/** The names other languages give the param types, for "did you mean". */
const TYPE_ALIASES: Record<string, string> = {
  string: "str",
  text: "str",
  integer: "int",
  number: "num",
  float: "num",
  decimal: "num",
  boolean: "bool",
  timestamp: "datetime",
  time: "datetime",
};

export function checkParams(statements: readonly A.Statement[], ctx: CheckContext, scope: Scope): P.ParamPlan[] {
  const params: P.ParamPlan[] = [];
  for (const statement of statements) {
    if (statement.kind !== "param") continue;
    const { name, type: ref } = statement;
    let type: Type;
    let typeName: P.TypeName;
    let values: string[] | undefined;
    if (ref.kind === "enumType") {
      values = ref.values.map((v) => v.value);
      const seen = new Set<string>();
      for (const v of ref.values) {
        if (seen.has(v.value)) ctx.error(v.span, message("NAM008", "listedTwice", { value: JSON.stringify(v.value) }));
        seen.add(v.value);
      }
      type = { kind: "enum", values };
      typeName = "str";
    } else {
      const named = NAMED_TYPES.get(ref.name.name);
      if (!named || (ref.list && named === SCHEDULE)) {
        const near = TYPE_ALIASES[ref.name.name] ?? didYouMean(ref.name.name, NAMED_TYPES.keys());
        ctx.error(ref.span, message("NAM004", "unknownType", { type: `${ref.name.name}${ref.list ? "[]" : ""}` }), {
          suggestion: near === undefined ? undefined : `${near}${ref.list ? "[]" : ""}`,
          notes: [{ message: message("NAM004", "paramTypes").text }],
        });
        continue;
      }
      type = ref.list ? list(named) : named;
      typeName = `${ref.name.name}${ref.list ? "[]" : ""}` as P.TypeName;
    }
    let defaultValue: P.JsonValue | undefined;
    if (statement.default) {
      const checked = checkExpr(statement.default, { ctx, scope });
      defaultValue = literalValue(statement.default);
      if (defaultValue === undefined) {
        ctx.error(statement.default.span, message("TYP016", "notLiteral"));
      } else if (type.kind === "schedule") {
        if (typeof defaultValue !== "string") ctx.error(statement.default.span, message("TYP001", "scheduleDefault"));
        else {
          const parsed = readSchedule(defaultValue);
          if ("error" in parsed) ctx.error(statement.default.span, parsed.error);
        }
      } else if (type.kind === "enum" && typeof defaultValue === "string" && !type.values.includes(defaultValue)) {
        const suggestion = didYouMean(defaultValue, type.values);
        ctx.error(statement.default.span, message("TYP004", "defaultNotAllowed", { value: JSON.stringify(defaultValue), allowed: describe(type) }), {
          ...(suggestion !== undefined ? { suggestion: JSON.stringify(suggestion) } : {}),
        });
      } else if (!assignable(checked.type, type)) {
        // A date or datetime written as a string of the wrong form: how it is written.
        const written = typeof defaultValue === "string" && (type.kind === "date" || type.kind === "datetime") ? [{ message: message("TYP001", type.kind === "date" ? "writeDate" : "writeDatetime").text }] : [];
        ctx.error(statement.default.span, message("TYP001", "defaultType", { expected: describe(type), found: describe(checked.type) }), { notes: written });
      }
    }
    const earlier = scope.define(name.name, { kind: "param", type, span: name.span });
    if (earlier) {
      ctx.error(name.span, message("NAM008", "alreadyDefined", { name: name.name }), {
        ...("span" in earlier && earlier.span ? { notes: [{ message: message("NAM008", "firstDefined").text, span: earlier.span }] } : {}),
      });
      continue;
    }
    params.push({
      name: name.name,
      type: typeName,
      ...(values ? { values } : {}),
      ...(defaultValue !== undefined ? { default: defaultValue } : {}),
      required: statement.default === undefined,
      span: ctx.planSpan(statement.span),
    });
  }
  return params;
}
