// Echoes and real edits that arrive soon after the engine's own write (issue 13, item 1). An
// event is the engine's echo only when the record, as the system now holds it, is what the
// engine wrote in every field the spec reads, and its actor (if it names one) is the one the
// engine writes as. Anything else is a person's (or another program's) edit, and must run: a
// redundant run costs one read, a dropped edit is lost for good.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { signWebhook } from "../../src/connectors/webhook-signature.js";
import type { RunEvent } from "../../src/input/event.js";
import { assemble } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { Metrics } from "../../src/scheduler/metrics.js";
import { Service, type ServiceProgress } from "../../src/scheduler/service.js";
import { createServiceServer, type ServiceServer } from "../../src/server/http-server.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { contactSync, tempFile, type World } from "./support.js";

type Records = Record<string, Record<string, Record<string, unknown>>>;

/** RaiseDonors <-> Virtuous over two snapshot files: connections with no writesAs, whose webhooks come signed to the service's server. */
interface FileWorld {
  readonly service: Service;
  readonly store: SqliteServiceStore;
  readonly progress: ServiceProgress[];
  read(connection: string): Records;
  /** Edits a record in the file, as a person working in the system would. */
  edit(connection: string, collection: string, key: string, fields: Record<string, unknown>): void;
  /** Sends a signed webhook, as the system would; resolves with the service's answer. */
  webhook(connection: string, event: Omit<RunEvent, "system">, id: string): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** anyActor: the seed spec with triggers that take events by any actor, or by none. */
async function fileWorld(options: { anyActor?: boolean } = {}): Promise<FileWorld> {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-echoes-"));
  const files: Record<string, string> = {};
  for (const system of ["raisedonors", "virtuous"]) {
    files[system] = join(dir, `${system}.json`);
    copyFileSync(join(ROOT, "integrations", system, "sample.json"), files[system]!);
  }
  let spec = join(ROOT, "specs", "raisedonors-virtuous.sync");
  if (options.anyActor) {
    const text = readFileSync(spec, "utf8").replace(/^(on \S+ \S+) by [^:]+:/gm, "$1:");
    spec = join(dir, "raisedonors-virtuous.sync");
    writeFileSync(spec, text);
  }
  const yaml = [
    "connections:",
    `  raisedonors: {file: ${JSON.stringify(files["raisedonors"])}, webhookSecret: {env: RAISEDONORS_WEBHOOK_SECRET}}`,
    `  virtuous: {file: ${JSON.stringify(files["virtuous"])}, webhookSecret: {env: VIRTUOUS_WEBHOOK_SECRET}}`,
    "integrations:",
    `  raisedonors-virtuous: {spec: ${JSON.stringify(spec)}}`,
  ].join("\n");
  const deployment = parseDeployment(`${yaml}\n`, join(dir, "deploy.yaml"));
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
  const assembled = assemble(deployment, { systems: SYSTEMS, env: { RAISEDONORS_WEBHOOK_SECRET: SECRET, VIRTUOUS_WEBHOOK_SECRET: SECRET } });
  if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
  const store = new SqliteServiceStore(join(dir, "state.db"));
  const metrics = new Metrics();
  const progress: ServiceProgress[] = [];
  const service = new Service({ integrations: assembled.integrations, systems: SYSTEMS, connections: assembled.connections, store, metrics, progress: (p) => progress.push(p) });
  const server: ServiceServer = createServiceServer({ connections: assembled.webhooks, onEvent: (c, e, id) => service.onEvent(c, e, id), health: () => ({ ok: true, detail: {} }), metrics });
  const { url } = await server.listen(0, "127.0.0.1");
  const read = (connection: string): Records => JSON.parse(readFileSync(files[connection]!, "utf8")) as Records;
  return {
    service,
    store,
    progress,
    read,
    edit(connection, collection, key, fields) {
      const document = read(connection);
      Object.assign(document[collection]![key]!, fields);
      writeFileSync(files[connection]!, `${JSON.stringify(document, null, 2)}\n`);
    },
    async webhook(connection, event, id) {
      const body = JSON.stringify(event);
      const timestamp = Math.floor(Date.now() / 1000);
      const answer = await fetch(`${url}/webhooks/${connection}`, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signWebhook(SECRET, id, timestamp, body) },
        body,
      });
      return { status: answer.status, body: JSON.parse(await answer.text()) as unknown };
    },
    async close() {
      await service.stop();
      await server.close();
      for (const c of assembled.connections.values()) await c.connector.close();
      store.close();
    },
  };
}

/** The service's decisions on events, in order: "accepted", "duplicate", or "ignored: why". */
function decisions(progress: readonly ServiceProgress[]): string[] {
  return progress.flatMap((p) => (p.kind !== "event" ? [] : [typeof p.decision === "string" ? p.decision : "ignored" in p.decision ? `ignored: ${p.decision.ignored}` : `retry later: ${p.decision.retryLater}`]));
}

let files: FileWorld | undefined;
let world: World | undefined;
afterEach(async () => {
  await files?.close();
  await world?.close();
  files = undefined;
  world = undefined;
});

describe("connections with no writesAs (snapshot files)", () => {
  it("runs an admin's edit of a donor the engine wrote a minute ago, and the phone reaches Virtuous", async () => {
    files = await fileWorld();
    const [first] = await files.service.runAll();
    expect(first!.status).toBe("ok");
    // The engine wrote only crmKey to donor 1003; it holds that still.
    expect(files.read("raisedonors")["donors"]!["1003"]!["crmKey"]).toBe("rd-1003");
    files.progress.length = 0;

    files.edit("raisedonors", "donors", "1003", { phone: "+1 202 555 0177" });
    const answer = await files.webhook("raisedonors", { type: "donor.updated", actor: "admin", recordId: "1003" }, "msg_edit");
    expect(answer).toEqual({ status: 202, body: { status: "accepted" } });
    await files.service.idle();

    expect(decisions(files.progress)).toEqual(["accepted"]);
    expect(files.read("virtuous")["contacts"]!["rd-1003"]!["phone"]).toBe("+1 202 555 0177");
  });

  it("takes no event that names an actor for an echo: such a connection's engine writes carry none", async () => {
    files = await fileWorld();
    await files.service.runAll();
    files.progress.length = 0;
    // Donor 1003 is exactly as the engine left it; but "admin" is not the engine.
    await files.webhook("raisedonors", { type: "donor.updated", actor: "admin", recordId: "1003" }, "msg_admin");
    await files.service.idle();
    expect(decisions(files.progress)).toEqual(["accepted"]);
  });

  it("runs an event without an actor about a donor the engine wrote, once a field the spec reads has changed", async () => {
    files = await fileWorld({ anyActor: true });
    await files.service.runAll();
    files.progress.length = 0;
    files.edit("raisedonors", "donors", "1003", { phone: "+1 202 555 0178" });
    await files.webhook("raisedonors", { type: "donor.updated", recordId: "1003" }, "msg_edit");
    await files.service.idle();
    expect(decisions(files.progress)).toEqual(["accepted"]);
    expect(files.read("virtuous")["contacts"]!["rd-1003"]!["phone"]).toBe("+1 202 555 0178");
  });

  it("takes an event without an actor for the echo while the record is as the engine wrote it, in every field the spec reads", async () => {
    files = await fileWorld({ anyActor: true });
    await files.service.runAll();
    files.progress.length = 0;
    await files.webhook("raisedonors", { type: "donor.updated", recordId: "1003" }, "msg_echo");
    // isArchived is a field the spec never reads: its change is nothing to sync.
    files.edit("raisedonors", "donors", "1004", { isArchived: true });
    await files.webhook("raisedonors", { type: "donor.updated", recordId: "1004" }, "msg_unread");
    await files.service.idle();
    expect(decisions(files.progress)).toEqual([expect.stringMatching(/^ignored: .*1003.*echo/), expect.stringMatching(/^ignored: .*1004.*echo/)]);
  });
});

describe("connections with writesAs (HTTP)", () => {
  it("runs an edit by another client acting as the engine's actor, of a contact the engine updated a moment ago", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    // An admin's phone edit of donor 1001 makes the engine update contact c1's phone; the
    // contact's event about that write comes back as "api": an echo.
    await world.sandbox.change("raisedonors", "donors", "1001", { phone: "+1 202 555 0199" }, "admin");
    await world.service.idle();
    await world.sandbox.settled();
    await world.service.idle();
    expect(world.sandbox.document("virtuous")["contacts"]!["c1"]!["phone"]).toBe("+1 202 555 0199");
    world.progress.length = 0;

    // An import tool, also acting as "api", changes the first name of that contact, and
    // nothing else (it keeps the modified time as it was).
    const modified = world.sandbox.document("virtuous")["contacts"]!["c1"]!["modifiedDateTimeUtc"];
    const answer = await world.sandbox.change("virtuous", "contacts", "c1", { firstName: "Anna", modifiedDateTimeUtc: modified }, "api");
    expect(answer!.status).toBe(202);
    await world.service.idle();
    await world.sandbox.settled();
    await world.service.idle();

    expect(decisions(world.progress)[0]).toBe("accepted");
    expect(world.sandbox.document("raisedonors")["donors"]!["1001"]!["firstName"]).toBe("Anna");
  });

  it("runs an event by another actor about a record the engine just wrote, even when it is unchanged", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    world.progress.length = 0;
    const answer = await world.sandbox.emit("virtuous", { type: "contact.updated", actor: "admin", recordId: "rd-1003" });
    expect(answer.status).toBe(202);
    await world.service.idle();
    expect(decisions(world.progress)).toEqual(["accepted"]);
  });

  it("still ignores the engine's own write coming back, when the record holds what was written in every field the spec reads", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    world.progress.length = 0;
    // What the engine wrote to contact rd-1003 comes back as the engine's actor.
    // Answered once it is kept (202), as every event is; its run reads the record first, and
    // finds the echo: nothing runs.
    const reads = world.sandbox.stats("virtuous").reads("get") + world.sandbox.stats("virtuous").reads("query");
    const echo = await world.sandbox.emit("virtuous", { type: "contact.updated", actor: "api", recordId: "rd-1003" });
    expect(echo.status).toBe(202);
    await world.service.idle();
    expect(decisions(world.progress)).toEqual([expect.stringMatching(/^ignored: .*echo/)]);
    expect(world.progress.filter((p) => p.kind === "run")).toEqual([]);
    expect(world.sandbox.stats("virtuous").reads("get") + world.sandbox.stats("virtuous").reads("query")).toBe(reads + 1);
  });
});

describe("echoes in a burst", () => {
  it("reads the records of the events that may be echoes together: a request for the batch, not one a webhook", async () => {
    world = await contactSync({ server: true, connections: { raisedonors: { webhooks: true }, virtuous: { webhooks: true } } });
    await world.service.runAll();
    // An admin adds eight donors: the engine makes each one's contact.
    const sample = world.sandbox.document("raisedonors")["donors"]!["1001"]!;
    for (let i = 1; i <= 8; i++) await world.sandbox.change("raisedonors", "donors", `200${i}`, { ...sample, id: `200${i}`, email: `new${i}@example.org`, lastName: `New${i}` }, "admin");
    for (let i = 0; i < 3; i++) {
      await world.service.idle();
      await world.sandbox.settled();
    }
    await world.service.idle();
    const summaries = world.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    const written = [...new Set(summaries.flatMap((s) => s.outcomes.filter((o) => o.system === "virtuous" && o.collection === "contacts" && (o.action === "create" || o.action === "update")).map((o) => o.key!)))];
    expect(written.length).toBeGreaterThanOrEqual(8);
    world.progress.length = 0;
    const stats = world.sandbox.stats("virtuous");
    const before = stats.reads("get") + stats.reads("query") + stats.reads("list");
    // Each written contact's echo, as the engine's actor, all at once: the first starts a run,
    // the rest wait together for the next.
    const answers = await Promise.all(written.map((key, i) => world!.service.onEvent("virtuous", { system: "virtuous", type: "contact.updated", actor: "api", recordId: key }, `msg_burst_${i}`)));
    expect(answers.every((a) => a === "accepted")).toBe(true);
    await world.service.idle();
    expect(decisions(world.progress)).toEqual(written.map(() => expect.stringMatching(/^ignored: .*echo/)));
    expect(world.progress.filter((p) => p.kind === "run")).toEqual([]);
    // Two batches: the first event's (one GET), then the others' in one query.
    expect(stats.reads("get") + stats.reads("query") + stats.reads("list") - before).toBe(2);
    expect((await world.store.pendingEvents())).toEqual([]);
  });
});

describe("an event answered before the process stopped", () => {
  it("is kept with its id, and run by the next start", async () => {
    const stateFile = tempFile("state.db");
    // What onEvent does before it answers: the id and the event, in one transaction. The
    // process then stops before the event's run.
    const store = new SqliteServiceStore(stateFile);
    const event = { system: "raisedonors", type: "donor.updated", recordId: "1001", actor: "admin" };
    expect((await store.takeWebhook("raisedonors", "msg_before_crash", new Date().toISOString(), event, ["raisedonors-virtuous"]))).toHaveLength(1);
    expect((await store.takeWebhook("raisedonors", "msg_before_crash", new Date().toISOString(), event, ["raisedonors-virtuous"]))).toBeUndefined();
    store.close();

    world = await contactSync({ server: true, stateFile });
    await world.service.idle();
    const runs = world.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    expect(runs.map((r) => r.trigger)).toEqual(["raisedonors donor.updated 1001 by admin"]);
    expect((await world.store.pendingEvents())).toEqual([]);
  });
});
