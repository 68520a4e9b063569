// What the service's page is given (/api/status), from a real SQLite store: the integrations
// with their last and next runs, the runs in words, the refused records, and the waits, with
// the deployment's credentials taken out of every text.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { describeCounts, serviceStatus, SHOWN, Waits } from "../../src/scheduler/service-status.js";

const TOKEN = "tok_9f8e7d6c5b4a";
const redact = (text: string) => text.split(TOKEN).join("[redacted]");

describe("the service's status", () => {
  it("gives each integration's last and next runs, the runs in words, the refused records and the waits", async () => {
    const store = new SqliteServiceStore(join(mkdtempSync(join(tmpdir(), "syncspec-status-")), "state.db"));
    try {
      const first = await store.startRun("donors", "full run", "2026-12-01T10:00:00.000Z");
      await store.finishRun(first, {
        status: "partial",
        at: "2026-12-01T10:00:05.000Z",
        counts: { create: 3, applied_create: 2, skip: 1, failed: 1 },
        message: `1 record refused (token ${TOKEN})`,
        failures: [{ system: "crm", collection: "people", key: "e", action: "create", status: 422, reason: `email: required (sent with ${TOKEN})` }],
        cleared: [],
      });
      await store.startRun("donors", "crm person.updated e", "2026-12-01T10:05:00.000Z");
      const waits = new Waits(2);
      for (const ms of [1000, 2000, 3000]) waits.note("crm", { call: `GET http://127.0.0.1/people?token=${TOKEN}`, why: "answered 429 (too many requests)", status: 429, ms, asked: true }, new Date("2026-12-01T10:00:01.000Z"));

      const status = await serviceStatus({
        deployment: "specs/x.deploy.yaml",
        integrations: ["donors", "gifts"],
        store,
        waits,
        upcoming: () => [{ integration: "gifts", label: "every hour", at: new Date("2026-12-01T11:00:00.000Z") }],
        redact,
        now: () => new Date("2026-12-01T10:06:00.000Z"),
      });
      expect(status.now).toBe("2026-12-01T10:06:00.000Z");
      expect(status.integrations).toEqual([
        { name: "donors", lastRun: expect.objectContaining({ id: first, status: "partial", summary: "2 created, 1 skipped, 1 refused", message: "1 record refused (token [redacted])" }), running: true, next: [] },
        { name: "gifts", lastRun: null, running: false, next: [{ label: "every hour", at: "2026-12-01T11:00:00.000Z" }] },
      ]);
      expect(status.runs.map((r) => [r.trigger, r.status])).toEqual([
        ["crm person.updated e", "running"],
        ["full run", "partial"],
      ]);
      expect(status.refused).toEqual([expect.objectContaining({ integration: "donors", system: "crm", collection: "people", key: "e", status: 422, reason: "email: required (sent with [redacted])", attempts: 1 })]);
      // The last two waits kept, newest first, of three.
      expect(status.waits.total).toBe(3);
      expect(status.waits.waits.map((w) => [w.ms, w.call])).toEqual([
        [3000, "GET http://127.0.0.1/people?token=[redacted]"],
        [2000, "GET http://127.0.0.1/people?token=[redacted]"],
      ]);
      expect(JSON.stringify(status)).not.toContain(TOKEN);
    } finally {
      await store.close();
    }
  });

  it("finds the last run of a quiet integration beside a busy one, and lists the first of many refused records", async () => {
    const store = new SqliteServiceStore(join(mkdtempSync(join(tmpdir(), "syncspec-status-")), "state.db"));
    try {
      const quiet = await store.startRun("quiet", "full run", "2026-12-01T00:00:00.000Z");
      await store.finishRun(quiet, { status: "ok", at: "2026-12-01T00:00:01.000Z", counts: { applied_update: 1 }, failures: [], cleared: [] });
      for (let i = 0; i < SHOWN.runs + 5; i++) {
        const at = new Date(Date.parse("2026-12-01T01:00:00.000Z") + i * 60_000).toISOString();
        const id = await store.startRun("busy", "every minute", at);
        await store.finishRun(id, { status: "ok", at, counts: {}, failures: i === 0 ? Array.from({ length: SHOWN.refused + 3 }, (_, k) => ({ system: "crm", collection: "people", key: `p${k}`, action: "update", status: 422, reason: "no" })) : [], cleared: [] });
      }
      const status = await serviceStatus({ deployment: "d", integrations: ["busy", "quiet"], store, waits: new Waits(), upcoming: () => [], redact: (t) => t });
      expect(status.runs).toHaveLength(SHOWN.runs);
      expect(status.runs.some((r) => r.integration === "quiet")).toBe(false);
      expect(status.integrations[1]).toMatchObject({ name: "quiet", lastRun: { id: quiet, summary: "1 updated" } });
      expect([status.refused.length, status.refusedCount]).toEqual([SHOWN.refused, SHOWN.refused + 3]);
    } finally {
      await store.close();
    }
  });

  it("says a run's counts in the words of syncspec runs", () => {
    expect(describeCounts({ create: 4, update: 3, applied_create: 4, applied_update: 3, skip: 1 })).toBe("4 created, 3 updated, 1 skipped");
    expect(describeCounts({ conflict: 2, applied_delete: 1 })).toBe("1 deleted, 2 conflicts resolved");
    expect(describeCounts({})).toBe("");
  });
});
