// `npm run bench`: the project's speed figures, each beside a baseline measured in the same
// run on the same machine, so the ratios mean the same on a faster or slower one.
//
//   compile   a generated 10,000-line spec, in process; baseline: lexing the same text
//             (the floor of any Chevrotain front end). Target: 50,000 lines/s or more.
//   check     `syncspec check specs/` as a whole process; baseline: `node -e 0`, Node's own
//             start-up. Target: under 1 second.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundle } from "../scripts/bundle.js";

const dir = mkdtempSync(join(tmpdir(), "syncspec-bench-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (f, runs) => {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
};

try {
  const outfile = join(dir, "bench-api.mjs");
  await bundle("bench/api.ts", outfile);
  const api = await import(pathToFileURL(outfile).href);
  const systems = api.loadSystems("integrations").systems;

  const spec = api.generateSpec(10_000);
  const lines = spec.split("\n").length;
  const check = api.compileSpec(spec, "bench.sync", systems);
  if (!check.plan) throw new Error(`the generated spec does not compile: ${check.diagnostics[0]?.message}`);
  for (let i = 0; i < 3; i++) api.compileSpec(spec, "bench.sync", systems); // warm up
  const compileMs = time(() => api.compileSpec(spec, "bench.sync", systems), 7);
  const lexMs = time(() => api.lexOnly(spec), 7);

  const run = (args) => time(() => {
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  }, 7);
  const nodeMs = run(["-e", "0"]);
  const checkMs = run(["bin/syncspec.js", "check", "specs"]);

  const rows = [
    ["compile a 10,000-line spec", `${Math.round(lines / (compileMs / 1000)).toLocaleString("en-US")} lines/s (${compileMs.toFixed(0)} ms for ${lines} lines)`, `${(compileMs / lexMs).toFixed(1)}x lexing alone (${lexMs.toFixed(0)} ms)`, ">= 50,000 lines/s", lines / (compileMs / 1000) >= 50_000],
    ["`syncspec check specs/`, whole process", `${checkMs.toFixed(0)} ms`, `${(checkMs / nodeMs).toFixed(1)}x \`node -e 0\` (${nodeMs.toFixed(0)} ms)`, "< 1,000 ms", checkMs < 1000],
  ];
  console.log("| measure | figure | against the baseline | target | met |");
  console.log("|---|---|---|---|---|");
  for (const [name, figure, ratio, target, met] of rows) console.log(`| ${name} | ${figure} | ${ratio} | ${target} | ${met ? "yes" : "NO"} |`);
  if (rows.some((r) => !r[4])) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
