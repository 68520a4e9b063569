// The state file `--state` names: version 2 as `apply` writes it, and version 1 (written by
// earlier syncspec, and by hand in spec tests) still read to the same state.
import { describe, expect, it } from "vitest";
import { parseState, serializeState, type SyncState } from "../../src/state/state.js";

const INTEGRATION = "raisedonors-virtuous";
const LINK = "raisedonors.donors<->virtuous.contacts";

function plain(state: SyncState): unknown {
  return {
    lastRun: state.lastRun,
    links: [...state.synced].map(([link, pairs]) => [link, [...pairs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([left, pair]) => [left, pair.right, { ...pair.values }])]),
  };
}

function read(text: string): SyncState {
  const parsed = parseState(text, "state.json", INTEGRATION);
  if ("problems" in parsed) throw new Error(parsed.problems.map((p) => `${p.pointer}: ${p.message}`).join("\n"));
  return parsed;
}

describe("the state file", () => {
  const state: SyncState = {
    lastRun: "2026-11-01T12:00:00Z",
    synced: new Map([
      [
        LINK,
        new Map([
          // A pair whose organization name was never synced (its condition has not held): no value, not null.
          ["d2", { right: "c2", values: { "phone<->phone": null, "firstName<->firstName": "Bo" } }],
          ["d1", { right: "c1", values: { "organizationName<->name": "Acme", "phone<->phone": "202-555-0101", "address<->address": { line1: "1 Main St" } } }],
          ["a/b~\u00e9", { right: "c3", values: {} }],
        ]),
      ],
    ]),
  };
  const written = serializeState(INTEGRATION, state);

  it("is written as version 2: the link's mappings once, then one pair to a line, keys sorted", () => {
    expect(written).toBe(
      [
        '{"syncspec":"state","version":2,"integration":"raisedonors-virtuous","lastRun":"2026-11-01T12:00:00Z", "links": {',
        '"raisedonors.donors<->virtuous.contacts": {"mappings": ["address<->address","firstName<->firstName","organizationName<->name","phone<->phone"], "pairs": [',
        '["a/b~\u00e9","c3","0000"],',
        '["d1","c1","1011",{"line1":"1 Main St"},"Acme","202-555-0101"],',
        '["d2","c2","0101","Bo",null]',
        "]}",
        "}}",
        "",
      ].join("\n"),
    );
    expect(() => JSON.parse(written)).not.toThrow();
  });

  it("reads back to the same state: a value never synced stays absent, null stays null", () => {
    const back = read(written);
    expect(plain(back)).toEqual(plain(state));
    const d2 = back.synced.get(LINK)!.get("d2")!.values;
    expect(Object.hasOwn(d2, "organizationName<->name")).toBe(false);
    expect(Object.hasOwn(d2, "phone<->phone")).toBe(true);
    expect(serializeState(INTEGRATION, back)).toBe(written);
  });

  it("keeps a key such as __proto__ inside a value as data", () => {
    const withProto = read(serializeState(INTEGRATION, { lastRun: null, synced: new Map([[LINK, new Map([["d1", { right: "c1", values: { "address<->address": JSON.parse('{"__proto__": {"polluted": true}}') } }]])]]) }));
    const address = withProto.synced.get(LINK)!.get("d1")!.values["address<->address"] as object;
    expect(Object.hasOwn(address, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("reads version 1, as earlier syncspec wrote it, to the same state", () => {
    const version1 = JSON.stringify(
      {
        syncspec: "state",
        version: 1,
        integration: INTEGRATION,
        lastRun: "2026-11-01T12:00:00Z",
        links: { [LINK]: [...state.synced.get(LINK)!].map(([left, pair]) => [left, pair.right, pair.values]) },
      },
      null,
      1,
    );
    expect(plain(read(version1))).toEqual(plain(read(written)));
  });

  it("an empty state is a valid file", () => {
    const empty = serializeState(INTEGRATION, { lastRun: null, synced: new Map() });
    expect(empty).toBe('{"syncspec":"state","version":2,"integration":"raisedonors-virtuous","lastRun":null, "links": {}}\n');
    expect(plain(read(empty))).toEqual({ lastRun: null, links: [] });
  });
});
