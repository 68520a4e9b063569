// The command line as a user meets it: exit codes, output, and no partial writes.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

function syncspec(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-cli-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  mkdirSync(join(dir, "specs"));
  copyFileSync(join(ROOT, "specs/raisedonors-virtuous.sync"), join(dir, "specs/raisedonors-virtuous.sync"));
  return dir;
}

describe("syncspec check", () => {
  it("passes the seed specs with exit 0", () => {
    const r = syncspec(["check"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("checked 7 specs against 10 systems: 0 errors");
  });

  it("reports a broken spec with file, line and column, exit 1, and no stack trace", () => {
    const dir = workspace();
    const file = join(dir, "specs/raisedonors-virtuous.sync");
    writeFileSync(file, readFileSync(file, "utf8").replace("donor.phone <-> contact.phone", "donor.phone <-> contact.phon"));
    const r = syncspec(["check"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/specs\/raisedonors-virtuous\.sync:\d+:\d+: error NAM003: a virtuous\.contacts record has no field `phon`/);
    expect(r.stdout).toContain("did you mean `phone`?");
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);

    const json = syncspec(["check", "--json"], dir);
    expect(json.status).toBe(1);
    const diagnostics = JSON.parse(json.stdout) as { file: string; line: number; column: number; code: string; severity: string; message: string }[];
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: "specs/raisedonors-virtuous.sync", code: "NAM003", severity: "error" });
  });

  it("says which system definition is broken, and where", () => {
    const dir = workspace();
    const file = join(dir, "integrations/raisedonors/system.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace("key: id", "key: identifier"));
    const r = syncspec(["check"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/integrations\/raisedonors\/system\.yaml:\d+:\d+: error SYS001: the key field "identifier" is not a property/);
  });

  it("is a usage error (exit 2) for an unknown command or a missing path, the path's without the usage", () => {
    expect(syncspec(["frobnicate"]).status).toBe(2);
    const r = syncspec(["check", "no/such/folder"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("syncspec: no/such/folder: no such file or folder\n");
    expect(syncspec(["plan", "no/such.sync", "--snapshot", "a=b"]).stderr).toBe("syncspec: no/such.sync: no such file\n");
  });

  it("answers COMMAND --help with that command's usage, and --version with the version", () => {
    for (const args of [["run", "--help"], ["run", "specs/sandbox.deploy.yaml", "-h"], ["help", "run"]]) {
      const r = syncspec(args);
      expect(r.status, args.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/^usage: syncspec run \[options\]\n\n {2}run DEPLOYMENT .*\n.*--watch.*\n.*--sandbox/);
      expect(r.stdout).not.toContain("compile SPEC");
    }
    const version = syncspec(["--version"]);
    expect(version.stdout).toBe(`syncspec ${(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version}\n`);
    expect(syncspec(["--help"]).stdout).toContain("syncspec COMMAND --help shows one command's");
  });

  it("names an option a command does not have in its own words, with the command's usage", () => {
    const r = syncspec(["check", "--jsn"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^syncspec: check has no option --jsn\n\nusage: syncspec check \[options\]\n/);
    // Node's own advice, with its unbalanced quote, is not passed on.
    expect(r.stderr).not.toContain("To specify a positional argument");
    expect(syncspec(["runs", "specs/sandbox.deploy.yaml", "--limit"]).stderr).toMatch(/^syncspec: --limit takes a value: --limit VALUE\n/);
  });
});

describe("syncspec compile", () => {
  it("prints the plan, and writes it with -o", () => {
    const r = syncspec(["compile", "specs/vomo-virtuous.sync"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ syncspec: "plan", version: 1, integration: "vomo-virtuous" });
    const dir = workspace();
    const out = join(dir, "plan.json");
    expect(syncspec(["compile", "specs/raisedonors-virtuous.sync", "-o", out], dir).status).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).integration).toBe("raisedonors-virtuous");
  });

  it("writes nothing when the spec has an error", () => {
    const dir = workspace();
    const file = join(dir, "specs/raisedonors-virtuous.sync");
    writeFileSync(file, readFileSync(file, "utf8").replace("sync raisedonors", "sync raisedonor"));
    const out = join(dir, "plan.json");
    const r = syncspec(["compile", "specs/raisedonors-virtuous.sync", "-o", out], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("unknown system `raisedonor`");
    expect(existsSync(out)).toBe(false);
  });
});

describe("syncspec fmt", () => {
  it("finds the seed specs formatted, and formats a messy one in place", () => {
    expect(syncspec(["fmt", "--check"]).status).toBe(0);
    const dir = workspace();
    const file = join(dir, "specs/raisedonors-virtuous.sync");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, original.replace("donor.phone <-> contact.phone", "donor.phone    <->contact.phone"));
    expect(syncspec(["fmt", "--check"], dir).status).toBe(1);
    expect(syncspec(["fmt"], dir).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(original);
  });
});

describe("syncspec plan --event", () => {
  it("says which records the event reached and why; --json keeps to patches and outcomes", () => {
    const dir = workspace();
    writeFileSync(join(dir, "gift.json"), JSON.stringify({ system: "raisedonors", type: "gift.created", recordId: "g1" }));
    const args = ["plan", "specs/raisedonors-virtuous.sync", "--snapshot", "raisedonors=integrations/raisedonors/sample.json", "--snapshot", "virtuous=integrations/virtuous/sample.json", "--event", "gift.json"];
    const r = syncspec(args, dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      [
        "the event reached 3 records:",
        "  reached  raisedonors.gifts g1     the event names it",
        "  reached  raisedonors.donors 1001  looked up by the rule at line 40 from the event's raisedonors.gifts",
        "  reached  virtuous.contacts c1     paired with raisedonors.donors 1001 by the link at line 6",
      ].join("\n"),
    );
    const json = JSON.parse(syncspec([...args, "--json"], dir).stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["integration", "patches", "outcomes"]);
    // A run without an event reaches everything: no such list.
    expect(syncspec(args.slice(0, -2), dir).stdout).not.toContain("reached");
  });
});
