// A read proves it is whole, or says it is not (issue 13, item 2). Offset paging (skip/take,
// offset/limit, page numbers) shifts when a record before the read's position is deleted: the
// record after it is never given, and a record added meanwhile keeps the total where it was.
// skip-take and offset-limit pages overlap by one record, so a shift shows; page-next-link
// gives no total and no say over the offset, so the collection is read again and its keys
// compared; Salesforce's nextRecordsUrl is a cursor over the query's records, which nothing
// shifts. A read that is not whole makes the run delete and remove nothing.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HttpConnector } from "../../src/connectors/http-connector.js";
import type { PaginationStyle } from "../../src/connectors/settings.js";
import { resolveParams } from "../../src/input/params.js";
import { specOrPlan } from "../../src/language/plan-file.js";
import type { Plan } from "../../src/plan/types.js";
import { runIntegration, type LoadedIntegration } from "../../src/scheduler/run-integration.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT } from "../helpers.js";
import { listServer, type LoopbackServer } from "./misbehaving-servers.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { connectorFor, countingSleep, sample, settingsOf, SYSTEMS, TOKEN } from "./support.js";

type Rec = Record<string, unknown>;

/** A collection of each style with records of the simplest shape. */
const CASES: Record<PaginationStyle, { system: string; collection: string; key: string; record: (n: number) => Rec }> = {
  "skip-take": { system: "virtuous", collection: "volunteerOpportunities", key: "id", record: (n) => ({ id: `vo${n}`, name: `Opportunity ${n}`, isActive: true }) },
  "offset-limit": { system: "altru", collection: "jobs", key: "id", record: (n) => ({ id: `job${n}`, name: `Job ${n}` }) },
  "page-next-link": { system: "momentum", collection: "donors", key: "id", record: (n) => ({ id: `d${n}`, crm_id: `c${n}`, name: `Donor ${n}` }) },
  "next-records-url": { system: "salesforce", collection: "Account", key: "Id", record: (n) => ({ Id: `a${n}`, Name: `Account ${n}`, OwnerId: "u1" }) },
};

const servers: LoopbackServer[] = [];
const connectors: HttpConnector[] = [];
afterEach(async () => {
  for (const c of connectors.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
});

function connectorTo(server: LoopbackServer, system: string): HttpConnector {
  const connector = new HttpConnector({
    system: SYSTEMS.get(system)!,
    settings: { ...settingsOf(system), pageSize: 2 },
    baseUrl: server.url,
    token: TOKEN,
    allowedHosts: [server.host],
    sleep: countingSleep().sleep,
  });
  connectors.push(connector);
  return connector;
}

/** Six records (1..6) served two a page; after page 1, record 1 is deleted and record 9 added: the total stays 6. */
async function shiftingServer(style: PaginationStyle) {
  const { record, key } = CASES[style];
  const server = await listServer(style, key, [1, 2, 3, 4, 5, 6].map(record), (page, records) => {
    if (page !== 1) return;
    records.splice(0, 1);
    records.push(record(9));
  });
  servers.push(server);
  return server;
}

describe("a record deleted and another added between two pages", () => {
  for (const style of ["skip-take", "offset-limit", "page-next-link"] as const) {
    const { system, collection } = CASES[style];
    it(`is not taken for a whole read (${style}, ${system}.${collection})`, async () => {
      const server = await shiftingServer(style);
      const read = await connectorTo(server, system).read([collection]);
      // Record 3 moved from page 2 to page 1, behind the read: a read taken whole would lack it.
      expect(read.document[collection]).toBeUndefined();
      expect(read.incomplete.get(collection)).toMatch(/changed while it was read.*so a record may have been skipped\. The next run reads it again/);
    });
  }

  it("is whole through Salesforce's cursor, which keeps the query's records", async () => {
    const server = await shiftingServer("next-records-url");
    const read = await connectorTo(server, "salesforce").read(["Account"]);
    expect([...read.incomplete]).toEqual([]);
    expect(Object.keys(read.document["Account"]!)).toEqual(["a1", "a2", "a3", "a4", "a5", "a6"]);
  });
});

describe("a collection that stays put", () => {
  it("is read whole with overlapping pages (skip-take, offset-limit)", async () => {
    for (const style of ["skip-take", "offset-limit"] as const) {
      const { system, collection, record, key } = CASES[style];
      const server = await listServer(style, key, [1, 2, 3, 4, 5, 6, 7].map(record));
      servers.push(server);
      const read = await connectorTo(server, system).read([collection]);
      expect([...read.incomplete]).toEqual([]);
      expect(Object.keys(read.document[collection]!).sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => String(record(n)[key])).sort());
      // Two records a page, the first of each after the first page being the last of the page
      // before: 1-2, 2-3, 3-4, 4-5, 5-6, 6-7. At 100 a page, a page more in 99.
      expect(server.requests).toBe(6);
    }
  });

  it("is read twice when its paging gives no total (page-next-link), and whole when both reads agree", async () => {
    const { system, collection, record, key } = CASES["page-next-link"];
    const server = await listServer("page-next-link", key, [1, 2, 3, 4, 5].map(record));
    servers.push(server);
    const read = await connectorTo(server, system).read([collection]);
    expect([...read.incomplete]).toEqual([]);
    expect(Object.keys(read.document[collection]!)).toEqual(["d1", "d2", "d3", "d4", "d5"]);
    expect(server.requests).toBe(6);
  });

  it("is not whole when a record is deleted between the two reads (page-next-link)", async () => {
    const { system, collection, record, key } = CASES["page-next-link"];
    const server = await listServer("page-next-link", key, [1, 2, 3, 4, 5].map(record), (page, records) => {
      if (page === 3) records.splice(4, 1);
    });
    servers.push(server);
    const read = await connectorTo(server, system).read([collection]);
    expect(read.incomplete.get(collection)).toMatch(/changed while it was read: read again, it lacked d5, .*so a record may have been skipped/);
  });
});

describe("a run over a read that is not whole", () => {
  // The run of the issue: Momentum's donors read page by page while d11 is deleted; d2, on
  // the next page, shifts behind the read. Taken as whole, d2 would be missing, and its
  // fundraiser's CRM Assignments portfolio would lose it.
  it("removes no donor from a portfolio and deletes nothing", async () => {
    const spec = join(ROOT, "specs", "momentum-raisersedge.sync");
    const plan: Plan = specOrPlan(spec, readFileSync(spec, "utf8"), "specs/momentum-raisersedge.sync", SYSTEMS).plan!;
    const integration: LoadedIntegration = {
      name: "momentum-raisersedge",
      plan,
      params: resolveParams(plan, []) as Map<string, unknown>,
      connections: new Map([["momentum", "momentum"], ["raisersedge", "raisersedge"]]),
      schedules: [],
    };
    // f3's portfolio emptied beforehand, so that the run's only removal would be the wrong one.
    const momentumRecords = sample("momentum");
    momentumRecords["portfolios"]!["f3-crm-assignments"]!["donor_ids"] = [];
    const sandbox = await startSandbox({
      connections: [
        { name: "momentum", system: "momentum", token: TOKEN, document: momentumRecords, settings: { pageSize: 2 } },
        { name: "raisersedge", system: "raisersedge", token: TOKEN, settings: { pageSize: 2 } },
      ],
      systems: SYSTEMS,
    });
    const store = new SqliteServiceStore(join(mkdtempSync(join(tmpdir(), "syncspec-whole-reads-")), "state.db"));
    const momentum = connectorFor(sandbox, "momentum");
    const raisersedge = connectorFor(sandbox, "raisersedge");
    try {
      // Served in key order (d1, d10 | d11, d12 | d2, d20 ...): d11 (a Salesforce donor, in no
      // portfolio here) goes once page 2 is served.
      sandbox.faults("momentum").deleteAfterPage("donors", 2, "d11");
      const summary = await runIntegration(integration, { label: "full run" }, {
        systems: SYSTEMS,
        connectors: new Map([["momentum", momentum], ["raisersedge", raisersedge]]),
        store,
        now: () => new Date("2026-03-01T12:00:00Z"),
      });
      expect(summary.status).toBe("incomplete");
      expect(summary.message).toMatch(/momentum\.donors: .*changed while it was read/);
      const portfolios = sandbox.document("momentum")["portfolios"]!;
      expect(portfolios["f1-crm-assignments"]!["donor_ids"]).toContain("d2");
      expect(sandbox.stats("momentum").writes.filter((w) => w.method === "DELETE")).toEqual([]);
    } finally {
      await momentum.close();
      await raisersedge.close();
      store.close();
      await sandbox.close();
    }
  });
});
