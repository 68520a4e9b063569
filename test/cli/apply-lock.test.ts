// Two `syncspec apply` runs at once over a shared snapshot (issue 13, item 3): neither may drop
// the other's changes. Either both land, or one apply refuses (exit 1, with a message) and the
// file holds the other's changes whole. A lock left by a process that is gone is taken over.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

const NOW = "2026-11-02T00:00:00Z";
/** Both specs write to virtuous: RaiseDonors' donors and gifts, and VOMO's volunteers. */
const APPLIES = {
  raisedonors: ["apply", "specs/raisedonors-virtuous.sync", "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=virtuous.json", "--state", "rd-state.json", "--now", NOW],
  vomo: ["apply", "specs/vomo-virtuous.sync", "--snapshot", "vomo=vomo.json", "--snapshot", "virtuous=virtuous.json", "--state", "vomo-state.json", "--now", NOW, "--param", "connected_at=2026-10-01T00:00:00Z"],
} as const;
type Name = keyof typeof APPLIES;

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-apply-lock-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  mkdirSync(join(dir, "specs"));
  for (const spec of ["raisedonors-virtuous.sync", "vomo-virtuous.sync"]) cpSync(join(ROOT, "specs", spec), join(dir, "specs", spec));
  cpSync(join(dir, "integrations/raisedonors/sample.json"), join(dir, "rd.json"));
  cpSync(join(dir, "integrations/vomo/sample.json"), join(dir, "vomo.json"));
  // Groups neither spec reads make each apply's read-to-write stretch longer than the jitter of
  // starting two processes, so that without a lock the two overlap, and one's changes are lost, every time.
  const shared = JSON.parse(readFileSync(join(dir, "integrations/virtuous/sample.json"), "utf8")) as { organizationGroups: Record<string, unknown> };
  for (let i = 0; i < 40_000; i++) shared.organizationGroups[`grp-filler-${i}`] = { id: `grp-filler-${i}`, name: `Filler ${i}`, contactIds: ["c1"] };
  writeFileSync(join(dir, "virtuous.json"), JSON.stringify(shared));
  return dir;
}

function applyNow(name: Name, cwd: string) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...APPLIES[name]], { cwd, encoding: "utf8" });
  return { status: result.status, stderr: result.stderr };
}

function applyAsync(name: Name, cwd: string): Promise<{ name: Name; status: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), ...APPLIES[name]], { cwd });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  return new Promise((resolve) => child.on("close", (status) => resolve({ name, status, stderr })));
}

const virtuous = (dir: string): unknown => JSON.parse(readFileSync(join(dir, "virtuous.json"), "utf8"));

/** virtuous.json after the applies named, one after the other, from the sample. */
function afterInTurn(...names: Name[]): unknown {
  const dir = workspace();
  for (const name of names) expect(applyNow(name, dir).status).toBe(0);
  return virtuous(dir);
}

describe("two applies at once over one snapshot", () => {
  it("never lose either one's changes", async () => {
    const alone = { raisedonors: afterInTurn("raisedonors"), vomo: afterInTurn("vomo") };
    const both = [afterInTurn("raisedonors", "vomo"), afterInTurn("vomo", "raisedonors")];
    for (const one of Object.values(alone)) expect(both).not.toContainEqual(one);

    for (let trial = 0; trial < 4; trial++) {
      const dir = workspace();
      const results = await Promise.all([applyAsync("raisedonors", dir), applyAsync("vomo", dir)]);
      const refused = results.filter((r) => r.status !== 0);
      if (refused.length === 0) {
        expect(both).toContainEqual(virtuous(dir));
      } else {
        // One may refuse, with a message and no stack, and then the file is the other's whole.
        expect(refused).toHaveLength(1);
        expect(refused[0]!.status).toBe(1);
        expect(refused[0]!.stderr).toMatch(/virtuous\.json: .*\nnothing was written\n$/);
        expect(refused[0]!.stderr).not.toMatch(/\n\s+at /);
        expect(virtuous(dir)).toEqual(alone[refused[0]!.name === "vomo" ? "raisedonors" : "vomo"]);
      }
      expect(existsSync(join(dir, "virtuous.json.lock"))).toBe(false);
    }
  });

  it("waits for a lock a live process holds, and goes on once it is released", async () => {
    const dir = workspace();
    // This test's own process stands for another apply that holds the snapshot.
    writeFileSync(join(dir, "virtuous.json.lock"), String(process.pid));
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), ...APPLIES.vomo], { cwd: dir });
    child.stdout.resume();
    let stderr = "";
    const waiting = new Promise<void>((resolve) =>
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes("waiting")) resolve();
      }),
    );
    const status = new Promise<number | null>((resolve) => child.on("close", resolve));
    await Promise.race([waiting, status]);
    expect(stderr).toBe(`virtuous.json: waiting for another syncspec apply (process ${process.pid}) to finish writing it\n`);
    rmSync(join(dir, "virtuous.json.lock"));
    expect(await status).toBe(0);
    expect(virtuous(dir)).toEqual(afterInTurn("vomo"));
    expect(existsSync(join(dir, "virtuous.json.lock"))).toBe(false);
  });

  it("takes over the lock a process that is gone left beside a snapshot", () => {
    const dir = workspace();
    writeFileSync(join(dir, "virtuous.json.lock"), "2147483646");
    const r = applyNow("vomo", dir);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(virtuous(dir)).toEqual(afterInTurn("vomo"));
    expect(existsSync(join(dir, "virtuous.json.lock"))).toBe(false);
  });
});
