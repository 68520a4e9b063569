// A problem with an input file (snapshot, state, event, param), named by the file and the
// place in it: a JSON Pointer, or a line and column. Inputs are data, so they get data errors.

export interface InputProblem {
  readonly file: string;
  /** JSON Pointer into the document ("" for the whole document). */
  readonly pointer?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export function formatProblem(p: InputProblem): string {
  const place = p.line !== undefined ? `:${p.line}:${p.column ?? 1}` : "";
  const pointer = p.pointer !== undefined ? ` at ${p.pointer === "" ? "the top" : p.pointer}` : "";
  return `${p.file}${place}: error${pointer}: ${p.message}`;
}

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

/** Where JSON.parse stopped, from its message ("... at position 12" or "(line 3 column 5)"). */
export function jsonErrorPlace(text: string, error: Error): { line: number; column: number } | undefined {
  const lc = /line (\d+) column (\d+)/.exec(error.message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const position = /position (\d+)/.exec(error.message);
  if (position) return lineColumn(text, Number(position[1]));
  if (/end of JSON input/.test(error.message)) return lineColumn(text, text.length);
  return undefined;
}

/** JSON.parse's complaint without its position, which the problem carries on its own. */
export function jsonErrorReason(error: Error): string {
  return error.message
    .replace(/\s*\(line \d+ column \d+\)/, "")
    .replace(/ at position \d+.*$/, "")
    .replace(/^JSON\.parse: /, "");
}
