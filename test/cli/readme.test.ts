// The README's examples are what the tool does: each shell block whose comment lines show the
// output is run from the repository's root, and its output compared line for line.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../helpers.js";

/** The README's ```sh blocks that start with a syncspec command and show its output as "# " lines. */
function examples(): { command: string[]; output: string[] }[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...readme.matchAll(/```sh\n(syncspec [^]*?)```/g)].flatMap(([, block]) => {
    const lines = block!.trimEnd().split("\n");
    const output = lines.filter((l) => l.startsWith("# ")).map((l) => l.slice(2));
    if (output.length === 0) return [];
    const command = lines.filter((l) => !l.startsWith("#")).join(" ").replace(/\\\s+/g, " ").trim().split(/\s+/);
    return [{ command, output }];
  });
}

it("shows in its examples what the commands print", () => {
  const found = examples();
  expect(found.length).toBeGreaterThan(0);
  for (const { command, output } of found) {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...command.slice(1)], { cwd: ROOT, encoding: "utf8" });
    expect(r.stderr, command.join(" ")).toBe("");
    expect(r.stdout.trimEnd().split("\n"), command.join(" ")).toEqual(output);
  }
});

it("names in integrations/README.md's table each system's pagination as its connector.yaml says", () => {
  const readme = readFileSync(join(ROOT, "integrations", "README.md"), "utf8");
  const rows = [...readme.matchAll(/^\| `([a-z-]+)` \| [^\n]*\| ([a-z, ]+) \|$/gm)].filter(([, style]) => ["skip-take", "page-next-link", "offset-limit", "next-records-url"].includes(style!));
  expect(rows).toHaveLength(4);
  const named = new Map(rows.flatMap(([, style, systems]) => systems!.split(", ").map((system) => [system, style!] as const)));
  const systems = readdirSync(join(ROOT, "integrations")).filter((name) => existsSync(join(ROOT, "integrations", name, "connector.yaml")));
  expect([...named.keys()].sort()).toEqual(systems.sort());
  for (const system of systems) {
    const style = /^pagination: (\S+)$/m.exec(readFileSync(join(ROOT, "integrations", system, "connector.yaml"), "utf8"))?.[1];
    expect(named.get(system), system).toBe(style);
  }
});

it("gives in grammar/README.md date and datetime param defaults the tool takes", () => {
  const grammar = readFileSync(join(ROOT, "grammar", "README.md"), "utf8");
  for (const [, example] of grammar.matchAll(/`(param \w+: (?:date|datetime) = "[^"]+")`/g)) {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-readme-"));
    cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
    mkdirSync(join(dir, "specs"));
    writeFileSync(join(dir, "specs", "v.sync"), readFileSync(join(ROOT, "specs", "vomo-virtuous.sync"), "utf8").replace(/^param connected_at: datetime$/m, (line) => `${line}\n${example!.replace(/param \w+/, "param doc_example")}`));
    const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "check", "specs"], { cwd: dir, encoding: "utf8" });
    expect(r.stdout, example).toMatch(/: 0 errors$/m);
  }
});

it("gives in grammar/tests.md a test file that syncspec test runs and passes", () => {
  const doc = readFileSync(join(ROOT, "grammar", "tests.md"), "utf8");
  const yaml = /```yaml\n([^]*?)```/.exec(doc)![1]!;
  const dir = mkdtempSync(join(tmpdir(), "syncspec-tests-md-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  mkdirSync(join(dir, "specs"));
  cpSync(join(ROOT, "specs", "raisedonors-virtuous.sync"), join(dir, "specs", "raisedonors-virtuous.sync"));
  writeFileSync(join(dir, "specs", "raisedonors-virtuous.test.yaml"), yaml);
  const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "test", "specs"], { cwd: dir, encoding: "utf8" });
  expect(r.stdout).toMatch(/^1 passed, 0 failed$/m);
  // Every key the format reads is in the document.
  for (const key of ["spec", "fixtures", "cases", "name", "covers", "now", "params", "state", "snapshots", "runs", "event", "edit", "expect", "records", "absent", "patches", "unchanged", "outcomes", "fails", "reason"]) expect(doc, key).toContain(`${key}`);
});
