// What the playground shows is what `syncspec plan` says: for every seed spec over its sample
// data, the page's analysis (the same function the page runs) gives the CLI's patches and
// outcomes; a mistake is marked where it is, in the spec and in a snapshot.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze, systemsOf } from "../../src/pages/playground/analyze.js";
import { exportCase } from "../../src/pages/playground/export-case.js";
import { ROOT } from "../helpers.js";

const definitions = Object.fromEntries(
  readdirSync(join(ROOT, "integrations"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      try {
        return [[d.name, readFileSync(join(ROOT, "integrations", d.name, "system.yaml"), "utf8")]];
      } catch {
        return [];
      }
    }),
) as Record<string, string>;
const systems = systemsOf(definitions);
const NOW = "2026-11-05T00:00:00Z";

describe("the playground's analysis", () => {
  for (const file of readdirSync(join(ROOT, "specs")).filter((f) => f.endsWith(".sync"))) {
    const name = file.replace(/\.sync$/, "");
    it(`${name}: the patches and outcomes of syncspec plan`, () => {
      const spec = readFileSync(join(ROOT, "specs", file), "utf8");
      const pair = /^sync (\w+) \S+ (\w+)$/m.exec(spec)!;
      const [left, right] = [pair[1]!, pair[2]!];
      const sample = (s: string) => readFileSync(join(ROOT, "integrations", s, "sample.json"), "utf8");
      const params = name === "vomo-virtuous" ? "connected_at=2026-10-01T00:00:00Z" : "";
      const a = analyze({ specName: `specs/${file}`, spec, snapshots: { [left]: sample(left), [right]: sample(right) }, params, now: NOW }, systems);
      expect(a.spec.filter((m) => m.severity === "error")).toEqual([]);
      const cli = spawnSync(
        process.execPath,
        [join(ROOT, "bin/syncspec.js"), "plan", join(ROOT, "specs", file), "--snapshot", `${left}=${join(ROOT, "integrations", left, "sample.json")}`, "--snapshot", `${right}=${join(ROOT, "integrations", right, "sample.json")}`, "--now", NOW, "--json", ...(params ? ["--param", params] : [])],
        { encoding: "utf8" },
      );
      const planned = JSON.parse(cli.stdout) as { patches: Record<string, unknown>; outcomes: unknown[]; failure?: { message: string } };
      expect(a.run?.patches).toEqual(planned.patches);
      expect(a.run!.records.flatMap((r) => r.outcomes)).toEqual(planned.outcomes);
      expect(a.run?.failure).toBe(planned.failure?.message);
    });
  }

  it("marks a spec's mistake at its place, and a snapshot's at the value its pointer names", () => {
    const spec = "sync raisedonors <-> virtuous\n\nlink donor in raisedonors.donors <-> contact in virtuous.contacts {\n  match contact.referenceId == donor.idd\n}\n";
    const rd = '{"donors": {"1": {"id": "1", "firstName": 7}}, "gifts": {}}';
    const a = analyze({ specName: "x.sync", spec, snapshots: { raisedonors: rd, virtuous: "{}" }, params: "", now: NOW }, systems);
    const mark = a.spec.find((m) => m.severity === "error")!;
    expect(spec.slice(mark.from, mark.to)).toBe("idd");
    expect(mark.message).toMatch(/^NAM\d{3}: .*idd/);
    const bad = a.snapshots["raisedonors"]![0]!;
    // The record the schema refuses.
    expect(rd.slice(bad.from, bad.to)).toBe('{"id": "1", "firstName": 7}');
    expect(bad.message).toMatch(/^SNP\d{3}: /);
    expect(a.run).toBeUndefined();
  });

  it("says what is wrong with a param or the time, and plans nothing", () => {
    const spec = readFileSync(join(ROOT, "specs", "vomo-virtuous.sync"), "utf8");
    const a = analyze({ specName: "v.sync", spec, snapshots: { vomo: "{}", virtuous: "{}" }, params: "connected_at=yesterday\nnonsense", now: "soon" }, systems);
    expect(a.settings).toEqual([
      'now: "soon" is not a datetime such as 2026-11-05T00:00:00Z',
      'params: "nonsense" is not NAME=VALUE',
      'PAR002: connected_at must be a datetime, such as "2026-11-01T14:05:00Z" (given: yesterday)',
    ]);
    expect(a.run).toBeUndefined();
    // A param not given at all is asked for in the page's own form.
    const missing = analyze({ specName: "v.sync", spec, snapshots: { vomo: "{}", virtuous: "{}" }, params: "", now: NOW }, systems);
    expect(missing.settings).toEqual(["PAR003: v needs the param connected_at (datetime); give it as a line connected_at=VALUE"]);
  });

  it("exports a case with the snapshots, params, time and patches", () => {
    const spec = readFileSync(join(ROOT, "specs", "mobilecommons-crm.sync"), "utf8");
    const input = { specName: "specs/mobilecommons-crm.sync", spec, snapshots: { mobilecommons: '{"profiles": {}}', crm: '{"constituents": {}}' }, params: "mode=liberal", now: NOW };
    const text = exportCase(input, analyze(input, systems), "nothing on either side");
    expect(text).toBe(
      [
        "# Exported from the syncspec playground: a case for specs/mobilecommons-crm.test.yaml (grammar/tests.md).",
        "spec: mobilecommons-crm.sync",
        "cases:",
        "  - name: nothing on either side",
        "    now: 2026-11-05T00:00:00Z",
        "    params:",
        "      mode: liberal",
        "    snapshots:",
        "      mobilecommons:",
        "        profiles: {}",
        "      crm:",
        "        constituents: {}",
        "    runs:",
        "      - expect:",
        "          patches:",
        "            mobilecommons: []",
        "            crm: []",
        "",
      ].join("\n"),
    );
  });
});
