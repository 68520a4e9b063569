// The one definition of the date and datetime shapes syncspec reads and writes: RFC 3339's
// full-date and date-time (seconds optional), with months, days, hours and minutes in range.
// A text of the right shape may still name no day (2026-02-30): `isDate`/`isDatetime` say so.

export const DATE_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const DATETIME_SHAPE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

export function isDateText(text: unknown): text is string {
  return typeof text === "string" && DATE_SHAPE.test(text) && !Number.isNaN(Date.parse(text));
}

export function isDatetimeText(text: unknown): text is string {
  return typeof text === "string" && DATETIME_SHAPE.test(text) && !Number.isNaN(Date.parse(text));
}
