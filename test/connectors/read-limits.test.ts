// Every read is bounded (issue 13, item 6 and the trickling source): by the pages one pass
// over a collection may follow, the records one collection may hold, and the time a whole
// read may take. Hitting a bound makes the collection incomplete, with the bound named; a
// read past its deadline stops where it is, even in the middle of an answer or before a retry.
// Bounds are set small per test; no test measures time.
import { afterEach, describe, expect, it } from "vitest";
import { HttpConnector, type HttpConnectorOptions } from "../../src/connectors/http-connector.js";
import { endlessServer, listServer, tricklingServer, type LoopbackServer } from "./misbehaving-servers.js";
import { connectorFor, countingSleep, sandboxOf, settingsOf, SYSTEMS, TOKEN } from "./support.js";

const donor = (n: number) => ({ id: `d${n}`, crm_id: `c${n}`, name: `Donor ${n}` });

const servers: LoopbackServer[] = [];
const connectors: HttpConnector[] = [];
afterEach(async () => {
  for (const c of connectors.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
});

async function started(server: Promise<LoopbackServer>): Promise<LoopbackServer> {
  const s = await server;
  servers.push(s);
  return s;
}

/** A Momentum connector (page-next-link) to a loopback server, with the options given. */
function momentumAt(server: LoopbackServer, options: Partial<HttpConnectorOptions> = {}): HttpConnector {
  const connector = new HttpConnector({
    system: SYSTEMS.get("momentum")!,
    settings: { ...settingsOf("momentum"), pageSize: 2 },
    baseUrl: server.url,
    token: TOKEN,
    allowedHosts: [server.host],
    sleep: countingSleep().sleep,
    ...options,
  });
  connectors.push(connector);
  return connector;
}

describe("paging that never ends", () => {
  it("stops at the page bound, with the requests bounded", async () => {
    const server = await started(endlessServer({ perPage: 2, giveUpAt: 500, record: donor }));
    const read = await momentumAt(server, { readLimits: { pages: 5 } }).read(["donors"]);
    expect(read.document["donors"]).toBeUndefined();
    expect(read.incomplete.get("donors")).toMatch(/momentum\.donors was not read whole, so this run leaves it out: the system still gave a next page after 5 pages, the most one pass over a collection may follow \(readLimits\.pages\)/);
    expect(server.requests).toBe(5);
  });

  it("stops at the record bound", async () => {
    const server = await started(endlessServer({ perPage: 3, giveUpAt: 500, record: donor }));
    const read = await momentumAt(server, { readLimits: { records: 7 } }).read(["donors"]);
    expect(read.incomplete.get("donors")).toMatch(/more than 7 records, the most one collection may hold \(readLimits\.records\)/);
    expect(server.requests).toBe(3);
  });

  it("stops at the read's deadline", async () => {
    const server = await started(endlessServer({ perPage: 2, giveUpAt: 150, delayMs: 20, record: donor }));
    const read = await momentumAt(server, { readLimits: { seconds: 0.2 } }).read(["donors", "fundraisers"]);
    expect(read.incomplete.get("donors")).toMatch(/past the 200 ms this connection gives a whole read \(readLimits\.seconds in integrations\/momentum\/connector\.yaml\)/);
    // The deadline is the whole read's: the next collection is not begun.
    expect(read.incomplete.get("fundraisers")).toMatch(/not read: the read ran past the 200 ms/);
    expect(server.requests).toBeLessThan(150);
  });

  it("does not begin when the total given is beyond the record bound (skip-take)", async () => {
    const server = await started(
      listServer("skip-take", "id", Array.from({ length: 30 }, (_, i) => ({ id: `vo${i + 1}`, name: "Opportunity", isActive: true }))),
    );
    const connector = new HttpConnector({
      system: SYSTEMS.get("virtuous")!,
      settings: { ...settingsOf("virtuous"), pageSize: 2 },
      baseUrl: server.url,
      token: TOKEN,
      allowedHosts: [server.host],
      readLimits: { records: 20 },
    });
    connectors.push(connector);
    const read = await connector.read(["volunteerOpportunities"]);
    expect(read.incomplete.get("volunteerOpportunities")).toMatch(/the system says the collection holds 30 records, more than the 20 one collection may hold \(readLimits\.records\)/);
    expect(server.requests).toBe(1);
  });

  it("takes the connection's bounds over its system's connector.yaml", async () => {
    const server = await started(endlessServer({ perPage: 2, giveUpAt: 500, record: donor }));
    const connector = momentumAt(server, { settings: { ...settingsOf("momentum"), pageSize: 2, readLimits: { pages: 50 } }, readLimits: { pages: 3 } });
    const read = await connector.read(["donors"]);
    expect(read.incomplete.get("donors")).toMatch(/after 3 pages/);
    expect(server.requests).toBe(3);
  });
});

describe("a source that trickles", () => {
  // One byte every 20 ms: no pause long enough for the body timeout, and each try ends only
  // at the whole-call timeout (2 s here), retried 6 times: 14 s, as 120 s took 14 minutes.
  it("ends the read at its deadline, in the middle of the answer, without retrying", async () => {
    const server = await started(tricklingServer(20, 4096));
    const connector = momentumAt(server, { readLimits: { seconds: 0.3 }, timeouts: { requestMs: 2_000 }, retry: { maxRetriesPerRequest: 6 } });
    const read = await connector.read(["donors", "fundraisers"]);
    expect(read.incomplete.get("donors")).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/donors\?page=1&per_page=2 was cut off: the read ran past the 300 ms this connection gives a whole read \(readLimits\.seconds in integrations\/momentum\/connector\.yaml\)/);
    expect(read.incomplete.get("fundraisers")).toMatch(/not read: the read ran past the 300 ms/);
    expect(server.requests).toBe(1);
  });

  it("does not wait for a retry that would end past the deadline", async () => {
    const sandbox = await sandboxOf(["raisedonors"], 2);
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").rateLimit(1, 90);
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep, readLimits: { seconds: 30 } });
    try {
      const read = await connector.read(["donors"]);
      expect(read.incomplete.get("donors")).toMatch(/answered 429 \(too many requests\); the server asks to wait 90 s \(Retry-After\), past the 30 s this connection gives a whole read \(readLimits\.seconds in integrations\/raisedonors\/connector\.yaml\)/);
      expect(waits).toEqual([]);
    } finally {
      await connector.close();
      await sandbox.close();
    }
  });
});
