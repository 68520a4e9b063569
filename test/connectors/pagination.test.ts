// Every system is read whole over its own pagination style, page by page, and what is read
// equals its sample.json; the styles are the ones systems.md's vendors use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proofOfWholeness } from "../../src/connectors/pagination.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { connectorFor, overlappingPages, pages, sample, sandboxOf, settingsOf, SYSTEMS } from "./support.js";

const ALL = [...SYSTEMS.keys()].sort();
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await sandboxOf(ALL, 2);
});
afterAll(async () => {
  await sandbox.close();
});

describe("reading a system page by page", () => {
  it("uses the vendors' pagination styles", () => {
    const styles = Object.fromEntries(ALL.map((s) => [s, settingsOf(s).pagination]));
    expect(styles).toEqual({
      altru: "offset-limit",
      crm: "offset-limit",
      mobilecommons: "page-next-link",
      momentum: "page-next-link",
      raisedonors: "skip-take",
      raisersedge: "offset-limit",
      salesforce: "next-records-url",
      virtuous: "skip-take",
      volunteerhub: "page-next-link",
      vomo: "page-next-link",
    });
  });

  it.each(ALL)("reads %s whole, two records a page", async (system) => {
    const connector = connectorFor(sandbox, system);
    const before = sandbox.stats(system).requests;
    try {
      const expected = sample(system);
      const collections = [...SYSTEMS.get(system)!.collections.keys()];
      const read = await connector.read(collections);
      expect([...read.incomplete]).toEqual([]);
      const wanted: Record<string, unknown> = {};
      for (const c of collections) wanted[c] = expected[c] ?? {};
      expect(read.document).toEqual(wanted);
      // Pages that overlap by one record bring one record fewer; paging without a total is read
      // twice; a cursor is followed as it is (see proofOfWholeness).
      const proof = proofOfWholeness(settingsOf(system).pagination);
      const pagesOf = (n: number): number => (proof === "overlap" ? overlappingPages(n, 2) : (proof === "reread" ? 2 : 1) * pages(n, 2));
      const expectedRequests = collections.reduce((n, c) => n + pagesOf(Object.keys(expected[c] ?? {}).length), 0);
      expect(sandbox.stats(system).requests - before).toBe(expectedRequests);
    } finally {
      await connector.close();
    }
  });

  it("reads a collection in one page when the page is large enough", async () => {
    const connector = connectorFor(sandbox, "vomo", "vomo", {}, 100);
    const before = sandbox.stats("vomo").requests;
    try {
      const read = await connector.read(["participations"]);
      expect(Object.keys(read.document["participations"]!).sort()).toEqual(Object.keys(sample("vomo")["participations"]!).sort());
      // One page, and the same page again: page-next-link gives no total to prove the read by.
      expect(sandbox.stats("vomo").requests - before).toBe(2);
    } finally {
      await connector.close();
    }
  });

  it("reports a collection the system does not have, and reads the rest", async () => {
    const connector = connectorFor(sandbox, "raisedonors");
    try {
      const read = await connector.read(["donors", "pledges"]);
      expect(Object.keys(read.document)).toEqual(["donors"]);
      expect(read.incomplete.get("pledges")).toMatch(/raisedonors has no collection "pledges"/);
    } finally {
      await connector.close();
    }
  });
});
