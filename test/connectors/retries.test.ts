// Rate limits and overload: Retry-After is honoured (as seconds or an HTTP-date, however long,
// within the budget), backoff is used when there is none, and a spent budget fails the read
// with a message a person can act on. Waits are proven by what was asked of sleep, not timed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { retryAfterMs, type RetryWait } from "../../src/connectors/http-client.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { connectorFor, countingSleep, overlappingPages, sample, sandboxOf } from "./support.js";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await sandboxOf(["raisedonors", "salesforce"], 2);
});
afterEach(() => {
  sandbox.faults("raisedonors").clear();
  sandbox.faults("salesforce").clear();
  sandbox.stats("raisedonors").reset();
  sandbox.stats("salesforce").reset();
});
afterAll(async () => {
  await sandbox.close();
});

// Pages after the first begin at the last record of the page before (see pagination.ts).
const donorPages = overlappingPages(Object.keys(sample("raisedonors")["donors"]!).length, 2);

describe("retrying", () => {
  it("rides out a storm of 429s, waiting as long as Retry-After says", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").rateLimit(5, 2);
    const told: RetryWait[] = [];
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep, onWait: (w) => told.push(w) });
    try {
      const read = await connector.read(["donors"]);
      expect([...read.incomplete]).toEqual([]);
      expect(read.document["donors"]).toEqual(sample("raisedonors")["donors"]);
      expect(sandbox.stats("raisedonors").answered(429)).toBe(5);
      expect(sandbox.stats("raisedonors").requests).toBe(5 + donorPages);
      expect(waits).toHaveLength(5);
      for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(2000);
      // Each wait is told (the service's page lists them), as long as it was, and why.
      expect(told.map((w) => w.ms)).toEqual(waits.map((w) => Math.round(w)));
      expect(told[0]).toMatchObject({ why: "answered 429 (too many requests)", status: 429, asked: true, call: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\//) });
    } finally {
      await connector.close();
    }
  });

  it("waits longer than undici's own retry cap when the server asks for it", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("salesforce").rateLimit(1, 90);
    const connector = connectorFor(sandbox, "salesforce", "salesforce", { sleep, retry: { maxWaitMs: 10 * 60_000 } });
    try {
      const read = await connector.read(["User"]);
      expect([...read.incomplete]).toEqual([]);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThanOrEqual(90_000);
    } finally {
      await connector.close();
    }
  });

  it("reads Retry-After given as an HTTP-date", () => {
    const now = Date.parse("2026-11-01T14:05:00Z");
    expect(retryAfterMs("Sun, 01 Nov 2026 14:06:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("Sun, 01 Nov 2026 14:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });

  it("honours an HTTP-date Retry-After on a 503", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").unavailable(1, new Date(Date.now() + 45_000).toUTCString());
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep });
    try {
      const read = await connector.read(["gifts"]);
      expect([...read.incomplete]).toEqual([]);
      expect(waits).toHaveLength(1);
      expect(waits[0]).toBeGreaterThan(40_000);
    } finally {
      await connector.close();
    }
  });

  it("backs off exponentially, with jitter, when a 503 gives no Retry-After", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").unavailable(3);
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep, random: () => 0.5, retry: { baseDelayMs: 100 } });
    try {
      const read = await connector.read(["donors"]);
      expect([...read.incomplete]).toEqual([]);
      // Half of 100, 200, 400 fixed, plus half of the other half.
      expect(waits).toEqual([75, 150, 300]);
    } finally {
      await connector.close();
    }
  });

  it("rides out a token-bucket limit with real (short) waits", async () => {
    sandbox.faults("raisedonors").rateLimitBucket(1, 50, 0);
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep: (ms) => new Promise((r) => setTimeout(r, ms + 25)) });
    try {
      const read = await connector.read(["donors", "gifts"]);
      expect([...read.incomplete]).toEqual([]);
      expect(read.document).toEqual(sample("raisedonors"));
    } finally {
      await connector.close();
    }
  });

  it("fails a read whose retry budget is spent, saying what happened and what to do", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").rateLimit(1000, 1);
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep, retry: { maxRetries: 3 } });
    try {
      const read = await connector.read(["donors", "gifts"]);
      expect(Object.keys(read.document)).toEqual([]);
      const reason = read.incomplete.get("donors")!;
      expect(reason).toMatch(/^raisedonors\.donors was not read whole, so this run leaves it out: GET http:\/\/127\.0\.0\.1:\d+\/donors\?skip=0&take=2 answered 429 \(too many requests\), still after the 3 retries this read or write may have in all; the system is limiting how fast syncspec may call it\. The next run tries again/);
      expect(reason).not.toContain("test-token");
      // The budget is the whole read's: gifts gets one try, no more retries.
      expect(read.incomplete.get("gifts")).toMatch(/answered 429/);
      expect(waits).toHaveLength(3);
      expect(sandbox.stats("raisedonors").requests).toBe(5);
    } finally {
      await connector.close();
    }
  });

  it("does not wait past the budget's time: a Retry-After too long fails at once", async () => {
    const { waits, sleep } = countingSleep();
    sandbox.faults("raisedonors").rateLimit(1, 3600);
    const connector = connectorFor(sandbox, "raisedonors", "raisedonors", { sleep, retry: { maxWaitMs: 60_000 } });
    try {
      const read = await connector.read(["donors"]);
      expect(read.incomplete.get("donors")).toMatch(/answered 429 \(too many requests\); the server asks to wait 3600 s \(Retry-After\), more than the 60 s left of this read or write's 60 s for waiting/);
      expect(waits).toEqual([]);
      expect(sandbox.stats("raisedonors").requests).toBe(1);
    } finally {
      await connector.close();
    }
  });
});
