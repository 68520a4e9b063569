// A request for part of a collection, as each query style sends it: the URL, the body, the
// batches of values, and when the collection is read whole instead (issue 14, design 1.2).
import { describe, expect, it } from "vitest";
import { firstQueryPage, lowerRequest, scopedCost, sendable, soqlString, valueBatches, wholeReadCost } from "../../src/connectors/query-styles.js";
import type { CollectionReads, ConnectorSettings, PaginationStyle, ReadSettings } from "../../src/connectors/settings.js";
import { SYSTEMS } from "./support.js";

const BASE = new URL("http://127.0.0.1:9/api/");

function settingsWith(pagination: PaginationStyle, reads: Omit<ReadSettings, "collections">, collections: Record<string, Partial<Omit<CollectionReads, "by">> & { by?: Record<string, string> }>): ConnectorSettings {
  return {
    pagination,
    pageSize: 100,
    reads: {
      ...reads,
      collections: new Map(Object.entries(collections).map(([name, c]) => [name, { get: c.get ?? false, by: new Map(Object.entries(c.by ?? {})), ...(c.modifiedSince ? { modifiedSince: c.modifiedSince } : {}) }])),
    },
  };
}

const collectionOf = (system: string, name: string) => SYSTEMS.get(system)!.collections.get(name)!;
const donors = collectionOf("raisedonors", "donors");
const contacts = collectionOf("virtuous", "contacts");
const account = collectionOf("salesforce", "Account");

const RAISEDONORS = settingsWith("skip-take", { query: "params", values: "comma", maxValues: 3 }, {
  donors: { get: true, by: { id: "ids", email: "email" }, modifiedSince: { param: "modifiedSince", field: "modifiedDate", lookbackSeconds: 120 } },
});
const VIRTUOUS = settingsWith("skip-take", { query: "virtuous", values: "repeat", maxValues: 100 }, {
  contacts: { get: true, by: { id: "Contact Id", referenceId: "Reference Id" }, modifiedSince: { param: "Last Modified Date", field: "modifiedDateTimeUtc", lookbackSeconds: 300 } },
});

describe("the params style", () => {
  it("joins values with commas, paging after the filter", () => {
    const page = firstQueryPage(RAISEDONORS, donors, BASE, { field: "email", values: ["a@x.org", "b@x.org"] });
    expect(page.method).toBe("GET");
    expect(page.body).toBeUndefined();
    expect(page.url.href).toBe("http://127.0.0.1:9/api/donors?email=a%40x.org%2Cb%40x.org&skip=0&take=100");
    expect(page.url.searchParams.get("email")).toBe("a@x.org,b@x.org");
  });

  it("repeats the parameter in repeat style, with the pagination's own paging", () => {
    const settings = settingsWith("offset-limit", { query: "params", values: "repeat", maxValues: 50 }, { timesheets: { by: { constituent_id: "constituent_id" } } });
    const page = firstQueryPage(settings, collectionOf("altru", "timesheets"), BASE, { field: "constituent_id", values: ["1", "2"] });
    expect(page.url.searchParams.getAll("constituent_id")).toEqual(["1", "2"]);
    expect(page.url.search).toBe("?constituent_id=1&constituent_id=2&offset=0&limit=100");
  });

  it("asks for what was modified since an instant, the lookback applied when the request is lowered", () => {
    const lowered = lowerRequest(RAISEDONORS, donors, { collection: "donors", modifiedSince: "2026-11-01T14:05:00Z" });
    expect(lowered).toEqual({ form: "asked", keys: [], queries: [{ modifiedSince: "2026-11-01T14:03:00Z" }] });
    const page = firstQueryPage(RAISEDONORS, donors, BASE, { modifiedSince: "2026-11-01T14:03:00Z" });
    expect(page.url.searchParams.get("modifiedSince")).toBe("2026-11-01T14:03:00Z");
  });

  it("encodes awkward values, which the URL gives back as they were", () => {
    const values = ["a b", "x/y", "50%", "é", "&take=1"];
    const page = firstQueryPage(settingsWith("page-next-link", { query: "params", values: "repeat", maxValues: 9 }, { donors: { by: { email: "email" } } }), donors, BASE, { field: "email", values });
    expect(page.url.searchParams.getAll("email")).toEqual(values);
    expect(page.url.searchParams.get("per_page")).toBe("100");
  });
});

describe("the virtuous style", () => {
  it("POSTs one condition to the collection's Query endpoint, paged by skip and take", () => {
    const page = firstQueryPage(VIRTUOUS, contacts, BASE, { field: "referenceId", values: ["1001"] });
    expect(page.method).toBe("POST");
    expect(page.url.href).toBe("http://127.0.0.1:9/api/contacts/Query?skip=0&take=100");
    expect(page.body).toEqual({ groups: [{ conditions: [{ parameter: "Reference Id", operator: "Is", value: "1001" }] }], sortBy: "Contact Id", descending: false });
  });

  it("asks several values with In, and modified-since with OnOrAfter", () => {
    expect(firstQueryPage(VIRTUOUS, contacts, BASE, { field: "referenceId", values: ["1", "2"] }).body).toMatchObject({ groups: [{ conditions: [{ parameter: "Reference Id", operator: "In", values: ["1", "2"] }] }] });
    expect(firstQueryPage(VIRTUOUS, contacts, BASE, { modifiedSince: "2026-01-01T00:00:00Z" }).body).toMatchObject({
      groups: [{ conditions: [{ parameter: "Last Modified Date", operator: "OnOrAfter", value: "2026-01-01T00:00:00Z" }] }],
    });
  });
});

describe("the soql style", () => {
  const SALESFORCE = settingsWith("next-records-url", { query: "soql", values: "repeat", maxValues: 200 }, {
    Account: { get: true, by: { Id: "Id", OwnerId: "OwnerId" }, modifiedSince: { param: "SystemModstamp", lookbackSeconds: 60 } },
  });

  it("selects the schema's fields with an IN list of quoted strings, ordered by key", () => {
    const page = firstQueryPage(SALESFORCE, account, BASE, { field: "OwnerId", values: ["u1", "o'brien"] });
    expect(page.method).toBe("GET");
    expect(page.url.pathname).toBe("/api/query");
    expect(page.url.searchParams.get("q")).toBe("SELECT Id, Name, OwnerId FROM Account WHERE OwnerId IN ('u1', 'o\\'brien') ORDER BY Id");
  });

  it("writes a datetime unquoted, and escapes what SOQL escapes", () => {
    expect(firstQueryPage(SALESFORCE, account, BASE, { modifiedSince: "2026-11-01T14:05:00Z" }).url.searchParams.get("q")).toBe("SELECT Id, Name, OwnerId FROM Account WHERE SystemModstamp >= 2026-11-01T14:05:00Z ORDER BY Id");
    expect(soqlString("a\\b'c\nd")).toBe("'a\\\\b\\'c\\nd'");
  });
});

describe("batches of values", () => {
  it("holds at most maxValues, each value once", () => {
    expect(valueBatches(RAISEDONORS.reads!, ["1", "2", "3", "4", "2", "5"])).toEqual([["1", "2", "3"], ["4", "5"]]);
  });

  it("cannot send a value with a comma in comma style, which the API splits even alone", () => {
    expect(sendable(RAISEDONORS.reads!, "b,c")).toBe(false);
    expect(sendable(RAISEDONORS.reads!, "b c")).toBe(true);
    expect(sendable({ ...RAISEDONORS.reads!, values: "repeat" }, "b,c")).toBe(true);
    expect(sendable(VIRTUOUS.reads!, "b,c")).toBe(true);
  });
});

describe("the form a request takes", () => {
  it("fetches a few keys one GET each, and more as field queries on the key", () => {
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", keys: ["1", "2", "1"] })).toEqual({ form: "asked", keys: ["1", "2"], queries: [] });
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", keys: ["1", "2", "3", "4"] })).toEqual({
      form: "asked",
      keys: [],
      queries: [
        { field: "id", values: ["1", "2", "3"] },
        { field: "id", values: ["4"] },
      ],
    });
  });

  it("gets a key with a comma, which comma style cannot ask, and queries the rest", () => {
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", keys: ["1", "a,b", "2", "3"] })).toEqual({ form: "asked", keys: ["a,b"], queries: [{ field: "id", values: ["1", "2", "3"] }] });
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", keys: ["a,b", "c,d", "e,f", "g,h"] })).toEqual({ form: "asked", keys: ["a,b", "c,d", "e,f", "g,h"], queries: [] });
    const queryOnly = settingsWith("skip-take", { query: "params", values: "comma", maxValues: 3 }, { donors: { by: { id: "ids" } } });
    expect(lowerRequest(queryOnly, donors, { collection: "donors", keys: ["1", "a,b"] })).toEqual({ form: "whole" });
  });

  it("reads whole for a field value with a comma in comma style", () => {
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", field: "email", values: ["a@x.org", "b,c@x.org"] })).toEqual({ form: "whole" });
    expect(lowerRequest(VIRTUOUS, contacts, { collection: "contacts", field: "referenceId", values: ["a", "b,c"] })).toEqual({ form: "asked", keys: [], queries: [{ field: "referenceId", values: ["a", "b,c"] }] });
  });

  it("queries a key with no path of its own, and reads whole when neither way is declared", () => {
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", keys: [".."] })).toEqual({ form: "asked", keys: [], queries: [{ field: "id", values: [".."] }] });
    const getOnly = settingsWith("skip-take", { query: "params", values: "comma", maxValues: 3 }, { donors: { get: true } });
    expect(lowerRequest(getOnly, donors, { collection: "donors", keys: ["1", "2", "3", "4", "5"] })).toEqual({ form: "asked", keys: ["1", "2", "3", "4", "5"], queries: [] });
    expect(lowerRequest(getOnly, donors, { collection: "donors", keys: ["."] })).toEqual({ form: "whole" });
    const neither = settingsWith("skip-take", { query: "params", values: "comma", maxValues: 3 }, { donors: {} });
    expect(lowerRequest(neither, donors, { collection: "donors", keys: ["1"] })).toEqual({ form: "whole" });
  });

  it("reads whole a field, a modified-since or a collection not declared, and a system with no reads", () => {
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", field: "phone", values: ["1"] })).toEqual({ form: "whole" });
    expect(lowerRequest(VIRTUOUS, collectionOf("virtuous", "gifts"), { collection: "gifts", keys: ["g1"] })).toEqual({ form: "whole" });
    expect(lowerRequest({ pagination: "skip-take", pageSize: 100 }, donors, { collection: "donors", keys: ["1"] })).toEqual({ form: "whole" });
    const noStamp = settingsWith("skip-take", { query: "params", values: "comma", maxValues: 3 }, { donors: { get: true } });
    expect(lowerRequest(noStamp, donors, { collection: "donors", modifiedSince: "2026-01-01T00:00:00Z" })).toEqual({ form: "whole" });
    expect(lowerRequest(RAISEDONORS, donors, { collection: "donors", whole: true })).toEqual({ form: "whole" });
  });

  it("costs a request per key or query, against pages that overlap by one, twice where the style reads again", () => {
    expect(scopedCost({ form: "asked", keys: ["1", "2"], queries: [] })).toBe(2);
    expect(scopedCost({ form: "asked", keys: ["a,b"], queries: [{ modifiedSince: "2026-01-01T00:00:00Z" }] })).toBe(2);
    expect(scopedCost({ form: "whole" })).toBe(Number.POSITIVE_INFINITY);
    expect(wholeReadCost(RAISEDONORS, 0)).toBe(1);
    expect(wholeReadCost(RAISEDONORS, 199)).toBe(3);
    expect(wholeReadCost({ pagination: "page-next-link", pageSize: 100 }, 199)).toBe(6);
  });
});
