// The one definition of the date and datetime shapes syncspec reads and writes: RFC 3339's
// full-date and date-time (seconds optional), with months, days, hours and minutes in range.
// A text of the right shape may still name no day (2026-02-30): `isDate`/`isDatetime` say so,
// with the calendar Date uses (the proleptic Gregorian one), and without Date.parse, which
// takes 2026-02-30 for the 2nd of March.

export const DATE_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATETIME_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** A date: of DATE_SHAPE, and a day of the calendar. Cheap enough for every date of a million records (ajv's format). */
export function isDate(text: string): boolean {
  return DATE_SHAPE.test(text) && namesADay(text);
}

/** A datetime: of DATETIME_SHAPE, on a day of the calendar. */
export function isDatetime(text: string): boolean {
  return DATETIME_SHAPE.test(text) && namesADay(text);
}

export function isDateText(text: unknown): text is string {
  return typeof text === "string" && isDate(text);
}

export function isDatetimeText(text: unknown): text is string {
  return typeof text === "string" && isDatetime(text);
}

/** Whether a text that begins YYYY-MM-DD, month and day in range, names a day: the day is not past its month's last. */
function namesADay(text: string): boolean {
  const day = digits(text, 8, 2);
  if (day <= 28) return true;
  const month = digits(text, 5, 2);
  if (month !== 2) return day <= (month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31);
  const year = digits(text, 0, 4);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (leap ? 29 : 28);
}

/** The number `length` decimal digits at `from` write. */
function digits(text: string, from: number, length: number): number {
  let n = 0;
  for (let i = from; i < from + length; i++) n = n * 10 + text.charCodeAt(i) - 0x30;
  return n;
}
