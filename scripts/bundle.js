// The one way this project bundles TypeScript into an ES module for Node, shared by the
// build, the generators and the benchmarks.
import { build } from "esbuild";

export async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // A native addon finds its compiled binary beside its own package; it cannot be bundled.
    external: ["better-sqlite3"],
    // Bundled CommonJS (ajv, yaml) calls require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __syncspecCreateRequire } from 'node:module'; const require = __syncspecCreateRequire(import.meta.url);" },
  });
}
