// Reading JSON input, and where it stops being JSON (or YAML): Node's JSON.parse says so in words that
// differ between versions, and sometimes not at all, so the place is found here.
import { message } from "../diagnostics/catalog.js";
import { problem, type Place, type Problem } from "../diagnostics/problem.js";
import { MAX_DEPTH, type NotHeldAt } from "./held-values.js";
import { pointerOf } from "./pointer.js";
import type { NotUtf8 } from "./read-text.js";

/** The 1-based line and column of an offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Where JSON.parse stopped: from its message ("... at position 12", "(line 3 column 5)"), or found again when it says nowhere. */
export function jsonErrorPlace(text: string, error: Error): { line: number; column: number } {
  const lc = /line (\d+) column (\d+)/.exec(error.message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const position = /position (\d+)/.exec(error.message);
  if (position) return lineColumn(text, Number(position[1]));
  return lineColumn(text, firstJsonError(text));
}

/**
 * The offset where a text stops being JSON. Node 20 words some JSON.parse errors without a
 * place ("Unexpected token '}', ... is not valid JSON"), so this walks the text once more,
 * only after JSON.parse has failed.
 */
export function firstJsonError(text: string): number {
  let i = 0;
  const n = text.length;
  const space = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === "{") {
      i++;
      space();
      if (text[i] === "}") return void i++;
      for (;;) {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ":") fail();
        i++;
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    } else if (c === "[") {
      i++;
      space();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    } else if (c === '"') string();
    else if (c !== undefined && /[-0-9]/.test(c)) {
      const m = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
      m.lastIndex = i;
      if (!m.exec(text)) fail();
      i = m.lastIndex;
    } else {
      for (const word of ["true", "false", "null"]) if (text.startsWith(word, i)) return void (i += word.length);
      fail();
    }
  };
  const string = (): void => {
    const m = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
    m.lastIndex = i;
    if (!m.exec(text)) fail();
    i = m.lastIndex;
  };
  try {
    value();
    space();
    return i < n ? i : n;
  } catch (at) {
    return typeof at === "number" ? at : n;
  }
}

/** JSON.parse's complaint without its position, which the problem carries on its own. */
export function jsonErrorReason(error: Error): string {
  return error.message
    .replace(/\s*\(line \d+ column \d+\)/, "")
    .replace(/ at position \d+.*$/, "")
    .replace(/, (".*"|\.\.\.".*") is not valid JSON$/s, "")
    .replace(/^JSON\.parse: /, "");
}

/** Parses an input file's JSON, or says where it is not JSON. */
export function parseJsonInput(text: string, file: string): { data: unknown } | { problems: Problem[] } {
  try {
    return { data: JSON.parse(text) as unknown };
  } catch (error) {
    return { problems: [problem({ file, ...jsonErrorPlace(text, error as Error) }, message("INP002", "notJson", { reason: jsonErrorReason(error as Error) }))] };
  }
}

/** A YAML parser's error as a problem at `place`: a key written twice (INP004), or text that is not YAML (INP003). */
export function yamlProblem(error: { code: string; message: string }, place: Place): Problem {
  // Nesting deep enough to overflow the parser's stack is past the limit of what is read (held-values.ts).
  if (error.code === "RESOURCE_EXHAUSTION" && error.message.startsWith("Maximum call stack size exceeded")) return problem(place, message("INP003", "tooDeep", { limit: MAX_DEPTH }));
  // The place is the problem's own; the parser's first line repeats it at its end.
  const reason = error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
  return problem(place, error.code === "DUPLICATE_KEY" ? message("INP004", "yamlDuplicate", { reason }) : message("INP003", "notYaml", { reason }));
}

/** The code of text a JSON file (INP002) or a YAML one (INP003) cannot be read as. */
export type NotReadCode = "INP002" | "INP003";

/** Bytes that are not UTF-8, as a problem at their line and column that names the byte's offset. */
export function notUtf8Problem(at: NotUtf8, file: string, code: NotReadCode): Problem {
  return problem({ file, line: at.line, column: at.column }, message(code, "notUtf8", { offset: at.offset, byte: at.byte.toString(16).padStart(2, "0") }));
}

/** A value syncspec cannot hold as written (held-values.ts), as a problem at its pointer. */
export function notHeldProblem(at: NotHeldAt, file: string, code: NotReadCode): Problem {
  const place = { file, pointer: pointerOf(at.path) };
  const { notHeld } = at;
  switch (notHeld.why) {
    case "tooDeep":
      return problem(place, message(code, "tooDeep", { limit: MAX_DEPTH }));
    case "loneSurrogate":
      return problem(place, message(code, "loneSurrogate", { what: notHeld.what, unit: notHeld.unit }));
    default:
      return problem(place, message(code, notHeld.why));
  }
}
