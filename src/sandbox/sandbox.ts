// The sandbox: real HTTP servers on loopback that play the ten systems with their sample
// data, pagination, rate limits and signed webhooks, so the service and the tests run the
// whole path (HTTP, retries, events, echoes) without any vendor. One server per connection;
// here the servers are started, faults reached, and events sent as the systems would.
import { dirname, join } from "node:path";
import type { Document, RecordWrite } from "../connectors/connector.js";
import { readConnectorSettings, type ConnectorSettings } from "../connectors/settings.js";
import { renderProblem } from "../diagnostics/render.js";
import { recordProblem } from "../input/record-checks.js";
import { readSnapshotFile } from "../input/snapshots.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";
import type { SandboxFaults } from "./faults.js";
import type { SandboxStats } from "./stats.js";
import { SystemServer } from "./system-server.js";
import { sendWebhook, type WebhookAnswer, type WebhookDelivery, type WebhookEvent } from "./webhook-sender.js";
import { setMember } from "../json/own.js";

export interface SandboxConnection {
  /** The connection's name: webhooks go to /webhooks/{name}. */
  readonly name: string;
  readonly system: string;
  /** The records served; by default those of `sample`. */
  readonly document?: Document;
  /** A snapshot file (JSON or YAML) to serve, checked as snapshots are; by default integrations/<system>/sample.json. */
  readonly sample?: string;
  readonly token: string;
  /** The Standard Webhooks secret (whsec_...) events are signed with; no events without it. */
  readonly webhookSecret?: string;
  /** Settings over the system's connector.yaml (a small pageSize makes pages of the sample). */
  readonly settings?: Partial<ConnectorSettings>;
  /** Whether the engine's writes come back as the system's events, with actor = writesAs. Default: when there is a webhook target and a secret. */
  readonly emitOnWrite?: boolean;
}

export interface SandboxOptions {
  readonly connections: readonly SandboxConnection[];
  readonly systems: SystemCatalog;
  /** The service's base URL; events are POSTed to {webhookTarget}/webhooks/{connection}. */
  readonly webhookTarget?: string;
  /** The systems' clock, for the modified stamps they keep; the machine's by default. */
  readonly now?: () => Date;
}

export interface ChangeOptions {
  /** The event to send instead of the collection's *.updated (or *.created) one; null sends none. */
  readonly event?: string | null;
}

export interface Sandbox {
  has(connection: string): boolean;
  /** The connections' names, in the order given. */
  connections(): string[];
  url(connection: string): string;
  document(connection: string): Document;
  /** When a record was last modified as the system keeps it (its modifiedSince field, or the stamp the system holds beside it); undefined where the collection has no modifiedSince. */
  stamp(connection: string, collection: string, key: string): string | undefined;
  faults(connection: string): SandboxFaults;
  stats(connection: string): SandboxStats;
  /** Where events go; settable once the service is listening. */
  setWebhookTarget(target: string | undefined): void;
  emit(connection: string, event: WebhookEvent, delivery?: WebhookDelivery): Promise<WebhookAnswer>;
  /** Edits (or makes) a record as a person would, then sends the system's matching event, if it has one and a target is set. */
  change(connection: string, collection: string, key: string, fields: Record<string, unknown>, actor?: string, options?: ChangeOptions): Promise<WebhookAnswer | undefined>;
  /** Resolves once every event sent about the engine's writes has been answered. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const servers = new Map<string, { server: SystemServer; connection: SandboxConnection }>();
  let target = options.webhookTarget;
  const pending = new Set<Promise<void>>();

  const entry = (name: string) => {
    const found = servers.get(name);
    if (!found) throw new Error(`the sandbox has no connection ${JSON.stringify(name)}; it has ${[...servers.keys()].join(", ")}`);
    return found;
  };
  const emit = (name: string, event: WebhookEvent, delivery?: WebhookDelivery): Promise<WebhookAnswer> => {
    const { connection } = entry(name);
    if (target === undefined) throw new Error("the sandbox has no webhook target to send events to; give webhookTarget");
    if (connection.webhookSecret === undefined) throw new Error(`the sandbox connection ${name} has no webhookSecret to sign events with`);
    return sendWebhook(target, name, connection.webhookSecret, event, delivery);
  };
  const echo = (name: string, system: SystemDefinition, settings: ConnectorSettings, collection: string, key: string, action: RecordWrite["action"]): void => {
    const { connection, server } = entry(name);
    const wanted = connection.emitOnWrite ?? connection.webhookSecret !== undefined;
    const type = eventFor(system, collection, action);
    if (!wanted || target === undefined || type === undefined) return;
    const delivery = emit(name, { type, ...(settings.writesAs !== undefined ? { actor: settings.writesAs } : {}), recordId: key })
      .then((answer) => {
        if (answer.status >= 300) server.stats.webhookFailures.push(`${type} ${key}: ${answer.status} ${answer.body}`);
      })
      .catch((error: Error) => {
        server.stats.webhookFailures.push(`${type} ${key}: ${error.message}`);
      });
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  };

  try {
    for (const connection of options.connections) {
      if (servers.has(connection.name)) throw new Error(`the sandbox connection ${connection.name} is given twice`);
      const system = options.systems.get(connection.system);
      if (!system) throw new Error(`the sandbox connection ${connection.name} names the system ${JSON.stringify(connection.system)}, which is not defined`);
      const settings = { ...systemSettings(system), ...connection.settings };
      const server = await SystemServer.start({
        name: connection.name,
        system,
        settings,
        token: connection.token,
        document: connection.document ?? sampleDocument(system, connection.sample),
        onWrite: (collection, key, action) => echo(connection.name, system, settings, collection, key, action),
        ...(options.now ? { now: options.now } : {}),
      });
      servers.set(connection.name, { server, connection });
    }
  } catch (error) {
    await Promise.all([...servers.values()].map(({ server }) => server.close()));
    throw error;
  }

  const settled = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  return {
    has: (name) => servers.has(name),
    connections: () => [...servers.keys()],
    url: (name) => entry(name).server.url,
    document: (name) => entry(name).server.document(),
    stamp: (name, collection, key) => {
      const { server } = entry(name);
      const record = server.record(collection, key);
      return record === undefined ? undefined : server.stampOf(collection, key, record);
    },
    faults: (name) => entry(name).server.faults,
    stats: (name) => entry(name).server.stats,
    setWebhookTarget: (value) => {
      target = value;
    },
    emit,
    async change(name, collectionName, key, fields, actor, changeOptions = {}) {
      const { server, connection } = entry(name);
      const system = server.system;
      const collection = system.collections.get(collectionName);
      if (!collection) throw new Error(`${system.name} has no collection ${JSON.stringify(collectionName)}`);
      const existing = server.record(collectionName, key);
      const record: Record<string, unknown> = existing ?? { [collection.key]: key };
      for (const [field, value] of Object.entries(fields)) setMember(record, field, value);
      const modified = modifiedField(collection.schema);
      if (modified !== undefined && !Object.prototype.hasOwnProperty.call(fields, modified)) record[modified] = (options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
      const problem = recordProblem(collection, record);
      if (problem !== undefined) throw new Error(`sandbox change of ${system.name}.${collectionName} ${key}: ${problem}`);
      server.store(collectionName, key, record);
      const type = changeOptions.event === undefined ? eventFor(system, collectionName, existing ? "update" : "create") : changeOptions.event;
      if (type === null || type === undefined || target === undefined || connection.webhookSecret === undefined) return undefined;
      return emit(name, { type, ...(actor !== undefined ? { actor } : {}), recordId: key });
    },
    settled,
    async close() {
      await settled();
      await Promise.all([...servers.values()].map(({ server }) => server.close()));
    },
  };
}

function systemSettings(system: SystemDefinition): ConnectorSettings {
  const read = readConnectorSettings(system);
  if (!read.settings) throw new Error(read.problems.map(renderProblem).join("\n"));
  return read.settings;
}

/** The system's sample.json, checked as any snapshot is. */
export function sampleDocument(system: SystemDefinition, file: string = join(dirname(system.file), "sample.json")): Document {
  const loaded = readSnapshotFile(file, system);
  if (!loaded.snapshot) throw new Error(loaded.problems.map(renderProblem).join("\n"));
  return loaded.document as Document;
}

/** The event a system sends when a record of a collection is created, updated or deleted, if it has one. */
export function eventFor(system: SystemDefinition, collection: string, action: RecordWrite["action"]): string | undefined {
  const events = [...system.events].filter(([, c]) => c === collection).map(([type]) => type);
  const endings = action === "create" ? [".created", ".updated"] : action === "update" ? [".updated"] : [".deleted"];
  for (const ending of endings) {
    const found = events.find((type) => type.endsWith(ending));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The field a system stamps with the time of a change (modifiedDate, updated_at, LastUpdate...), if the record has one. */
function modifiedField(schema: Record<string, unknown>): string | undefined {
  const properties = (schema["properties"] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.keys(properties).find((name) => /modified|updated|lastupdate/i.test(name) && properties[name]?.["format"] === "date-time");
}
