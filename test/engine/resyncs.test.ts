// `resyncs`: an event's trigger names records its run covers besides the event's own, found
// from it by key or by a field. A gift's event in a spec whose gifts reach the donor only
// through it re-syncs the donor's pair, as the donor's own event would; without `resyncs`
// the same event reaches the gift alone. Read in part, the run asks for the donor and its
// contact, and decides the same.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../src/input/event.js";
import { answerFrom, type ReadRequest } from "../../src/input/read-request.js";
import { runReading } from "../../src/engine/read-loop.js";
import { compileSpec, parseSpec } from "../../src/language/compile.js";
import { formatSpec } from "../../src/language/format/format.js";
import type { Plan } from "../../src/plan/types.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { applyAll, paramsFor, run, type Docs } from "./support.js";

const SEED = readFileSync(join(ROOT, "specs", "raisedonors-virtuous.sync"), "utf8");
/** The seed spec, its gift rule left out, its gift trigger as given. */
function spec(trigger: string): Plan {
  const text = SEED.slice(0, SEED.indexOf("# A succeeded, live gift")) + SEED.slice(SEED.indexOf("# Edits made through")).replace("on raisedonors gift.created: raisedonors -> virtuous", trigger);
  const compiled = compileSpec(text, "specs/gifts.sync", SYSTEMS);
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return compiled.plan!;
}

const DOCS: Docs = {
  raisedonors: {
    donors: { "1001": { id: "1001", firstName: "Ann", lastName: "Lee", email: "ann@example.org", phone: "555-0100", isOrganization: false, isArchived: false, modifiedDate: "2026-10-01T10:00:00Z" } },
    gifts: { g1: { id: "g1", donorId: "1001", amount: 25, currency: "USD", date: "2026-11-01", status: "Succeeded", isTestMode: false } },
  },
  virtuous: { contacts: {}, gifts: {} },
};
const GIFT: RunEvent = { system: "raisedonors", type: "gift.created", recordId: "g1" };

describe("resyncs", () => {
  it("re-syncs the donor a gift's event names, by key", () => {
    const first = run(spec("on raisedonors gift.created: raisedonors -> virtuous"), DOCS);
    const after = applyAll(DOCS, first.patches);
    after["raisedonors"]!["donors"]!["1001"]!["phone"] = "555-0199";
    after["raisedonors"]!["donors"]!["1001"]!["modifiedDate"] = "2026-11-02T10:00:00Z";
    const contact = Object.keys(after["virtuous"]!["contacts"]!)[0]!;

    const without = run(spec("on raisedonors gift.created: raisedonors -> virtuous"), after, { event: GIFT, state: first.state });
    expect(without.changes).toEqual([]);
    expect(without.outcomes.map((o) => o.reason)).toEqual(["raisedonors.gifts is passed over by no link or rule of gifts, so the event reached nothing"]);
    const plan = spec("on raisedonors gift.created as gift: raisedonors -> virtuous\n  resyncs raisedonors.donors[gift.donorId]");
    expect(plan.triggers.find((t) => t.kind === "event" && t.events?.includes("gift.created"))).toMatchObject({ resyncs: { alias: "gift", records: [{ system: "raisedonors", collection: "donors" }] } });
    const resynced = run(plan, after, { event: GIFT, state: first.state });
    expect(resynced.changes.map((c) => [c.system, c.key, c.changedFields])).toEqual([["virtuous", contact, ["phone"]]]);
    // As the donor's own event decides.
    const donorEvent = run(plan, after, { event: { system: "raisedonors", type: "donor.updated", recordId: "1001", actor: "admin" }, state: first.state });
    expect(resynced.changes).toEqual(donorEvent.changes);
  });

  it("re-syncs records found by a field, and reads them when it reads in part", async () => {
    const plan = spec("on raisedonors gift.created as gift: raisedonors -> virtuous\n  resyncs raisedonors.donors[id == gift.donorId]");
    const whole = run(plan, DOCS, { event: GIFT });
    // The donor has no contact yet: the gift's event makes it (and writes its id back).
    expect(whole.changes.map((c) => [c.system, c.collection, c.action]).sort()).toEqual([["raisedonors", "donors", "update"], ["virtuous", "contacts", "create"]]);
    const reading = await runReading({
      plan,
      systems: SYSTEMS,
      now: "2026-11-02T09:00:00Z",
      params: paramsFor(plan),
      event: GIFT,
      first: [{ system: "raisedonors", request: { collection: "gifts", keys: ["g1"] } }],
      read: async (system: string, requests: readonly ReadRequest[]) => answerFrom(DOCS[system] ?? {}, requests),
    });
    expect(reading.asked.map((a) => [a.system, a.request])).toContainEqual(["raisedonors", { collection: "donors", field: "id", values: ["1001"] }]);
    expect(reading.result.changes).toEqual(run(plan, DOCS, { event: GIFT, now: "2026-11-02T09:00:00Z" }).changes);
  });

  it("formats as it is written, and `fmt` keeps it", () => {
    const text = "sync raisedonors -> virtuous\n\non raisedonors gift.created as gift: raisedonors -> virtuous\n  resyncs raisedonors.donors[gift.donorId], virtuous.contacts[referenceId == gift.donorId]\n";
    const parsed = parseSpec(text, "specs/gifts.sync");
    expect(parsed.diagnostics).toEqual([]);
    expect(formatSpec(parsed.ast!, text)).toBe(text);
    const oneLine = text.replace("\n  resyncs", " resyncs");
    const reparsed = parseSpec(oneLine, "specs/gifts.sync");
    expect(formatSpec(reparsed.ast!, oneLine)).toBe(text);
  });
});
