// What a read request selects: the one definition the sandbox, the tests' readers and the
// engine share.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { describeRequest, selectKeys, selects, type ReadRequest } from "../../src/input/read-request.js";
import type { Rec } from "../../src/json/values.js";

const records = new Map<string, Rec>([
  ["1001", { id: "1001", email: "ann@example.org", amount: 25.5, active: true, modified: "2026-11-01T10:00:00Z" }],
  ["1002", { id: "1002", email: null, amount: 10, active: false, modified: "2026-11-02T10:00:00Z" }],
  ["__proto__", { id: "__proto__", email: "ann@example.org", amount: 25.5, active: true, modified: null }],
]);
const stamp = (_key: string, record: Rec): string | undefined => (typeof record["modified"] === "string" ? record["modified"] : undefined);

describe("a read request", () => {
  it("by keys: the keys there are, each once, in code-unit order", () => {
    expect(selectKeys(records, { collection: "donors", keys: ["1002", "9999", "1002", "__proto__"] }, stamp)).toEqual(["1002", "__proto__"]);
  });

  it("by a field: text as it is, numbers and booleans as JSON writes them, null never", () => {
    expect(selectKeys(records, { collection: "donors", field: "email", values: ["ann@example.org"] }, stamp)).toEqual(["1001", "__proto__"]);
    expect(selectKeys(records, { collection: "donors", field: "amount", values: ["25.5"] }, stamp)).toEqual(["1001", "__proto__"]);
    expect(selectKeys(records, { collection: "donors", field: "active", values: ["false"] }, stamp)).toEqual(["1002"]);
    expect(selectKeys(records, { collection: "donors", field: "email", values: ["null", ""] }, stamp)).toEqual([]);
    // A field named like Object's own members is a field like any other.
    expect(selectKeys(records, { collection: "donors", field: "constructor", values: ["function Object() { [native code] }"] }, stamp)).toEqual([]);
  });

  it("modified since: at or after the time, and a record whose stamp is unknown, since it may be new", () => {
    expect(selectKeys(records, { collection: "donors", modifiedSince: "2026-11-02T10:00:00Z" }, stamp)).toEqual(["1002", "__proto__"]);
    expect(selectKeys(records, { collection: "donors", modifiedSince: "2026-11-02T11:00:00+01:00" }, stamp)).toEqual(["1002", "__proto__"]);
  });

  it("selects by selectKeys exactly the records `selects` says, for any request", () => {
    const value = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constant(null));
    const recordsArb = fc.dictionary(fc.string({ maxLength: 3 }), fc.record({ f: value, at: fc.option(fc.integer({ min: 0, max: 5 }).map((d) => `2026-11-0${d + 1}T00:00:00Z`)) }));
    const request: fc.Arbitrary<ReadRequest> = fc.oneof(
      fc.constant({ collection: "c", whole: true as const }),
      fc.array(fc.string({ maxLength: 3 })).map((keys) => ({ collection: "c", keys })),
      fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom("1", "-2", "true", "false"))).map((values) => ({ collection: "c", field: "f", values })),
      fc.integer({ min: 0, max: 6 }).map((d) => ({ collection: "c", modifiedSince: `2026-11-0${d + 1}T00:00:00Z` })),
    );
    fc.assert(
      fc.property(recordsArb, request, (dict, req) => {
        const map = new Map(Object.entries(dict) as [string, Rec][]);
        const at = (_k: string, r: Rec): string | undefined => (r["at"] as string | null) ?? undefined;
        const expected = [...map].filter(([k, r]) => selects(req, k, r, at(k, r))).map(([k]) => k).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        expect(selectKeys(map, req, at)).toEqual(expected);
      }),
    );
  });

  it("says in words what it asks for", () => {
    expect(describeRequest({ collection: "contacts", field: "referenceId", values: ["1001"] })).toBe('contacts whose referenceId is "1001"');
    expect(describeRequest({ collection: "donors", keys: ["1", "2", "3", "4", "5", "6"] })).toBe("donors 1, 2, 3, 4 and 2 more");
    expect(describeRequest({ collection: "users", modifiedSince: "2026-11-01T00:00:00Z" })).toBe("users modified since 2026-11-01T00:00:00Z");
  });
});
