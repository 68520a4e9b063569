// `syncspec fmt`: one canonical layout for a spec. Prints the AST (so the output parses to
// the same AST) and puts each comment back before the item it preceded, or at the end of
// the line it ended. Blank lines between statements are kept, at most one.
import type * as A from "../ast/nodes.js";
import type { Span } from "../../source/source-file.js";

const INDENT = "  ";
/** Past this width an `if` breaks before each `else`, and a condition before `or`. */
const WIDTH = 100;

/** Binding strength of each expression form; a child weaker than its place needs parentheses. */
const PRECEDENCE = { if: 0, or: 1, and: 2, not: 3, compare: 4, add: 5, multiply: 6, unary: 7, postfix: 8 } as const;

function precedenceOf(e: A.Expr): number {
  switch (e.kind) {
    case "if":
      return PRECEDENCE.if;
    case "binary": {
      // The operators of a chain share one precedence.
      const operator = e.operators[0];
      if (operator === "or") return PRECEDENCE.or;
      if (operator === "and") return PRECEDENCE.and;
      if (operator === "+" || operator === "-") return PRECEDENCE.add;
      if (operator === "*" || operator === "/") return PRECEDENCE.multiply;
      return PRECEDENCE.compare;
    }
    case "unary":
      return e.operator === "not" ? PRECEDENCE.not : PRECEDENCE.unary;
    default:
      return PRECEDENCE.postfix;
  }
}

export function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (code < 32 || code === 127) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function formatNumber(value: number): string {
  return value.toLocaleString("en-US", { useGrouping: false, maximumFractionDigits: 20 });
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatExpr(e: A.Expr, min = 0): string {
  const text = formatBare(e);
  return precedenceOf(e) < min ? `(${text})` : text;
}

function formatBare(e: A.Expr): string {
  switch (e.kind) {
    case "number":
      return formatNumber(e.value);
    case "string":
      return quote(e.value);
    case "bool":
      return String(e.value);
    case "null":
      return "null";
    case "name":
      return e.name;
    case "member":
      return `${formatExpr(e.object, PRECEDENCE.postfix)}.${e.field.name}`;
    case "index":
      return `${formatExpr(e.object, PRECEDENCE.postfix)}[${formatExpr(e.index)}]`;
    case "call":
      return `${e.callee.name}(${e.args.map((a) => formatExpr(a)).join(", ")})`;
    case "unary":
      // `not (a in b)` keeps its parentheses: `not a in b` reads as if `not` bound to `a`.
      return e.operator === "not" ? `not ${formatExpr(e.operand, PRECEDENCE.compare + 1)}` : `-${formatExpr(e.operand, PRECEDENCE.unary)}`;
    case "binary": {
      const p = precedenceOf(e);
      // Comparisons do not chain, so both sides bind tighter; other operators associate left,
      // so only what follows an operator needs parentheses at the same precedence. A chain is
      // printed in one loop, however long.
      let text = formatExpr(e.operands[0]!, p === PRECEDENCE.compare ? p + 1 : p);
      for (let i = 0; i < e.operators.length; i++) text += ` ${e.operators[i]} ${formatExpr(e.operands[i + 1]!, p + 1)}`;
      return text;
    }
    case "if":
      return `if ${formatExpr(e.condition)} then ${formatExpr(e.then)} else ${formatExpr(e.otherwise)}`;
    case "list":
      return `[${e.items.map((i) => formatExpr(i)).join(", ")}]`;
    case "object":
      return `{${e.entries.map((entry) => `${entry.quoted || !IDENTIFIER.test(entry.name.name) ? quote(entry.name.name) : entry.name.name}: ${formatExpr(entry.value)}`).join(", ")}}`;
  }
}

/** An expression that may break over lines when it is too wide: before `else`, or before a top-level `or`. */
function formatWide(e: A.Expr, firstLineWidth: number, indent: string): string {
  const flat = formatExpr(e);
  if (firstLineWidth + flat.length <= WIDTH) return flat;
  const more = indent + INDENT;
  if (e.kind === "if") {
    // An else-if chain breaks before each `else`, one choice a line.
    let out = `if ${formatExpr(e.condition)} then ${formatExpr(e.then)}`;
    let rest = e.otherwise;
    while (rest.kind === "if") {
      out += `\n${more}else if ${formatExpr(rest.condition)} then ${formatExpr(rest.then)}`;
      rest = rest.otherwise;
    }
    return `${out}\n${more}else ${formatExpr(rest)}`;
  }
  if (e.kind === "binary" && (e.operators[0] === "or" || e.operators[0] === "and")) {
    const operator = e.operators[0];
    const min = precedenceOf(e) + 1;
    return e.operands.map((p, i) => (i === 0 ? "" : `\n${more}${operator} `) + formatExpr(p, min)).join("");
  }
  return flat;
}

class Printer {
  private readonly lines: string[] = [];
  private next = 0;
  /** Where the last printed item ended in the source, to keep the blank lines the author left. */
  private lastEnd: number | undefined;

  constructor(
    private readonly text: string,
    private readonly comments: readonly A.Comment[],
  ) {}

  /** Prints the comments that start before `offset`, each on its own line at this indent. */
  leading(offset: number, indent: string): void {
    while (this.next < this.comments.length && this.comments[this.next]!.span.start < offset) {
      this.lines.push(indent + this.comments[this.next]!.text.trimEnd());
      this.next++;
    }
  }

  /** Appends a comment that sits on the same line as the end of `span`. */
  trailing(span: Span): void {
    const comment = this.comments[this.next];
    if (!comment) return;
    const between = this.text.slice(span.end, comment.span.start);
    if (!between.includes("\n") && /^[\s}\])]*$/.test(between)) {
      this.lines[this.lines.length - 1] += ` ${comment.text.trimEnd()}`;
      this.next++;
    }
  }

  line(text: string): void {
    // One by one: a long `or` broken over lines has more lines than a call takes arguments.
    for (const line of text.split("\n")) this.lines.push(line);
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== "") this.lines.push("");
  }

  /** Keeps one blank line where the author left one or more before `start` (or before its first comment). */
  private keepBlank(start: number): void {
    if (this.lastEnd === undefined) return;
    const comment = this.comments[this.next];
    const until = comment && comment.span.start < start ? comment.span.start : start;
    const last = this.lines[this.lines.length - 1];
    if (/\n[ \t\r]*\n/.test(this.text.slice(this.lastEnd, until)) && last !== undefined && !last.endsWith("{")) this.blank();
  }

  /** An item: its leading comments, its text, and a comment left at its end. */
  item(span: Span, indent: string, text: string): void {
    this.keepBlank(span.start);
    this.leading(span.start, indent);
    this.line(indent + text);
    this.trailing(span);
    this.lastEnd = span.end;
  }

  /** A block: `head {`, its items, and `}`, with comments inside kept inside. */
  /** `after`: where the block's head ends in the source; its `{` is the first one past it. */
  block(span: Span, indent: string, head: string, after: number, body: () => void, empty = false): void {
    const brace = this.text.indexOf("{", after);
    const open = brace >= 0 ? brace : undefined;
    this.keepBlank(span.start);
    this.leading(span.start, indent);
    if (empty && !this.hasCommentBefore(span.end)) {
      this.line(`${indent}${head} {}`);
      this.trailing(span);
      this.lastEnd = span.end;
      return;
    }
    this.line(`${indent}${head} {`);
    // A comment on the opening line stays there.
    if (open !== undefined) {
      this.trailing({ start: open, end: open + 1 });
      this.lastEnd = open + 1;
    }
    body();
    this.leading(span.end - 1, indent + INDENT);
    this.line(`${indent}}`);
    this.trailing(span);
    this.lastEnd = span.end;
  }

  private hasCommentBefore(offset: number): boolean {
    const comment = this.comments[this.next];
    return comment !== undefined && comment.span.start < offset;
  }

  finish(): string {
    this.leading(Number.POSITIVE_INFINITY, "");
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === "") this.lines.pop();
    return `${this.lines.join("\n")}\n`;
  }
}

export function formatSpec(spec: A.Spec, text: string): string {
  const p = new Printer(text, spec.comments);
  for (const statement of spec.statements) printStatement(p, statement);
  return p.finish();
}

function printStatement(p: Printer, s: A.Statement): void {
  switch (s.kind) {
    case "sync":
      return p.item(s.span, "", `sync ${s.left.name} ${s.direction} ${s.right.name}`);
    case "param": {
      const type = s.type.kind === "enumType" ? s.type.values.map((v) => quote(v.value)).join(" | ") : `${s.type.name.name}${s.type.list ? "[]" : ""}`;
      return p.item(s.span, "", `param ${s.name.name}: ${type}${s.default ? ` = ${formatExpr(s.default)}` : ""}`);
    }
    case "view": {
      const [first, ...rest] = s.clauses;
      p.item(s.span, "", `view ${s.name.name} = ${clauseText(first!, "")}`);
      for (const clause of rest) p.item(clause.span, INDENT, clauseText(clause, INDENT));
      return p.item({ start: s.select.span.start, end: s.span.end }, INDENT, `select ${formatExpr(s.select)}`);
    }
    case "link": {
      const head = `link ${s.left.alias.name} in ${formatExpr(s.left.source)} ${s.direction} ${s.right.alias.name} in ${formatExpr(s.right.source)}`;
      return p.block(s.span, "", head, s.right.source.span.end, () => printLinkItems(p, s.items));
    }
    case "rule": {
      s.clauses.forEach((clause, i) => p.item(clause.span, i === 0 ? "" : INDENT, clauseText(clause, i === 0 ? "" : INDENT)));
      return printAction(p, s.action);
    }
    case "limit":
      return p.item(s.span, "", `limit ${s.measure.name} of ${formatExpr(s.target)} to ${formatNumber(s.percent.value)}%${s.floor ? ` when more than ${formatNumber(s.floor.value)}` : ""}`);
    case "eventTrigger": {
      const events = s.events ? s.events.map((e) => e.name).join(", ") : "any event";
      const actors = s.actors.length > 0 ? ` by ${s.actors.map((a) => a.name).join(", ")}` : "";
      const record = s.record ? ` as ${s.record.name}` : "";
      const resyncs = s.resyncs ? `\n${INDENT}resyncs ${s.resyncs.map(formatExpr).join(", ")}` : "";
      return p.item(s.span, "", `on ${s.system.name} ${events}${actors}${record}${directionText(s.direction)}${resyncs}`);
    }
    case "scheduleTrigger": {
      const sc = s.schedule;
      const schedule =
        sc.kind === "every"
          ? `every ${sc.count ? `${formatNumber(sc.count.value)} ` : ""}${sc.unit.name}`
          : sc.kind === "nightly"
            ? `nightly${sc.at ? ` at ${sc.at.value}` : ""}`
            : `cron ${quote(sc.expression.value)}`;
      return p.item(s.span, "", `${schedule}${s.zone ? ` in ${quote(s.zone.value)}` : ""}${directionText(s.direction)}`);
    }
  }
}

function directionText(d: A.DirectionRef | undefined): string {
  return d ? `: ${d.left.name} ${d.direction} ${d.right.name}` : "";
}

function clauseText(c: A.Clause, indent: string): string {
  switch (c.kind) {
    case "from":
      return `from ${c.alias.name} in ${formatExpr(c.source)}`;
    case "let":
      return `let ${c.name.name} = ${formatWide(c.value, indent.length + 7 + c.name.name.length, indent)}`;
    case "where":
      return `where ${formatWide(c.condition, indent.length + 6, indent)}`;
    case "skip":
      return skipText(c, indent);
  }
}

function skipText(c: A.SkipClause, indent: string): string {
  const reason = formatExpr(c.reason);
  const head = `skip ${reason}`;
  const condition = formatExpr(c.condition);
  if (indent.length + head.length + condition.length + 6 <= WIDTH) return `${head} when ${condition}`;
  return `${head}\n${indent}${INDENT}when ${formatWide(c.condition, indent.length + 7, indent + INDENT)}`;
}

function printAction(p: Printer, a: A.Action): void {
  if (a.kind === "delete") {
    return p.item(a.span, INDENT, `delete ${formatExpr(a.target)}${a.key ? ` key ${formatExpr(a.key)}` : ""}`);
  }
  const head = `${a.mode} ${formatExpr(a.target)} key ${formatExpr(a.key)}`;
  p.block(a.span, INDENT, head, a.key.span.end, () => printAssignments(p, a.assignments, INDENT + INDENT), a.assignments.length === 0);
}

function printAssignments(p: Printer, assignments: readonly A.Assignment[], indent: string): void {
  for (const a of assignments) {
    const head = `${a.initially ? "initially " : ""}${a.field.name} = `;
    const value = formatWide(a.value, indent.length + head.length, indent);
    const addOnly = a.addOnlyWhen ? ` add only when ${formatExpr(a.addOnlyWhen)}` : "";
    p.item(a.span, indent, `${head}${value}${addOnly}`);
  }
}

function printLinkItems(p: Printer, items: readonly A.LinkItem[]): void {
  const indent = INDENT;
  for (const item of items) {
    switch (item.kind) {
      case "match":
        p.item(item.span, indent, `${item.fallback ? "else " : ""}match ${formatWide(item.condition, indent.length + 6, indent)}`);
        break;
      case "writeBack":
        p.item(item.span, indent, `write back ${formatExpr(item.value)} to ${formatExpr(item.target)}`);
        break;
      case "skip":
        p.item(item.span, indent, skipText(item, indent));
        break;
      case "create": {
        let head = `create ${item.alias.name} key ${formatExpr(item.key)}`;
        if (item.condition) {
          const condition = formatExpr(item.condition);
          head +=
            indent.length + head.length + condition.length + 8 <= WIDTH
              ? ` when ${condition}`
              : `\n${indent}${INDENT + INDENT}when ${formatWide(item.condition, indent.length + 9, indent + INDENT + INDENT)}`;
        }
        const after = (item.condition ?? item.key).span.end;
        p.block(item.span, indent, head, after, () => printAssignments(p, item.assignments, indent + INDENT), item.assignments.length === 0);
        break;
      }
      case "when":
        p.block(item.span, indent, `when ${formatExpr(item.condition)}`, item.condition.span.end, () => {
          for (const m of item.mappings) p.item(m.span, indent + INDENT, mappingText(m, indent + INDENT));
        });
        break;
      case "conflicts": {
        const policy = item.policy;
        const text =
          policy.kind === "prefer"
            ? `conflicts prefer ${policy.system.name}`
            : `conflicts newest by ${policy.timestamps.map((t) => formatExpr(t)).join(", ")}${policy.tie ? `, tie ${policy.tie.name}` : ""}`;
        p.item(item.span, indent, text);
        break;
      }
      case "mapping":
        p.item(item.span, indent, mappingText(item, indent));
        break;
    }
  }
}

function mappingText(m: A.Mapping, indent: string): string {
  // A mapping that starts with `-` would join the line above as a subtraction, and an `if`
  // would swallow the arrow in a reader's eye: both keep parentheses.
  let left = m.left.kind === "if" ? `(${formatWide(m.left, 3, indent)})` : formatExpr(m.left);
  if (left.startsWith("-")) left = `(${left})`;
  const renames = m.renames
    ? ` { ${m.renames.map((r) => (r.from.name === r.to.name ? r.from.name : `${r.from.name}: ${r.to.name}`)).join(", ")} }`
    : "";
  const condition = m.condition ? ` when ${formatExpr(m.condition)}` : "";
  const compare = m.compare ? ` as ${m.compare.map((c) => c.name).join(", ")}` : "";
  return `${left}${renames} ${m.direction} ${formatExpr(m.right)}${compare}${condition}`;
}
