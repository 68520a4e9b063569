// Builds the `syncspec` command: one bundled ES module, dist/syncspec.js. Bundling is
// for start-up time: Chevrotain alone is hundreds of small modules that take longer to
// load than `syncspec check` takes to check every spec. Types are checked by `npm run check`.
import { bundle } from "./bundle.js";

await bundle("src/cli/main.ts", "dist/syncspec.js");
