// `syncspec explain`: why a record synced, or not, over the sample data, through the built CLI.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

function syncspec(args: string[]) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SPEC = "specs/raisedonors-virtuous.sync";
const SAMPLES = ["--snapshot", "raisedonors=integrations/raisedonors/sample.json", "--snapshot", "virtuous=integrations/virtuous/sample.json", "--now", "2026-11-05T00:00:00Z"];

describe("syncspec explain", () => {
  it("shows a donor's match failing on the existing contacts and the create making its contact", () => {
    const r = syncspec(["explain", SPEC, "raisedonors.donors/1003", ...SAMPLES]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    // The match as the spec writes it.
    expect(r.stdout).toContain('match at 7:3: contact.referenceSource == "RaiseDonors" and contact.referenceId == donor.id');
    // The key looked for, and who has it: c4, whose condition then fails.
    expect(r.stdout).toContain('donor.id == contact.referenceId: looked for "1003": c4 has it');
    expect(r.stdout).toContain('c4 has the same key, but contact.referenceSource == "RaiseDonors" at 7:3: "Eventbrite" vs "RaiseDonors" failed');
    expect(r.stdout).toContain("-> no virtuous.contacts record matches");
    expect(r.stdout).toContain("counterpart: virtuous.contacts rd-1003, by the create at 10:3");
    expect(r.stdout).toContain("create virtuous.contacts at 10:3: creates virtuous.contacts rd-1003");
    // The plan's own outcome lines end it.
    const plan = syncspec(["plan", SPEC, ...SAMPLES]).stdout.split("\n");
    expect(r.stdout).toContain(plan.find((l) => l.includes("create   virtuous.contacts rd-1003"))!.trim());
  });

  it("shows the rule's skip for a gift whose donor is not there", () => {
    const r = syncspec(["explain", SPEC, "raisedonors.gifts/g5", ...SAMPLES]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stopped skip .* at 43:3: skipped: gift g5 names donor 9999/);
    expect(r.stdout).toContain("skip     raisedonors.gifts g5  gift g5 names donor 9999, who is not in the RaiseDonors snapshot");
  });

  it("shows a gift's rule writing the Virtuous gift, and the where a failed gift stops at", () => {
    const ok = syncspec(["explain", SPEC, "raisedonors.gifts/g1", ...SAMPLES]);
    expect(ok.stdout).toContain("writes: creates virtuous.gifts rd-gift-g1");
    expect(ok.stdout).toContain('contactId = "c1"');
    const failed = syncspec(["explain", SPEC, "raisedonors.gifts/g3", ...SAMPLES]);
    expect(failed.stdout).toContain('gift.status == "Succeeded" at 41:3: "Failed" vs "Succeeded" failed');
    expect(failed.stdout).toContain("-> stopped at where (41:3)");
  });

  it("shows a conflict and how the policy resolved it, from a state file", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-explain-"));
    cpSync(join(ROOT, "integrations/raisedonors/sample.json"), join(dir, "rd.json"));
    cpSync(join(ROOT, "integrations/virtuous/sample.json"), join(dir, "v.json"));
    const files = ["--snapshot", `raisedonors=${join(dir, "rd.json")}`, "--snapshot", `virtuous=${join(dir, "v.json")}`, "--state", join(dir, "state.json"), "--now", "2026-11-05T00:00:00Z"];
    expect(syncspec(["apply", SPEC, ...files]).status).toBe(0);
    // Both sides change the phone since the last sync; the contact's record is the newer.
    const rd = readFileSync(join(dir, "rd.json"), "utf8").replace('"202-555-0101"', '"202-555-0111"');
    writeFileSync(join(dir, "rd.json"), rd);
    const v = readFileSync(join(dir, "v.json"), "utf8").replace('"202-555-0101"', '"202-555-0122"').replace('"modifiedDateTimeUtc": "2026-11-01T09:00:00Z"', '"modifiedDateTimeUtc": "2026-11-02T09:00:00Z"');
    writeFileSync(join(dir, "v.json"), v);
    const r = syncspec(["explain", SPEC, "raisedonors.donors/1001", ...files]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('donor.phone <-> contact.phone at 30:3 (left "202-555-0111", right "202-555-0122", last synced "202-555-0101"): conflict (both sides changed since the last sync), resolved right -> left: virtuous\'s record is the newer (conflicts at 36:3)');
    expect(r.stdout).toMatch(/conflict +raisedonors\.donors 1001 +phone differs/);
    const json = JSON.parse(syncspec(["explain", SPEC, "raisedonors.donors/1001", ...files, "--json"]).stdout);
    expect(json.links[0].mappings.find((m: { text: string }) => m.text === "donor.phone <-> contact.phone")).toMatchObject({ left: "202-555-0111", right: "202-555-0122", last: "202-555-0101" });
  });

  it("says why a total drops to 0: the rule wrote the record before, and no row is left for it", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-explain-"));
    cpSync(join(ROOT, "integrations/vomo/sample.json"), join(dir, "vomo.json"));
    cpSync(join(ROOT, "integrations/virtuous/sample.json"), join(dir, "v.json"));
    const files = ["--snapshot", `vomo=${join(dir, "vomo.json")}`, "--snapshot", `virtuous=${join(dir, "v.json")}`, "--state", join(dir, "state.json"), "--param", "connected_at=2026-10-01T00:00:00Z"];
    expect(syncspec(["apply", "specs/vomo-virtuous.sync", ...files, "--now", "2026-11-05T00:00:00Z"]).status).toBe(0);
    // Every participation is declined after all.
    writeFileSync(join(dir, "vomo.json"), readFileSync(join(dir, "vomo.json"), "utf8").replaceAll('"status": "APPROVED"', '"status": "DECLINED"'));
    const r = syncspec(["explain", "specs/vomo-virtuous.sync", "virtuous.volunteerAttendances/c10:vomo-project-p1", ...files, "--now", "2026-11-06T00:00:00Z"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(
      [
        "rule at 51:1: from p in counted ... upsert virtuous.volunteerAttendances",
        "  writes: updates virtuous.volunteerAttendances c10:vomo-project-p1",
        "    timesServed = 0",
        "    hours = 0",
        "    lastServedDate = null",
        "  -> no row is left for it: the rule wrote it before, so its totals become those of no rows (timesServed, hours, lastServedDate)",
      ].join("\n"),
    );
  });

  it("gives the same content as JSON", () => {
    const r = syncspec(["explain", SPEC, "raisedonors.donors/1003", ...SAMPLES, "--json"]);
    expect(r.status).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.record).toEqual({ system: "raisedonors", collection: "donors", key: "1003" });
    expect(e.links[0].counterpart).toMatchObject({ key: "rd-1003", by: "the create at 10:3" });
    expect(e.links[0].matches[0].failedFor[0].key).toBe("c4");
    expect(e.outcomes.map((o: { action: string; key: string }) => `${o.action} ${o.key}`)).toEqual(["update 1003", "create rd-1003"]);
  });

  it("names the argument it cannot use: exit 1 for a record or collection not there, 2 for a malformed one", () => {
    const missing = syncspec(["explain", SPEC, "raisedonors.donors/77", ...SAMPLES]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('RECORD raisedonors.donors/77: integrations/raisedonors/sample.json holds no raisedonors.donors record with the key "77"');
    const unused = syncspec(["explain", SPEC, "virtuous.organizationGroups/grp-major", ...SAMPLES]);
    expect(unused.status).toBe(1);
    expect(unused.stderr).toContain("uses no collection virtuous.organizationGroups");
    const bad = syncspec(["explain", SPEC, "donors-1003", ...SAMPLES]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('RECORD takes system.collection/key (such as raisedonors.donors/1003), not "donors-1003"');
    for (const r of [missing, unused, bad]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("with --event says whether the event reached the record, in plan --event's words, and lists each outcome once", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-explain-event-"));
    writeFileSync(join(dir, "gift.json"), JSON.stringify({ system: "raisedonors", type: "gift.created", recordId: "g1" }));
    const event = ["--event", join(dir, "gift.json")];
    const explained = syncspec(["explain", SPEC, "raisedonors.gifts/g1", ...SAMPLES, ...event]);
    expect(explained.status).toBe(0);
    const planned = syncspec(["plan", SPEC, ...SAMPLES, ...event]).stdout;
    // The words plan --event prints for the record (plan aligns its column to the longest of its records).
    expect(planned).toMatch(/^ {2}reached {2}raisedonors\.gifts g1 +the event names it$/m);
    expect(explained.stdout).toContain("  reached  raisedonors.gifts g1  the event names it");
    const outcomes = explained.stdout.split("what the plan does:\n")[1]!.trim().split("\n");
    expect(outcomes).toEqual(["create   virtuous.gifts rd-gift-g1  created by the rule at line 40"]);
    // A record the event did not reach says so.
    const other = syncspec(["explain", SPEC, "raisedonors.donors/1003", ...SAMPLES, ...event]);
    expect(other.stdout).toContain("the event did not reach it");
  });
});
