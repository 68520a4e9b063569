// Writes the generated files (grammar/errors.md, grammar/diagrams.html) from the sources.
// The generators are TypeScript, so they are bundled first, into a temporary module.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundle } from "./bundle.js";

const dir = mkdtempSync(join(tmpdir(), "syncspec-generate-"));
try {
  const outfile = join(dir, "generated.mjs");
  await bundle("src/language/generated-docs.ts", outfile);
  const { GENERATED } = await import(pathToFileURL(outfile).href);
  for (const file of GENERATED) {
    writeFileSync(file.path, file.make());
    console.log(`wrote ${file.path}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
