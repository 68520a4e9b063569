// Shared by the connector and sandbox tests: the systems, their sample data, a sandbox with
// one connection per system, connectors pointed at it, and a sleep that only counts, so a
// storm of 429s is ridden out at once and tests prove waits by their requested lengths.
import { afterAll, afterEach, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Document } from "../../src/connectors/connector.js";
import { HttpConnector, type HttpConnectorOptions } from "../../src/connectors/http-connector.js";
import { readConnectorSettings, type ConnectorSettings } from "../../src/connectors/settings.js";
import { startSandbox, type Sandbox, type SandboxConnection } from "../../src/sandbox/sandbox.js";
import { ROOT, SYSTEMS } from "../helpers.js";

export { SYSTEMS };

export const TOKEN = "test-token-7f3a";
export const SECRET = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

export function sample(system: string, file = "sample.json"): Document {
  return JSON.parse(readFileSync(join(ROOT, "integrations", system, file), "utf8")) as Document;
}

export function settingsOf(system: string): ConnectorSettings {
  const read = readConnectorSettings(SYSTEMS.get(system)!);
  if (!read.settings) throw new Error(read.problems.map((p) => p.message).join("; "));
  return read.settings;
}

/** A sleep that records what it was asked to wait and returns at once. */
export function countingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** A sandbox with a connection per system named like the system, pages of `pageSize` records. */
export function sandboxOf(systems: readonly string[], pageSize = 2, extra: Partial<SandboxConnection> = {}, webhookTarget?: string): Promise<Sandbox> {
  return startSandbox({
    connections: systems.map((system) => ({ name: system, system, token: TOKEN, settings: { pageSize }, ...extra })),
    systems: SYSTEMS,
    ...(webhookTarget ? { webhookTarget } : {}),
  });
}

/**
 * One sandbox for a test file: started before its tests, its faults and counts cleared after
 * each, closed at the end. The function returns the sandbox of the moment.
 */
export function useSandbox(systems: readonly string[], pageSize = 2): () => Sandbox {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await sandboxOf(systems, pageSize);
  });
  afterEach(() => {
    for (const name of sandbox!.connections()) {
      sandbox!.faults(name).clear();
      sandbox!.stats(name).reset();
    }
  });
  afterAll(async () => {
    await sandbox!.close();
  });
  return () => sandbox!;
}

/** A connector for a sandbox connection, allowed its own host and port only. */
export function connectorFor(sandbox: Sandbox, name: string, system = name, options: Partial<HttpConnectorOptions> = {}, pageSize = 2): HttpConnector {
  const url = sandbox.url(name);
  return new HttpConnector({
    system: SYSTEMS.get(system)!,
    settings: { ...settingsOf(system), pageSize },
    baseUrl: url,
    token: TOKEN,
    allowedHosts: [new URL(url).host],
    sleep: countingSleep().sleep,
    ...options,
  });
}

/** The number of pages a collection of n records takes. */
export function pages(n: number, pageSize: number): number {
  return Math.max(1, Math.ceil(n / pageSize));
}

/** The number of pages a collection of n records takes when each page after the first begins at the last record of the one before. */
export function overlappingPages(n: number, pageSize: number): number {
  return n <= pageSize ? 1 : 1 + Math.ceil((n - pageSize) / (pageSize - 1));
}
