// Every system is read whole over its own pagination style, page by page, and what is read
// equals its sample.json; the styles are the ones systems.md's vendors use.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { connectorFor, pages, sample, sandboxOf, settingsOf, SYSTEMS } from "./support.js";

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
      const expectedRequests = collections.reduce((n, c) => n + pages(Object.keys(expected[c] ?? {}).length, 2), 0);
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
      expect(sandbox.stats("vomo").requests - before).toBe(1);
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
