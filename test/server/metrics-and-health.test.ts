// /metrics and /healthz on a real server: the exposition text read back line by line the way
// a Prometheus scraper reads it (names, labels, escapes, cumulative buckets), and health as
// 200 or 503.
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/scheduler/metrics.js";
import { SYSTEMS } from "../helpers.js";
import { postSigned, startServer } from "./support.js";

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Reads exposition format 0.0.4: comments, then `name{label="value",...} number` lines. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string>; help: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      (comment[1] === "TYPE" ? types : help).set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    const labelText = sample![2] ?? "";
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/y;
    while (label.lastIndex < labelText.length) {
      const m = label.exec(labelText);
      expect(m, `bad labels in: ${line}`).not.toBeNull();
      labels[m![1]!] = m![2]!.replace(/\\(\\|"|n)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = sample![3] === "+Inf" ? Infinity : Number(sample![3]);
    expect(Number.isNaN(value), line).toBe(false);
    samples.push({ name: sample![1]!, labels, value });
  }
  return { samples, types, help };
}

describe("GET /metrics", () => {
  it("serves the five families in the text format, with label values escaped", async () => {
    const metrics = new Metrics([1, 10, 60]);
    const tricky = 'donors "east"\\west\nside';
    metrics.runStarted("raisedonors-virtuous");
    metrics.runStarted("raisedonors-virtuous");
    metrics.runFinished("raisedonors-virtuous", "ok", 0.5);
    metrics.runStarted(tricky);
    metrics.runFinished(tricky, "partial", 12);
    metrics.runStarted(tricky);
    metrics.runFinished(tricky, "ok", 1);
    metrics.runStarted(tricky);
    metrics.runFinished(tricky, "failed", 600);
    metrics.recordsWritten("raisedonors-virtuous", "virtuous", "create", 3);
    metrics.recordsWritten("raisedonors-virtuous", "virtuous", "update");
    metrics.recordsWritten("raisedonors-virtuous", "virtuous", "update", 0);
    const h = await startServer({ metrics });
    try {
      await postSigned(h.url, JSON.stringify({ type: "donor.updated", recordId: "1" }), { id: "m1" });
      await postSigned(h.url, JSON.stringify({ type: "donor.updated", recordId: "1" }), { id: "m1" });
      await postSigned(h.url, "{}", { id: "m2", timestamp: 0 });

      const response = await fetch(`${h.url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      const { samples, types, help } = parseExposition(await response.text());

      expect(Object.fromEntries(types)).toEqual({
        syncspec_runs_total: "counter",
        syncspec_records_total: "counter",
        syncspec_webhooks_total: "counter",
        syncspec_run_duration_seconds: "histogram",
        syncspec_run_in_progress: "gauge",
      });
      expect([...help.keys()].sort()).toEqual([...types.keys()].sort());
      const value = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

      expect(value("syncspec_runs_total", { integration: "raisedonors-virtuous", status: "ok" })).toBe(1);
      expect(value("syncspec_runs_total", { integration: tricky, status: "partial" })).toBe(1);
      expect(value("syncspec_records_total", { integration: "raisedonors-virtuous", system: "virtuous", action: "create" })).toBe(3);
      expect(value("syncspec_records_total", { integration: "raisedonors-virtuous", system: "virtuous", action: "update" })).toBe(1);
      expect(value("syncspec_webhooks_total", { connection: "raisedonors", result: "accepted" })).toBe(1);
      expect(value("syncspec_webhooks_total", { connection: "raisedonors", result: "duplicate" })).toBe(1);
      expect(value("syncspec_webhooks_total", { connection: "raisedonors", result: "unauthorized" })).toBe(1);
      expect(value("syncspec_run_in_progress", { integration: "raisedonors-virtuous" })).toBe(1);
      expect(value("syncspec_run_in_progress", { integration: tricky })).toBe(0);

      // The tricky name went out escaped and came back whole.
      const text = await (await fetch(`${h.url}/metrics`)).text();
      expect(text).toContain('integration="donors \\"east\\"\\\\west\\nside"');

      // Buckets are cumulative, end with +Inf equal to _count, and _sum adds the observations.
      const buckets = samples.filter((s) => s.name === "syncspec_run_duration_seconds_bucket" && s.labels["integration"] === tricky);
      expect(buckets.map((b) => [b.labels["le"], b.value])).toEqual([
        ["1", 1],
        ["10", 1],
        ["60", 2],
        ["+Inf", 3],
      ]);
      expect(value("syncspec_run_duration_seconds_count", { integration: tricky })).toBe(3);
      expect(value("syncspec_run_duration_seconds_sum", { integration: tricky })).toBe(613);
      const other = samples.filter((s) => s.name === "syncspec_run_duration_seconds_bucket" && s.labels["integration"] === "raisedonors-virtuous");
      expect(other.map((b) => b.value)).toEqual([1, 1, 1, 1]);
    } finally {
      await h.close();
    }
  });

  it("with nothing counted yet, is still the five families' headers", () => {
    const { samples, types } = parseExposition(new Metrics().render());
    expect(samples).toEqual([]);
    expect(types.size).toBe(5);
  });
});

describe("GET /healthz", () => {
  it("is 200 with the detail when healthy", async () => {
    const h = await startServer({ health: () => ({ ok: true, detail: { integrations: 7, status: "overridden?" } }) });
    try {
      const response = await fetch(`${h.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok", integrations: 7 });
    } finally {
      await h.close();
    }
  });

  it("is 503 when not, and when the check itself fails", async () => {
    let check = () => ({ ok: false, detail: { store: "the state file cannot be opened" } });
    const errors: unknown[] = [];
    const h = await startServer({ health: () => check(), onError: (e) => errors.push(e) });
    try {
      const down = await fetch(`${h.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: "unavailable", store: "the state file cannot be opened" });
      check = () => {
        throw new Error("boom");
      };
      const failing = await fetch(`${h.url}/healthz`);
      expect(failing.status).toBe(503);
      expect(await failing.json()).toEqual({ status: "unavailable", error: "the health check failed; the service log says why" });
      expect(errors).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

describe("createServiceServer", () => {
  it("refuses a malformed secret before serving, naming the connection", async () => {
    const connections = new Map([["crm", { system: SYSTEMS.get("crm")!, secret: "hunter2" }]]);
    await expect(startServer({ connections })).rejects.toThrow(/connection "crm": a webhook secret starts with "whsec_"/);
  });
});
