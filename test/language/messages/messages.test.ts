// The texts of a spec's diagnostics come from the catalog's templates; these pin the parts
// that are assembled from several of them (parser errors, function arguments, schedules),
// beside the golden files, which pin whole diagnostics.
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../../src/diagnostics/catalog.js";
import { compileSpec } from "../../../src/language/compile.js";
import { parseSchedule, readSchedule } from "../../../src/language/schedule/schedule.js";
import { SYSTEMS } from "../../helpers.js";

const HEADER = "sync raisedonors <-> virtuous\n";

function messages(text: string): string[] {
  return compileSpec(text, "specs/x.sync", SYSTEMS).diagnostics.map((d) => `${d.code}: ${d.message}`);
}

describe("parser messages", () => {
  it("say what was expected and what was found, under the code the file shows", () => {
    expect(messages(`${HEADER}view v = from d in raisedonors.donors select d.\n`)[0]).toBe("SYN003: expected a field name after `.`, found the end of the file");
    expect(messages(`${HEADER}param p: strng = "x" )\n`)[0]).toMatch(/^SYN001: expected .*, found `\)`$/);
  });

  it("name the bracket left open in a note", () => {
    const result = compileSpec(`${HEADER}view v = from d in raisedonors.donors where (d.id == "1" select d\n`, "specs/x.sync", SYSTEMS);
    expect(result.diagnostics[0]!.notes?.[0]?.message).toBe("this `(` may be missing its closing `)`");
  });
});

describe("function argument messages", () => {
  it("name the function as called", () => {
    expect(messages(`${HEADER}view v = from d in raisedonors.donors where lower(d.isArchived) == "x" select d\n`)).toContain(
      "TYP011: `lower` needs a string, but this is bool",
    );
  });
});

describe("schedules", () => {
  it("parseSchedule gives the text of readSchedule's message", () => {
    for (const text of ["every 0 minutes", "nightly at 25:00", "cron 1 2 3", "cron 61 * * * *", "every hour in Mars/Olympus", "nightly in America/New_Yrok"]) {
      const read = readSchedule(text);
      const parsed = parseSchedule(text);
      expect("error" in read && read.error.code).toBe("SYN005");
      expect(parsed).toEqual({ error: "error" in read ? read.error.text : undefined });
    }
  });

  it("refuses a cron that never fires, given as a param's text as in a spec", () => {
    expect(parseSchedule("cron 0 0 31 2 * in UTC")).toEqual({ error: 'the cron expression "0 0 31 2 *" never fires: no month it names has the day it names (such as February 30)' });
    expect(parseSchedule("cron 0 0 31 4,6,9,11 *")).toHaveProperty("error");
    // A leap day comes every four years, and a day-of-week makes any day-of-month fire (cron's "or").
    expect(parseSchedule("cron 0 0 29 2 *")).toHaveProperty("schedule");
    expect(parseSchedule("cron 0 0 30 2 1")).toHaveProperty("schedule");
  });
});

describe("the language's templates", () => {
  it("are all in entries that have messages", () => {
    for (const [code, entry] of Object.entries(CATALOG)) {
      if (/^(LEX|SYN|NAM|TYP|SEM|SYS)/.test(code)) expect(Object.keys(entry.messages).length, code).toBeGreaterThan(0);
    }
  });
});
