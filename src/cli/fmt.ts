// `syncspec fmt [--check] [PATH ...]`: rewrites specs in the canonical layout, or with
// --check lists the ones that are not (exit 1), for CI. A spec that does not parse is
// reported and left untouched.
import { readFileSync } from "node:fs";
import { renderText } from "../diagnostics/render.js";
import { formatSpec } from "../language/format/format.js";
import { parseSpec } from "../language/compile.js";
import { displayPath, findSpecs } from "../source/files.js";
import { writeFileAtomic } from "../json/write-atomic.js";

export function runFmt(paths: string[], checkOnly: boolean, out: (t: string) => void, err: (t: string) => void): number {
  let status = 0;
  const changed: string[] = [];
  for (const file of findSpecs(paths.length > 0 ? paths : ["specs"])) {
    const text = readFileSync(file, "utf8");
    const parsed = parseSpec(text, displayPath(file));
    if (!parsed.ast) {
      for (const d of parsed.diagnostics) err(`${renderText(d, parsed.source)}\n\n`);
      status = 1;
      continue;
    }
    const formatted = formatSpec(parsed.ast, text);
    if (formatted === text) continue;
    changed.push(displayPath(file));
    if (!checkOnly) writeFileAtomic(file, formatted);
  }
  if (checkOnly) {
    for (const file of changed) out(`${file}: not formatted (run \`syncspec fmt ${file}\`)\n`);
    if (changed.length > 0) status = 1;
  } else {
    for (const file of changed) out(`formatted ${file}\n`);
  }
  return status;
}
