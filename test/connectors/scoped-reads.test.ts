// Reads of part of a collection over real loopback HTTP (issue 14, design 1.4): records by
// key (one GET each, or batched queries on the key), by a field's values in batches of
// maxValues, and modified since a time with the lookback, in each query style the sandbox
// plays (params with commas or repeated parameters, Virtuous's POST Query, Salesforce's SOQL). What a request
// answers equals selectKeys over what the sandbox holds; one request that fails leaves the
// others standing; a 401 ends the call; a storm of 429s is ridden out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Document, RequestAnswer } from "../../src/connectors/connector.js";
import type { HttpConnectorOptions } from "../../src/connectors/http-connector.js";
import { selectKeys, type ReadRequest } from "../../src/input/read-request.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { connectorFor, countingSleep, overlappingPages, sample, settingsOf, SYSTEMS, TOKEN } from "./support.js";

type Rec = Record<string, unknown>;

const PAGE_SIZE = 2;
const at = (minutes: number): string => new Date(Date.parse("2026-12-01T00:00:00Z") + minutes * 60_000).toISOString().replace(/\.000Z$/, "Z");
const two = (n: number): string => String(n).padStart(2, "0");

/** The samples, and twenty donors with 0 to 4 gifts each, some contacts sharing a reference, registrations of four users; and values with commas. */
function world(): Record<string, Document> {
  const raisedonors = sample("raisedonors");
  const virtuous = sample("virtuous");
  const volunteerhub = sample("volunteerhub");
  const donor = raisedonors["donors"]!["1001"]!;
  const gift = raisedonors["gifts"]!["g1"]!;
  const contact = virtuous["contacts"]!["c1"]!;
  const registration = volunteerhub["registrations"]!["r1"]!;
  for (let n = 1; n <= 20; n++) {
    raisedonors["donors"]![`d${two(n)}`] = { ...donor, id: `d${two(n)}`, email: `d${n}@example.org`, modifiedDate: at(n) };
    for (let g = 1; g <= n % 5; g++) raisedonors["gifts"]![`gd${two(n)}-${g}`] = { ...gift, id: `gd${two(n)}-${g}`, donorId: `d${two(n)}` };
    virtuous["contacts"]![`c-${two(n)}`] = { ...contact, id: `c-${two(n)}`, referenceId: `r-${n % 8}`, modifiedDateTimeUtc: at(n) };
    volunteerhub["registrations"]![`rr${two(n)}`] = { ...registration, RegistrationUid: `rr${two(n)}`, UserUid: `uu-${n % 4}` };
  }
  raisedonors["donors"]!["a,b"] = { ...donor, id: "a,b", email: "a,b@example.org" };
  volunteerhub["registrations"]!["rr-comma"] = { ...registration, RegistrationUid: "rr-comma", UserUid: "u,x" };
  virtuous["contacts"]!["c-comma"] = { ...contact, id: "c-comma", referenceId: "r,9" };
  // Were "d,2" sent among other values with commas, it would ask for "d" and "2" as well.
  for (const [id, donorId] of [["gc1", "d,2"], ["gc2", "d"], ["gc3", "2"]]) raisedonors["gifts"]![id!] = { ...gift, id, donorId };
  // Owners whose ids need SOQL's escapes: a quote, a backslash, a newline.
  const salesforce = sample("salesforce");
  const sfContact = Object.values(salesforce["Contact"]!)[0]!;
  const owners = ["005-a", "005-b", "005-o'brien", "005-back\\slash", "005-line\nbreak"];
  for (let n = 1; n <= 15; n++) salesforce["Contact"]![`003-${two(n)}`] = { ...sfContact, Id: `003-${two(n)}`, OwnerId: owners[n % owners.length], AccountId: n % 3 === 0 ? null : `001-${n % 3}` };
  return { raisedonors, virtuous, volunteerhub, salesforce };
}

let sandbox: Sandbox;
beforeAll(async () => {
  const documents = world();
  sandbox = await startSandbox({
    connections: Object.entries(documents).map(([system, document]) => ({ name: system, system, token: TOKEN, document, settings: { pageSize: PAGE_SIZE } })),
    systems: SYSTEMS,
  });
});
afterEach(() => {
  for (const name of sandbox.connections()) {
    sandbox.faults(name).clear();
    sandbox.stats(name).reset();
  }
});
afterAll(async () => {
  await sandbox.close();
});

/** A connector to a sandbox system, two records a page, with batches of `maxValues`. */
function connector(system: string, maxValues = 3, options: Partial<HttpConnectorOptions> = {}) {
  const settings = settingsOf(system);
  return connectorFor(sandbox, system, system, { settings: { ...settings, pageSize: PAGE_SIZE, reads: { ...settings.reads!, maxValues } }, ...options }, PAGE_SIZE);
}

/** What the system holds that `request` selects (with the declared lookback on a modified-since): what the connector must answer. */
function selected(system: string, request: ReadRequest): Record<string, Rec> {
  const records = new Map(Object.entries(sandbox.document(system)[request.collection] ?? {}));
  const declared = settingsOf(system).reads!.collections.get(request.collection)!;
  const asked = "modifiedSince" in request ? { ...request, modifiedSince: new Date(Date.parse(request.modifiedSince) - declared.modifiedSince!.lookbackSeconds * 1000).toISOString() } : request;
  const field = declared.modifiedSince?.field;
  const keys = selectKeys(records, asked, (_key, record) => (field !== undefined ? (record[field] as string | undefined) : undefined));
  return Object.fromEntries(keys.map((key) => [key, records.get(key)!]));
}

/** How each request was answered, a problem as just "problem", for a compact comparison. */
function outcomes(answers: readonly RequestAnswer[]) {
  return answers.map((a) => ("problem" in a ? "problem" : a.as));
}

async function readWith(system: string, requests: ReadRequest[], options: { maxValues?: number; connector?: Partial<HttpConnectorOptions>; totals?: ReadonlyMap<string, number> } = {}) {
  const c = connector(system, options.maxValues, options.connector);
  try {
    const read = await c.readRequests(requests, options.totals ? { totals: options.totals } : {});
    return { read, requests: sandbox.stats(system).requests };
  } finally {
    await c.close();
  }
}

describe("records by key", () => {
  it("fetches a few keys one GET each; a 404 proves a key absent", async () => {
    const request: ReadRequest = { collection: "donors", keys: ["1001", "a,b", "nope"] };
    const { read, requests } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "asked", absent: ["nope"] }]);
    expect(read.document["donors"]).toEqual(selected("raisedonors", request));
    expect(Object.keys(read.document["donors"]!).sort()).toEqual(["1001", "a,b"]);
    expect(requests).toBe(3);
  });

  it("asks more keys as queries on the key field, maxValues at a time, and gets a key with a comma (which a comma list would split)", async () => {
    const request: ReadRequest = { collection: "donors", keys: ["1001", "1002", "d01", "d02", "d03", "nope1", "a,b", "nope2"] };
    const { read, requests } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "asked", absent: ["nope1", "nope2"] }]);
    expect(read.document["donors"]).toEqual(selected("raisedonors", request));
    // [1001 1002 d01] two pages, [d02 d03 nope1] one, [nope2] one, GET a,b: nowhere near the whole collection's 24 pages.
    expect(requests).toBe(5);
  });

  it("asks keys of Virtuous contacts with a POST Query", async () => {
    const request: ReadRequest = { collection: "contacts", keys: ["c1", "c-01", "c-02", "c-03", "c-99"] };
    const { read } = await readWith("virtuous", [request]);
    expect(read.answers).toEqual([{ request, as: "asked", absent: ["c-99"] }]);
    expect(read.document["contacts"]).toEqual(selected("virtuous", request));
  });
});

describe("records by a field's values", () => {
  it("sends more values than maxValues in several queries, each paged to its end", async () => {
    const request: ReadRequest = { collection: "gifts", field: "donorId", values: ["d01", "d02", "d03", "d04", "d05", "d09", "d14"] };
    const { read } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["gifts"]).toEqual(selected("raisedonors", request));
    expect(Object.keys(read.document["gifts"]!)).toHaveLength(1 + 2 + 3 + 4 + 0 + 4 + 4);
  });

  it("pages a Virtuous query by POSTing the same body with the next skip", async () => {
    const request: ReadRequest = { collection: "contacts", field: "referenceId", values: ["r-1", "r-2", "r-3", "r-4", "r-none"] };
    const { read } = await readWith("virtuous", [request]);
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["contacts"]).toEqual(selected("virtuous", request));
    expect(Object.keys(read.document["contacts"]!).length).toBeGreaterThan(PAGE_SIZE * 2);
  });

  it("reads whole for a value with a comma in comma style, which the API would take for two", async () => {
    const request: ReadRequest = { collection: "gifts", field: "donorId", values: ["d,2", "d01"] };
    const { read } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "whole" }]);
    expect(read.document["gifts"]).toEqual(sandbox.document("raisedonors")["gifts"]);
  });

  it("sends a value with a comma as it is in repeat style and in a Virtuous query", async () => {
    const registrations: ReadRequest = { collection: "registrations", field: "UserUid", values: ["u,x", "u-bo"] };
    const hub = await readWith("volunteerhub", [registrations]);
    expect(hub.read.answers).toEqual([{ request: registrations, as: "asked" }]);
    expect(hub.read.document["registrations"]).toEqual(selected("volunteerhub", registrations));
    expect(Object.keys(hub.read.document["registrations"]!).sort()).toEqual(["r2", "r4", "rr-comma"]);
    const contacts: ReadRequest = { collection: "contacts", field: "referenceId", values: ["r,9", "r-1"] };
    const virtuous = await readWith("virtuous", [contacts]);
    expect(virtuous.read.answers).toEqual([{ request: contacts, as: "asked" }]);
    expect(virtuous.read.document["contacts"]).toEqual(selected("virtuous", contacts));
    expect(Object.keys(virtuous.read.document["contacts"]!)).toContain("c-comma");
  });

  it("repeats the parameter in repeat style, and reads a one-page answer once (one page cannot pass over a record)", async () => {
    const one: ReadRequest = { collection: "registrations", field: "UserUid", values: ["u-bo"] };
    const single = await readWith("volunteerhub", [one]);
    expect(single.read.document["registrations"]).toEqual(selected("volunteerhub", one));
    expect(single.requests).toBe(1);
    sandbox.stats("volunteerhub").reset();
    const many: ReadRequest = { collection: "registrations", field: "UserUid", values: ["uu-1", "uu-2"] };
    const paged = await readWith("volunteerhub", [many]);
    expect(paged.read.answers).toEqual([{ request: many, as: "asked" }]);
    expect(paged.read.document["registrations"]).toEqual(selected("volunteerhub", many));
    // Ten registrations over five pages, read again to prove no record slipped by.
    expect(paged.requests).toBe(10);
  });

  it("reads the collection whole for a field the API cannot filter by", async () => {
    const request: ReadRequest = { collection: "donors", field: "phone", values: ["202-555-0101"] };
    const { read } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "whole" }]);
    expect(read.document["donors"]).toEqual(sandbox.document("raisedonors")["donors"]);
    expect(read.totals.get("donors")).toBe(25);
  });
});

describe("records modified since a time", () => {
  it("asks with the declared lookback, so a late write stamped just before is not missed", async () => {
    const request: ReadRequest = { collection: "donors", modifiedSince: at(10) };
    const { read, requests } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["donors"]).toEqual(selected("raisedonors", request));
    expect(Object.keys(read.document["donors"]!)).toContain("d20");
    expect(Object.keys(read.document["donors"]!)).not.toContain("1001");
    if (settingsOf("raisedonors").reads!.collections.get("donors")!.modifiedSince!.lookbackSeconds >= 60) expect(Object.keys(read.document["donors"]!)).toContain("d09");
    expect(requests).toBeLessThan(25);
  });

  it("asks Virtuous with OnOrAfter", async () => {
    const request: ReadRequest = { collection: "contacts", modifiedSince: at(15) };
    const { read } = await readWith("virtuous", [request]);
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["contacts"]).toEqual(selected("virtuous", request));
  });
});

describe("Salesforce's SOQL", () => {
  it("asks keys, a field's values (quotes, backslashes and newlines escaped) and IN lists, paged by nextRecordsUrl", async () => {
    const byKey: ReadRequest = { collection: "Contact", keys: ["003-01", "003-02", "003-03", "003-04", "003-99"] };
    const byOwner: ReadRequest = { collection: "Contact", field: "OwnerId", values: ["005-o'brien", "005-back\\slash", "005-line\nbreak"] };
    const byAccount: ReadRequest = { collection: "Contact", field: "AccountId", values: ["001-1"] };
    const { read, requests } = await readWith("salesforce", [byKey, byOwner, byAccount]);
    expect(read.answers).toEqual([
      { request: byKey, as: "asked", absent: ["003-99"] },
      { request: byOwner, as: "asked" },
      { request: byAccount, as: "asked" },
    ]);
    for (const request of [byKey, byOwner, byAccount]) expect(read.document["Contact"]).toMatchObject(selected("salesforce", request));
    expect(Object.keys(read.document["Contact"]!).length).toBe(new Set([...Object.keys(selected("salesforce", byKey)), ...Object.keys(selected("salesforce", byOwner)), ...Object.keys(selected("salesforce", byAccount))]).size);
    expect(Object.keys(selected("salesforce", byOwner))).toHaveLength(9);
    const reads = sandbox.stats("salesforce");
    expect(requests).toBeLessThan(overlappingPages(Object.keys(sandbox.document("salesforce")["Contact"]!).length, PAGE_SIZE));
    expect(reads.requests).toBe(requests);
  });

  it("asks what changed by SystemModstamp, the time Salesforce keeps itself", async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await sandbox.change("salesforce", "Contact", "003-07", { Phone: "303-555-0107" });
    const request: ReadRequest = { collection: "Contact", modifiedSince: before };
    const { read } = await readWith("salesforce", [request], { connector: {} });
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["Contact"]?.["003-07"]?.["Phone"]).toBe("303-555-0107");
  });

  it("refuses what the API would: an undeclared filter, an unknown column, FIELDS(ALL), an unclosed string", async () => {
    const url = sandbox.url("salesforce");
    const ask = async (q: string) => {
      const answer = await fetch(`${url}/query?q=${encodeURIComponent(q)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return { status: answer.status, body: (await answer.json()) as Rec };
    };
    expect(await ask("SELECT Id FROM Contact WHERE Phone = '1'")).toEqual({ status: 400, body: { error: 'Salesforce does not filter Contact by "Phone"; its filters of Contact are "Id", "AccountId", "OwnerId", "Email" and "SystemModstamp"' } });
    expect(await ask("SELECT Id, Nope FROM Contact WHERE Id = '1'")).toEqual({ status: 400, body: { error: 'SOQL: no such column "Nope" on entity Contact' } });
    expect((await ask("SELECT FIELDS(ALL) FROM Contact WHERE Id = '1'")).body["error"]).toMatch(/name the fields to select/);
    expect((await ask("SELECT Id FROM Contact WHERE Id = 'abc")).body["error"]).toMatch(/a string opened at character 35 is not closed/);
    expect((await ask("SELECT Id FROM Opportunity WHERE Id = '1'")).body["error"]).toMatch(/sObject type "Opportunity" is not supported/);
    expect((await ask("SELECT Id FROM Contact WHERE SystemModstamp = 2026-01-01T00:00:00Z")).body["error"]).toMatch(/compared with >=/);
    expect(await ask("SELECT Id FROM Contact WHERE Id = '003-01' ORDER BY Id")).toMatchObject({ status: 200, body: { totalSize: 1, done: true } });
  });
});

describe("a call's bounds and failures", () => {
  it("reads whole when the totals show a whole read is cheaper, and answers every request of the collection from it", async () => {
    const byKey: ReadRequest = { collection: "donors", keys: ["1001", "nope"] };
    const byMail: ReadRequest = { collection: "donors", field: "email", values: ["d1@example.org"] };
    const { read, requests } = await readWith("raisedonors", [byKey, byMail], { totals: new Map([["donors", 1]]) });
    expect(read.answers).toEqual([
      { request: byKey, as: "whole", absent: ["nope"] },
      { request: byMail, as: "whole" },
    ]);
    expect(read.document["donors"]).toEqual(sandbox.document("raisedonors")["donors"]);
    expect(requests).toBe(overlappingPages(25, PAGE_SIZE));
  });

  it("rides out a storm of 429s with the waits the system asks for", async () => {
    sandbox.faults("raisedonors").rateLimit(4, 2);
    const { sleep, waits } = countingSleep();
    const request: ReadRequest = { collection: "gifts", field: "donorId", values: ["d04", "d09"] };
    const { read } = await readWith("raisedonors", [request], { connector: { sleep } });
    expect(read.answers).toEqual([{ request, as: "asked" }]);
    expect(read.document["gifts"]).toEqual(selected("raisedonors", request));
    expect(waits).toHaveLength(4);
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(2000);
  });

  it("shares one retry budget over the call: a request after one that spent it is not retried", async () => {
    sandbox.faults("raisedonors").rateLimit(3, 0);
    const first: ReadRequest = { collection: "donors", keys: ["1001"] };
    const second: ReadRequest = { collection: "donors", keys: ["1002"] };
    const { read } = await readWith("raisedonors", [first, second], { connector: { retry: { maxRetries: 1 } } });
    expect(outcomes(read.answers)).toEqual(["problem", "problem"]);
    expect((read.answers[1] as { problem: string }).problem).toMatch(/429.*the 1 retries this read or write may have in all/);
  });

  it("ends the call at its deadline: what is left is not read", async () => {
    sandbox.faults("raisedonors").delay(400);
    const requests: ReadRequest[] = ["1001", "1002", "1003", "1004", "d01"].map((key) => ({ collection: "donors", keys: [key] }));
    const { read } = await readWith("raisedonors", requests, { connector: { readLimits: { seconds: 1 } } });
    expect(outcomes(read.answers)[0]).toBe("asked");
    expect((read.answers[4] as { problem: string }).problem).toMatch(/read ran past the 1 s this connection gives a whole read/);
  });

  it("reports a request whose page fails, and keeps the others", async () => {
    // Pages overlap by one: d04's four gifts take skip 0, 1 and 2, the last being page 2.
    sandbox.faults("raisedonors").failPage("gifts", 2);
    const failing: ReadRequest = { collection: "gifts", field: "donorId", values: ["d04"] };
    const small: ReadRequest = { collection: "gifts", field: "donorId", values: ["d01"] };
    const donors: ReadRequest = { collection: "donors", keys: ["1001"] };
    const { read } = await readWith("raisedonors", [failing, small, donors]);
    expect(outcomes(read.answers)).toEqual(["problem", "asked", "asked"]);
    expect((read.answers[0] as { problem: string }).problem).toMatch(/^raisedonors: gifts whose donorId is "d04" could not be read: GET .* answered 500/);
    expect(read.document["gifts"]).toEqual(selected("raisedonors", small));
    expect(read.document["donors"]).toEqual(selected("raisedonors", donors));
  });

  it("ends the call at a 401: the rest is not sent", async () => {
    const requests: ReadRequest[] = [
      { collection: "donors", keys: ["1001"] },
      { collection: "gifts", field: "donorId", values: ["d01"] },
      { collection: "donors", modifiedSince: at(10) },
    ];
    const { read, requests: sent } = await readWith("raisedonors", requests, { connector: { token: "not-the-token" } });
    expect(outcomes(read.answers)).toEqual(["problem", "problem", "problem"]);
    expect((read.answers[0] as { problem: string }).problem).toMatch(/refused the credentials \(401/);
    expect((read.answers[1] as { problem: string }).problem).toMatch(/not sent: .*refused the credentials/);
    expect(read.document).toEqual({});
    expect(sent).toBe(1);
  });

  it("says so for a collection the system does not have", async () => {
    const request: ReadRequest = { collection: "pledges", keys: ["p1"] };
    const { read, requests } = await readWith("raisedonors", [request]);
    expect(read.answers).toEqual([{ request, problem: 'raisedonors: pledges p1 could not be read: raisedonors has no collection "pledges"' }]);
    expect(requests).toBe(0);
  });
});
