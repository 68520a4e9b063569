// What `plan` and `apply` print without --json, for a run with more outcomes than a function
// call has room for arguments (it once overflowed the stack after `apply` had written).
import { describe, expect, it } from "vitest";
import { summary } from "../../src/cli/run.js";
import type { Outcome } from "../../src/engine/outcomes.js";

describe("the text summary of a run", () => {
  it("lists 300,000 outcomes, aligned", () => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 300_000; i++) outcomes.push({ system: "virtuous", collection: "contacts", key: `c${i}`, action: "create", reason: "created by the link" });
    outcomes.push({ system: "raisedonors", collection: "gifts", key: null, action: "skip", reason: "raisedonors.gifts is not in the snapshot" });
    const text = summary("raisedonors-virtuous", { patches: { raisedonors: [], virtuous: [] }, outcomes }, true);
    const lines = text.split("\n");
    expect(lines[0]).toBe("raisedonors-virtuous: 300000 creates, 1 skip");
    // The widest record is "virtuous.contacts c299999", 25 characters.
    expect(lines[1]).toBe(`  create   ${"virtuous.contacts c0".padEnd(25)}  created by the link`);
    expect(lines[300_001]).toBe(`  skip     ${"raisedonors.gifts (all)".padEnd(25)}  raisedonors.gifts is not in the snapshot`);
    expect(lines.at(-2)).toBe("applied: 0 raisedonors operations, 0 virtuous operations");
  });
});
