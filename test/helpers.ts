// What the tests share: the seed specs and the systems they are checked against.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSystems } from "../src/language/systems/load.js";

export const ROOT = process.cwd();
export const SYSTEMS = loadSystems(join(ROOT, "integrations")).systems;
export const SEED_SPECS: readonly { name: string; file: string; text: string }[] = readdirSync(join(ROOT, "specs"))
  .filter((f) => f.endsWith(".sync"))
  .sort()
  .map((f) => ({ name: f.replace(/\.sync$/, ""), file: `specs/${f}`, text: readFileSync(join(ROOT, "specs", f), "utf8") }));

/** An AST without spans and comments: what must survive formatting. */
export function shape(ast: unknown): string {
  return JSON.stringify(ast, (key, value) => (key === "span" || key === "directionSpan" || key === "comments" ? undefined : value));
}
