// An event trigger whose event names records no link or rule of the spec passes over (directly or through a view)
// starts runs that change nothing: `check` warns about it (SEM016), at the event's name, the
// example grammar/errors.md shows (test/golden/problems/SEM016.txt).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderText } from "../../../src/diagnostics/render.js";
import { compileSpec } from "../../../src/language/compile.js";
import { ROOT, SEED_SPECS, SYSTEMS } from "../../helpers.js";
import { expectExampleText } from "../../diagnostics/examples.js";

/** The seed RaiseDonors <-> Virtuous spec, its gift rule left out: nothing passes over raisedonors.gifts. */
const SEED = readFileSync(join(ROOT, "specs", "raisedonors-virtuous.sync"), "utf8");
const WITHOUT_GIFTS = SEED.slice(0, SEED.indexOf("# A succeeded, live gift")) + SEED.slice(SEED.indexOf("# Edits made through"));

describe("SEM016: an event that reaches nothing", () => {
  it("is a warning at the event's name, naming its collection, and the spec still compiles", () => {
    const result = compileSpec(WITHOUT_GIFTS, "specs/donors.sync", SYSTEMS);
    expect(result.plan).toBeDefined();
    expect(result.diagnostics).toHaveLength(1);
    const [warning] = result.diagnostics;
    expect(warning).toMatchObject({ code: "SEM016", severity: "warning" });
    expect(warning!.message).toBe("raisedonors gift.created names a record of raisedonors.gifts, which no link or rule of this spec passes over: its run would change nothing");
    expect(WITHOUT_GIFTS.slice(warning!.span.start, warning!.span.end)).toBe("gift.created");
    expectExampleText("SEM016", renderText(warning!, result.source));
  });

  it("counts a rule that starts from the collection through a view", () => {
    const view = `${WITHOUT_GIFTS}\nview live_gifts = from g in raisedonors.gifts where not g.isTestMode select g\n\nfrom gift in live_gifts\n  let donor = raisedonors.donors[gift.donorId]\n  let contact = linked(donor)\n  where contact != null\n  create virtuous.gifts key "rd-gift-" + gift.id {\n    contactId = contact.id\n    amount = gift.amount\n    giftDate = gift.date\n    transactionSource = "RaiseDonors"\n    transactionId = gift.id\n  }\n`;
    const result = compileSpec(view, "specs/donors.sync", SYSTEMS);
    expect(result.diagnostics).toEqual([]);
  });

  it("warns about `any event` only when none of the system's events reaches anything", () => {
    const any = WITHOUT_GIFTS.replace("on raisedonors gift.created: raisedonors -> virtuous", "on raisedonors any event: raisedonors -> virtuous");
    expect(compileSpec(any, "specs/donors.sync", SYSTEMS).diagnostics).toEqual([]);
    const contactsOnly = `sync raisedonors -> virtuous\n\nfrom contact in virtuous.contacts\n  where contact.referenceSource == "Nowhere"\n  delete contact\n\nlimit deletes of virtuous.contacts to 10%\n\non raisedonors any event\n`;
    const result = compileSpec(contactsOnly, "specs/donors.sync", SYSTEMS);
    expect(result.diagnostics.map((d) => [d.code, d.message, contactsOnly.slice(d.span.start, d.span.end)])).toEqual([
      ["SEM016", "no event of raisedonors names a record of a collection a link or rule of this spec passes over: their runs would change nothing", "raisedonors"],
    ]);
  });

  it("is not given for any seed spec", () => {
    for (const spec of SEED_SPECS) expect(compileSpec(spec.text, spec.file, SYSTEMS).diagnostics.filter((d) => d.code === "SEM016"), spec.file).toEqual([]);
  });
});
