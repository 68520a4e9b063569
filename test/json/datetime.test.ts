// Dates and datetimes name a day of the calendar, not only a shape: 2026-02-30 has the shape of
// a date and names no day. The checks agree with Date's own calendar (the proleptic Gregorian
// one), day by day, for any year a date can be written with.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDate, isDatetime, isDateText, isDatetimeText } from "../../src/json/datetime.js";

const two = (n: number) => String(n).padStart(2, "0");
const written = (year: number, month: number, day: number) => `${String(year).padStart(4, "0")}-${two(month)}-${two(day)}`;

/** Whether Date's calendar has this day: a day past the month's end rolls over into the next. */
function calendarHas(year: number, month: number, day: number): boolean {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Days of the right shape: any year, any month, days 01 to 31. */
const day = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }));
/** The years where leap days are decided: centuries, and years around them. */
const nearCenturies = fc.tuple(fc.integer({ min: 0, max: 99 }).chain((c) => fc.integer({ min: c * 100 - 4, max: c * 100 + 4 }).filter((y) => y >= 0)), fc.constant(2), fc.integer({ min: 28, max: 31 }));
const time = fc.constantFrom("T00:00:00Z", "T23:59:59.999+14:00", "T12:30-05:00", "t08:00:00z");

describe("dates and datetimes name a day of the calendar", () => {
  it("a date is one exactly when Date's calendar has its day", () => {
    fc.assert(
      fc.property(fc.oneof(day, nearCenturies), ([year, month, d]) => {
        const has = calendarHas(year, month, d);
        expect(isDate(written(year, month, d))).toBe(has);
        expect(isDateText(written(year, month, d))).toBe(has);
      }),
      { numRuns: 2000 },
    );
  });

  it("so is a datetime, whatever its time and offset", () => {
    fc.assert(
      fc.property(fc.oneof(day, nearCenturies), time, ([year, month, d], t) => {
        expect(isDatetime(`${written(year, month, d)}${t}`)).toBe(calendarHas(year, month, d));
      }),
      { numRuns: 2000 },
    );
  });

  it("the cases of the issue, and leap days", () => {
    expect(isDateText("2026-02-30")).toBe(false);
    expect(isDatetimeText("2026-02-30T00:00:00Z")).toBe(false);
    expect(isDateText("2024-02-29")).toBe(true);
    expect(isDateText("2023-02-29")).toBe(false);
    expect(isDateText("2000-02-29")).toBe(true);
    expect(isDateText("1900-02-29")).toBe(false);
    expect(isDatetimeText("2026-11-01T14:05:00Z")).toBe(true);
  });

  it("texts of another shape are neither", () => {
    for (const text of ["2026-2-03", "2026-13-01", "2026-00-10", "2026-01-32", "2026-01-00", "26-01-01", "2026-01-01T24:00:00Z", "2026-01-01T10:00:00", "2026-01-01 10:00:00Z", ""]) {
      expect(isDate(text) || isDatetime(text), text).toBe(false);
    }
    expect(isDateText(20260101)).toBe(false);
  });
});
