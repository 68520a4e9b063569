// Writes grammar/diagrams.html from the built parser (run `npx tsc -p tsconfig.build.json` first), so the
// committed page is regenerated rather than edited; test/grammar/diagrams.test.ts fails when it goes stale.
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diagramsHtml } from "../dist/parser/diagrams.js";

/** Writes `<root>/grammar/diagrams.html` and returns its path. */
export function generateDiagrams(root) {
  const file = join(root, "grammar", "diagrams.html");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, diagramsHtml());
  return file;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && realpathSync(resolve(process.argv[1])) === self) {
  const file = generateDiagrams(resolve(dirname(self), ".."));
  console.log(`wrote ${file}`);
}
