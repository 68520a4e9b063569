// Writes over HTTP, one request per record: a record the system refuses (422) is a failure
// with the status and the system's words while the rest are applied; creating twice makes
// one record; a delete of what is gone is applied; overload is retried; a refused token
// stops the sending.
import { describe, expect, it } from "vitest";
import { WriteFenced, type RecordWrite } from "../../src/connectors/connector.js";
import { connectorFor, countingSleep, sample, useSandbox } from "./support.js";

const sandbox = useSandbox(["virtuous", "momentum"], 2);

const gift = (n: number) => ({ id: `rd-gift-w${n}`, contactId: "c1", amount: 10 * n, giftDate: "2026-10-20", transactionSource: "RaiseDonors", transactionId: `w${n}` });
const create = (n: number): RecordWrite => ({ collection: "gifts", key: `rd-gift-w${n}`, action: "create", fields: gift(n) });

describe("writing record by record", () => {
  it("applies the rest when the system refuses one record of many with 422", async () => {
    sandbox().faults("virtuous").rejectKey("gifts", "rd-gift-w3", "amount: gifts over the batch limit need approval");
    const writes = [1, 2, 3, 4, 5].map(create);
    const connector = connectorFor(sandbox(), "virtuous");
    const journal: string[] = [];
    try {
      const result = await connector.write(writes, (w) => void journal.push(w.key));
      expect(result.applied.map((w) => w.key)).toEqual(["rd-gift-w1", "rd-gift-w2", "rd-gift-w4", "rd-gift-w5"]);
      expect(journal).toEqual(result.applied.map((w) => w.key));
      expect(result.failed).toEqual([{ write: writes[2], status: 422, reason: "virtuous refused to create gifts/rd-gift-w3 (422): amount: gifts over the batch limit need approval" }]);
      const gifts = sandbox().document("virtuous")["gifts"]!;
      expect(Object.keys(gifts).sort()).toEqual(["rd-gift-w1", "rd-gift-w2", "rd-gift-w4", "rd-gift-w5", "v-9001"]);
      expect(sandbox().stats("virtuous").requests).toBe(5);
    } finally {
      await connector.close();
    }
  });

  it("carries the schema's reason when a record is not valid", async () => {
    const connector = connectorFor(sandbox(), "virtuous");
    try {
      const result = await connector.write([
        { collection: "contacts", key: "c1", action: "update", fields: { contactType: "Person" } },
        { collection: "contacts", key: "c2", action: "update", fields: { phone: "301-555-0199" } },
      ]);
      expect(result.failed).toHaveLength(1);
      expect(result.failed[0]!.status).toBe(422);
      expect(result.failed[0]!.reason).toBe('virtuous refused to update contacts/c1 (422): contactType must be one of "Household", "Organization"');
      expect(sandbox().document("virtuous")["contacts"]!["c2"]!["phone"]).toBe("301-555-0199");
    } finally {
      await connector.close();
    }
  });

  it("creates a record once however often the create is sent (PUT by the deterministic key)", async () => {
    const connector = connectorFor(sandbox(), "virtuous");
    try {
      const first = await connector.write([create(7)]);
      const again = await connector.write([create(7), create(7)]);
      expect(first.applied).toHaveLength(1);
      expect(again.applied).toHaveLength(2);
      expect(sandbox().stats("virtuous").createsOf("gifts", "rd-gift-w7")).toBe(1);
      expect(sandbox().stats("virtuous").writesOf("gifts", "rd-gift-w7")).toBe(3);
      expect(sandbox().document("virtuous")["gifts"]!["rd-gift-w7"]).toEqual(gift(7));
    } finally {
      await connector.close();
    }
  });

  it("counts a delete of a record already gone as applied, and an update of one gone as a failure", async () => {
    const connector = connectorFor(sandbox(), "momentum");
    try {
      const result = await connector.write([
        { collection: "portfolios", key: "f2-spring-appeal", action: "delete" },
        { collection: "portfolios", key: "f2-spring-appeal", action: "delete" },
        { collection: "portfolios", key: "gone", action: "update", fields: { name: "x" } },
      ]);
      expect(result.applied).toHaveLength(2);
      expect(result.failed.map((f) => [f.status, f.reason])).toEqual([[404, 'momentum refused to update portfolios/gone (404): there is no portfolios record "gone" to update']]);
      expect(sandbox().document("momentum")["portfolios"]!["f2-spring-appeal"]).toBeUndefined();
    } finally {
      await connector.close();
    }
  });

  it("retries a write the system is too busy for, and applies it once", async () => {
    const { waits, sleep } = countingSleep();
    sandbox().faults("virtuous").unavailable(2, 1);
    sandbox().faults("virtuous").rateLimit(2, 3);
    const connector = connectorFor(sandbox(), "virtuous", "virtuous", { sleep });
    try {
      const result = await connector.write([create(8)]);
      expect(result.failed).toEqual([]);
      expect(sandbox().stats("virtuous").requests).toBe(5);
      expect(sandbox().stats("virtuous").createsOf("gifts", "rd-gift-w8")).toBe(1);
      expect(waits).toHaveLength(4);
    } finally {
      await connector.close();
    }
  });

  it("fails a write whose retries are spent, with a message to act on, and goes on with the next", async () => {
    const { sleep } = countingSleep();
    sandbox().faults("virtuous").rateLimit(3, 1);
    const connector = connectorFor(sandbox(), "virtuous", "virtuous", { sleep, retry: { maxRetriesPerRequest: 2 } });
    try {
      const result = await connector.write([create(11), create(12)]);
      expect(result.applied.map((w) => w.key)).toEqual(["rd-gift-w12"]);
      expect(result.failed[0]!.status).toBe(429);
      expect(result.failed[0]!.reason).toMatch(/^PUT http:\/\/127\.0\.0\.1:\d+\/gifts\/rd-gift-w11 answered 429 \(too many requests\), still after 2 retries, the most one request may have; the system is limiting how fast syncspec may call it/);
    } finally {
      await connector.close();
    }
  });

  it("stops sending once the system refuses the token", async () => {
    const connector = connectorFor(sandbox(), "virtuous", "virtuous", { token: "expired" });
    try {
      const result = await connector.write([create(21), create(22), create(23)]);
      expect(result.applied).toEqual([]);
      expect(result.failed.map((f) => f.status)).toEqual([401, 401, 401]);
      expect(result.failed[2]!.reason).toBe("not sent: virtuous refused the credentials (401: the bearer token is not valid); check the token the deployment gives this connection");
      expect(sandbox().stats("virtuous").requests).toBe(1);
    } finally {
      await connector.close();
    }
  });

  it("sends keys with / and ~ and __proto__ as one path segment each", async () => {
    const connector = connectorFor(sandbox(), "momentum");
    try {
      const keys = ["a/b", "t~1", "__proto__", "sp ace?&#"];
      const result = await connector.write(keys.map((key) => ({ collection: "donors", key, action: "create" as const, fields: { id: key, crm_id: `x-${key}`, name: "Key" } })));
      expect(result.failed).toEqual([]);
      const donors = sandbox().document("momentum")["donors"]!;
      for (const key of keys) expect(Object.getOwnPropertyDescriptor(donors, key)?.value).toEqual({ id: key, crm_id: `x-${key}`, name: "Key" });
      expect(Object.keys(donors)).toHaveLength(Object.keys(sample("momentum")["donors"]!).length + keys.length);
    } finally {
      await connector.close();
    }
  });
});

describe("a run taken over by another worker", () => {
  it("asks the fence before each write, and sends nothing once it says the run was taken over", async () => {
    const writes = [11, 12, 13, 14].map(create);
    const connector = connectorFor(sandbox(), "virtuous");
    const journal: string[] = [];
    let asked = 0;
    const fence = { stopped: () => (++asked > 2 ? "another worker took raisedonors-virtuous over" : undefined) };
    try {
      await expect(connector.write(writes, (w) => void journal.push(w.key), fence)).rejects.toThrow(new WriteFenced("another worker took raisedonors-virtuous over"));
      expect(journal).toEqual(["rd-gift-w11", "rd-gift-w12"]);
      const gifts = sandbox().document("virtuous")["gifts"]!;
      expect(Object.keys(gifts).filter((key) => /w1[1-4]$/.test(key)).sort()).toEqual(["rd-gift-w11", "rd-gift-w12"]);
    } finally {
      await connector.close();
    }
  });

  it("asks the fence again before each retry of a write, and sends it no more once it says stop", async () => {
    sandbox().faults("virtuous").rateLimit(1, 0);
    const connector = connectorFor(sandbox(), "virtuous", "virtuous", { sleep: async () => undefined });
    let asked = 0;
    const fence = { stopped: () => (++asked > 1 ? "the lease of raisedonors-virtuous was not renewed within 30 s" : undefined) };
    try {
      await expect(connector.write([create(21)], undefined, fence)).rejects.toThrow(WriteFenced);
      expect(asked).toBe(2);
      expect(Object.keys(sandbox().document("virtuous")["gifts"]!)).not.toContain("rd-gift-w21");
    } finally {
      await connector.close();
    }
  });
});
