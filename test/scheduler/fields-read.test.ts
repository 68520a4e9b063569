// The fields of a collection a plan reads: what the service compares to tell the engine's echo
// from an edit. Too few would drop edits as echoes; so wherever a whole record is used (and
// every field may matter), the answer is "unknown", which the service reads as every field.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileSpec } from "../../src/language/compile.js";
import { fieldsReadOf } from "../../src/plan/fields-read.js";
import type { Plan } from "../../src/plan/types.js";
import { ROOT, SYSTEMS } from "../helpers.js";

function compiled(text: string): Plan {
  const result = compileSpec(text, "specs/probe.sync", SYSTEMS);
  if (!result.plan) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.plan;
}

const seed = (name: string): Plan => compiled(readFileSync(join(ROOT, "specs", `${name}.sync`), "utf8"));
const sorted = (fields: ReadonlySet<string> | undefined): string[] | undefined => fields && [...fields].sort();

describe("fields a plan reads", () => {
  it("are those its link matches, maps, writes back, creates and compares by, and the key: a donor's isArchived is none of them", () => {
    const plan = seed("raisedonors-virtuous");
    expect(sorted(fieldsReadOf(plan, "raisedonors", "donors"))).toEqual(["address", "crmKey", "email", "firstName", "id", "isOrganization", "lastName", "modifiedDate", "organizationName", "phone"]);
    expect(sorted(fieldsReadOf(plan, "raisedonors", "gifts"))).toEqual(["amount", "date", "donorId", "id", "isTestMode", "status"]);
  });

  it("follow records through views, lookups and linked()", () => {
    const plan = seed("vomo-virtuous");
    // A view that selects the participation itself: fields read of its rows are the participation's.
    expect(sorted(fieldsReadOf(plan, "vomo", "participations"))).toEqual(["checkin_at", "hours", "id", "project_id", "status", "user_id", "verified"]);
    expect(sorted(fieldsReadOf(plan, "vomo", "projects"))).toEqual(["id", "name", "require_hours_verification"]);
    expect(fieldsReadOf(plan, "vomo", "users")).not.toContain("updated_at");
    // linked(user) is a contactImports row; its contactId is read through it.
    expect(fieldsReadOf(plan, "virtuous", "contactImports")).toContain("contactId");
  });

  it("do not count asking whether there is a record at all", () => {
    const plan = compiled(`sync raisedonors -> virtuous
from gift in raisedonors.gifts
  let donor = raisedonors.donors[gift.donorId]
  where donor != null and exists(raisedonors.donors[email == "x"])
  create virtuous.gifts key "rd-gift-" + gift.id {
    contactId = "c1"
    amount = gift.amount
    giftDate = gift.date
    transactionSource = "RaiseDonors"
    transactionId = gift.id
  }
`);
    expect(sorted(fieldsReadOf(plan, "raisedonors", "donors"))).toEqual(["email", "id"]);
    expect(sorted(fieldsReadOf(plan, "raisedonors", "gifts"))).toEqual(["amount", "date", "donorId", "id"]);
    expect(sorted(fieldsReadOf(plan, "virtuous", "gifts"))).toEqual(["amount", "contactId", "giftDate", "id", "transactionId", "transactionSource"]);
  });

  it("are unknown for a collection whose whole records are used as a value", () => {
    const plan = compiled(`sync raisedonors -> virtuous
view pairs = from gift in raisedonors.gifts
  let donor = raisedonors.donors[gift.donorId]
  select {gift: gift, donor: donor}
from p in pairs
  create virtuous.gifts key "rd-gift-" + p.gift.id {
    contactId = "c1"
    amount = p.gift.amount
    giftDate = p.gift.date
    transactionSource = "RaiseDonors"
    transactionId = p.gift.id
  }
`);
    expect(fieldsReadOf(plan, "raisedonors", "donors")).toBeUndefined();
    expect(fieldsReadOf(plan, "raisedonors", "gifts")).toBeUndefined();
    expect(sorted(fieldsReadOf(plan, "virtuous", "gifts"))).toEqual(["amount", "contactId", "giftDate", "id", "transactionId", "transactionSource"]);
  });

  it("are unknown, for every collection, in a plan with a name bound nowhere", () => {
    const plan = seed("raisedonors-virtuous");
    const broken: Plan = { ...plan, rules: plan.rules.map((r) => ({ ...r, clauses: [...r.clauses, { kind: "where", condition: { op: "get", of: { op: "var", name: "nobody" }, field: "x" }, span: r.span }] })) };
    expect(fieldsReadOf(broken, "raisedonors", "donors")).toBeUndefined();
    expect(fieldsReadOf(broken, "virtuous", "contacts")).toBeUndefined();
  });
});
