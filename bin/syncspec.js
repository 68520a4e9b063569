#!/usr/bin/env node
// The `syncspec` command. `npm install` builds the sources into dist/syncspec.js.
import { existsSync } from "node:fs";

const entry = new URL("../dist/syncspec.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("syncspec: not built yet; run `npm install` (or `npm run build`) in the syncspec folder\n");
  process.exit(2);
}
await import(entry.href);
