// Builds the `syncspec` command: one bundled ES module, dist/syncspec.js. Bundling is
// for start-up time: Chevrotain alone is hundreds of small modules that take longer to
// load than `syncspec check` takes to check every spec. Types are checked by `npm run check`.
import { cpSync, rmSync } from "node:fs";
import { bundle, bundlePage } from "./bundle.js";

rmSync("dist", { recursive: true, force: true });

// The service (`run`, `runs`: an HTTP client and server, a scheduler, SQLite) is half the
// code and is loaded only by its commands, in chunks beside syncspec.js.
await bundle("src/cli/main.ts", "dist/syncspec.js", { split: true });
// The worker that reads and outlines a large JSON snapshot (src/input/outlined-snapshot.ts).
await bundle("src/input/snapshot-outline-worker.ts", "dist/snapshot-outline-worker.js");
// The thread the service plans its runs on (src/engine/plan-thread.ts).
await bundle("src/engine/plan-worker.ts", "dist/plan-worker.js");
// The pages syncspec serves on loopback (the playground, and the service's own at `/`): each
// page's script bundled for the browser with its HTML and the shared style sheet beside it.
// Nothing is fetched from elsewhere: the pages work without a network.
for (const page of ["playground", "service"]) {
  await bundlePage(`src/pages/${page}/main.ts`, `dist/pages/${page}.js`);
  cpSync(`src/pages/${page}/index.html`, `dist/pages/${page}.html`);
}
cpSync("src/pages/pages.css", "dist/pages/pages.css");
