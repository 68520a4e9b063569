// What `npm install` finds: every dependency, and every peer a dependency asks for, at a
// version it accepts, so an install prints no warning of conflicting peers (as esbuild 0.25
// beside vite 8 did).
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { ROOT } from "../helpers.js";

it("installs every dependency and peer at a version that is asked for", { timeout: 60_000 }, () => {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const listed = spawnSync(npm, ["ls", "--all", "--json"], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28 });
  const tree = JSON.parse(listed.stdout) as { problems?: string[] };
  expect(tree.problems ?? []).toEqual([]);
  expect(listed.status).toBe(0);
});
