// Builds the `syncspec` command: one bundled ES module, dist/syncspec.js. Bundling is
// for start-up time: Chevrotain alone is hundreds of small modules that take longer to
// load than `syncspec check` takes to check every spec. Types are checked by `npm run check`.
import { build } from "esbuild";

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/syncspec.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  // Some bundled CommonJS (ajv, yaml) calls require(); give the ES module one.
  banner: { js: "import { createRequire as __syncspecCreateRequire } from 'node:module'; const require = __syncspecCreateRequire(import.meta.url);" },
});
