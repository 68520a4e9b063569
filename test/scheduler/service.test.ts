// The service end to end over real parts: the sandbox's HTTP servers on loopback, the HTTP
// connectors, a SQLite file for the state, and the service's webhook server. What must hold:
// runs converge, a refused record is retried while the rest applies, a partial read deletes
// nothing, triggers that overlap a run are coalesced, webhooks run once, and echoes not at all.
import { afterEach, describe, expect, it } from "vitest";
import type { RunSummary } from "../../src/scheduler/run-integration.js";
import { contactSync, startWorld, type World } from "./support.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const appliedTotal = (summaries: readonly RunSummary[]): number =>
  summaries.reduce((n, s) => n + Object.values(s.applied).reduce((m, counts) => m + Object.values(counts).reduce((a, b) => a + b, 0), 0), 0);

describe("runs over HTTP", () => {
  it("applies a first run record by record, and a second run finds nothing to do", async () => {
    world = await contactSync();
    const [first] = await world.service.runAll();
    expect(first!.status).toBe("ok");
    expect(first!.applied).toEqual({ raisedonors: { update: 3 }, virtuous: { create: 4 } });
    const contacts = world.sandbox.document("virtuous")["contacts"]!;
    expect(contacts["rd-1003"]).toMatchObject({ id: "rd-1003", referenceSource: expect.any(String) });
    expect(world.sandbox.document("raisedonors")["donors"]!["1003"]!["crmKey"]).toBe("rd-1003");

    const second = await world.service.runAll();
    expect(second[0]!.status).toBe("ok");
    expect(appliedTotal(second)).toBe(0);
    expect((await world.store.runs()).map((r) => r.status)).toEqual(["ok", "ok"]);
  });

  it("rides out a storm of 429s with Retry-After and still applies everything", async () => {
    world = await contactSync();
    world.sandbox.faults("virtuous").rateLimit(4, 0);
    const [run] = await world.service.runAll();
    expect(run!.status).toBe("ok");
    expect(world.sandbox.stats("virtuous").statuses.get(429)).toBe(4);
    expect(Object.keys(world.sandbox.document("virtuous")["contacts"]!)).toContain("rd-1004");
  });
});

describe("a record the target refuses", () => {
  it("is kept with its reason and retried by the next run, while the rest applies; its synced values do not advance", async () => {
    world = await contactSync();
    world.sandbox.faults("virtuous").rejectKey("contacts", "rd-1003", "email: is not a valid address");
    const [first] = await world.service.runAll();
    expect(first!.status).toBe("partial");
    expect(first!.failures.map((f) => [f.system, f.write.collection, f.write.key, f.status])).toEqual([["virtuous", "contacts", "rd-1003", 422]]);
    expect(first!.failures[0]!.reason).toContain("email: is not a valid address");
    const contacts = world.sandbox.document("virtuous")["contacts"]!;
    expect(Object.keys(contacts)).toContain("rd-1004");
    expect(Object.keys(contacts)).not.toContain("rd-1003");
    expect((await world.store.failures()).map((f) => [f.key, f.status, f.attempts])).toEqual([["rd-1003", 422, 1]]);
    // The donor's write-back waits for its contact: it would name a contact that is not there.
    expect(first!.applied["raisedonors"]).toEqual({ update: 2 });
    expect(world.sandbox.document("raisedonors")["donors"]!["1003"]!["crmKey"] ?? null).toBeNull();
    expect(first!.message).toBe("1 record refused, and 1 paired with it left to wait; the next run tries again");
    // The pair of the refused record is not in the state; the others are.
    const link = [...(await world.store.loadState("raisedonors-virtuous")).synced.values()][0]!;
    expect(link.has("1004")).toBe(true);
    expect(link.has("1003")).toBe(false);
    expect((await world.store.loadState("raisedonors-virtuous")).lastRun).toBeNull();

    const [second] = await world.service.runAll();
    expect(second!.status).toBe("partial");
    expect((await world.store.failures()).map((f) => [f.key, f.attempts])).toEqual([["rd-1003", 2]]);

    world.sandbox.faults("virtuous").clear();
    const [third] = await world.service.runAll();
    expect(third!.status).toBe("ok");
    expect(third!.applied).toEqual({ virtuous: { create: 1 }, raisedonors: { update: 1 } });
    expect(world.sandbox.document("raisedonors")["donors"]!["1003"]!["crmKey"]).toBe("rd-1003");
    expect((await world.store.failures())).toEqual([]);
    expect(world.sandbox.stats("virtuous").createsOf("contacts", "rd-1003")).toBe(1);
    expect(appliedTotal(await world.service.runAll())).toBe(0);
  });
});

describe("a read that fails part-way", () => {
  it("makes an incomplete run: no deletes, no removals, the state kept; the next whole read finishes the job", async () => {
    world = await startWorld({
      integrations: { "volunteerhub-altru": { spec: "volunteerhub-altru" } },
      connections: { volunteerhub: { pageSize: 1 }, altru: {} },
    });
    // Only the rule that makes timesheets reads events: the rules that delete still run.
    world.sandbox.faults("volunteerhub").failPage("events", 2, "500");
    const [run] = await world.service.runAll();
    expect(run!.status).toBe("incomplete");
    expect(run!.message).toContain("volunteerhub.events");
    const altru = world.sandbox.document("altru");
    // What the sample's run deletes is still there; what it creates from whole reads was made.
    expect(Object.keys(altru["timesheets"]!)).toContain("vh-reg-r2");
    expect(Object.keys(altru["relationships"]!)).toContain("vh-u-ann-g-old");
    expect(run!.applied["altru"]?.["delete"] ?? 0).toBe(0);
    expect(Object.keys(altru["constituents"]!)).toContain("vh-u-bo");
    expect((await world.store.loadState("volunteerhub-altru")).lastRun).toBeNull();
    expect((await world.store.runs())[0]!.status).toBe("incomplete");

    world.sandbox.faults("volunteerhub").clear();
    const [healed] = await world.service.runAll();
    expect(healed!.status).toBe("ok");
    expect(Object.keys(world.sandbox.document("altru")["timesheets"]!)).not.toContain("vh-reg-r2");
    expect((await world.store.loadState("volunteerhub-altru")).lastRun).not.toBeNull();
  });
});

describe("triggers", () => {
  it("never runs an integration twice at once; triggers that arrive during a run make one more run, none lost", async () => {
    world = await contactSync();
    world.sandbox.faults("virtuous").delay(20);
    const first = world.service.runAll();
    // While the first run reads, five events and a manual run arrive.
    for (let i = 0; i < 5; i++) world.service.onEvent("raisedonors", { system: "raisedonors", type: "donor.updated", actor: "admin", recordId: "1001" }, `evt-${i}`);
    const second = world.service.runAll();
    await Promise.all([first, second]);
    await world.service.idle();
    const runs = (await world.store.runs()).reverse();
    expect(runs).toHaveLength(2);
    expect(runs[1]!.trigger).toBe("full run");
    expect(runs[0]!.finishedAt! <= runs[1]!.startedAt).toBe(true);
  });
});

describe("scheduled runs", () => {
  it("write only in their trigger's directions; a full run then does the rest", async () => {
    world = await startWorld({ integrations: { "mobilecommons-crm": { spec: "mobilecommons-crm" } }, connections: { mobilecommons: {}, crm: {} } });
    world.service.enqueue("mobilecommons-crm", { kind: "schedule", at: "2026-11-22T12:05:00Z", label: "every 5 minutes", directions: [{ from: "mobilecommons", to: "crm" }] });
    await world.service.idle();
    const [scheduled] = world.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    expect(scheduled!.trigger).toBe("every 5 minutes");
    expect(scheduled!.applied["crm"]).toEqual({ create: 1, update: 2 });
    // crm -> mobilecommons waits for its own (nightly) trigger: the profile for c6 is not made.
    expect(Object.keys(world.sandbox.document("mobilecommons")["profiles"]!)).not.toContain("crm-c6");
    // Not every direction ran, so this is not the last successful run that "since" counts from.
    expect((await world.store.loadState("mobilecommons-crm")).lastRun).toBeNull();

    const [full] = await world.service.runAll();
    expect(full!.status).toBe("ok");
    expect(Object.keys(world.sandbox.document("mobilecommons")["profiles"]!)).toContain("crm-c6");
    expect((await world.store.loadState("mobilecommons-crm")).lastRun).not.toBeNull();
  });
});

describe("incremental runs", () => {
  it("a scheduled run after the first reads what changed since, a reconciliation reads everything", async () => {
    world = await startWorld({ integrations: { "volunteerhub-altru": { spec: "volunteerhub-altru" } }, connections: { volunteerhub: {}, altru: {} } });
    const [first] = await world.service.runAll();
    expect(first!.status).toBe("ok");
    expect(first!.reads).toBeUndefined();
    const vh = world.sandbox.stats("volunteerhub");
    vh.reset();
    // One volunteer changes their last name in VolunteerHub.
    const [uid, user] = Object.entries(world.sandbox.document("volunteerhub")["users"]!)[0]!;
    await world.sandbox.change("volunteerhub", "users", uid, { LastName: "Okafor-Lee", LastUpdate: new Date(Date.now() + 1000).toISOString() });
    world.service.enqueue("volunteerhub-altru", { kind: "schedule", at: new Date().toISOString(), label: "every hour", directions: [{ from: "volunteerhub", to: "altru" }] });
    await world.service.idle();
    const runs = () => world!.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    const hourly = runs().at(-1)!;
    expect(hourly).toMatchObject({ trigger: "every hour", status: "ok" });
    expect(hourly.reads!.requests).toBeGreaterThan(0);
    // VolunteerHub's users and registrations are asked what changed, never listed whole (a
    // small collection looked up by key may be, where one page costs less than a GET per key).
    expect(hourly.reads!.whole).not.toContain("volunteerhub.users");
    expect(hourly.reads!.whole).not.toContain("volunteerhub.registrations");
    expect(vh.reads("modified")).toBeGreaterThan(0);
    const constituent = Object.values(world.sandbox.document("altru")["constituents"]!).find((c) => c["volunteerhub_uid"] === user["UserUid"]);
    expect(constituent?.["last_name"]).toBe("Okafor-Lee");

    vh.reset();
    world.service.enqueue("volunteerhub-altru", { kind: "schedule", at: new Date().toISOString(), label: "reconciliation nightly at 03:00", directions: [{ from: "volunteerhub", to: "altru" }], full: true });
    await world.service.idle();
    const nightly = runs().at(-1)!;
    expect(nightly).toMatchObject({ trigger: "reconciliation nightly at 03:00", status: "ok" });
    expect(nightly.reads).toBeUndefined();
    expect(vh.reads("list")).toBeGreaterThan(0);
  });
});

describe("webhooks", () => {
  it("a person's edit runs the event's sync once; the engine's own write coming back is an echo; a replay runs nothing", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    world.progress.length = 0;

    const answer = await world.sandbox.change("raisedonors", "donors", "1001", { phone: "+1 202 555 0199" }, "admin");
    expect(answer!.status).toBe(202);
    await world.service.idle();
    await world.sandbox.settled();
    await world.service.idle();

    const contact = Object.values(world.sandbox.document("virtuous")["contacts"]!).find((c) => c["referenceId"] === "1001" || c["id"] === world!.sandbox.document("raisedonors")["donors"]!["1001"]!["crmKey"]);
    expect(contact?.["phone"]).toBe("+1 202 555 0199");
    const events = world.progress.flatMap((p) => (p.kind === "event" ? [p] : []));
    expect(events.map((e) => [e.connection, e.event.type, typeof e.decision === "string" ? e.decision : "ignored"])).toEqual([
      ["raisedonors", "donor.updated", "accepted"],
      ["virtuous", "contact.updated", "ignored"],
    ]);
    expect((events[1]!.decision as { ignored: string }).ignored).toContain("echo");
    const runs = world.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    expect(runs.map((r) => r.trigger)).toEqual(["raisedonors donor.updated 1001 by admin"]);

    // The same delivery again is a replay: accepted by HTTP, run never.
    const replay = await world.sandbox.emit("raisedonors", { type: "donor.updated", actor: "admin", recordId: "1001" }, { id: answer!.id });
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toEqual({ status: "duplicate" });
    await world.service.idle();
    expect((await world.store.runs())).toHaveLength(2);
    expect(world.metrics.render()).toMatch(/syncspec_webhooks_total\{connection="raisedonors",result="duplicate"\} 1/);
  });

  it("an event's run reads the records it reaches, not the collections: the donor by key, its contact by referenceId", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    world.progress.length = 0;
    for (const system of ["raisedonors", "virtuous"]) world.sandbox.stats(system).reset();

    const answer = await world.sandbox.change("raisedonors", "donors", "1001", { phone: "+1 202 555 0177" }, "admin");
    expect(answer!.status).toBe(202);
    await world.service.idle();
    const [run] = world.progress.flatMap((p) => (p.kind === "run" ? [p.summary] : []));
    expect(run).toMatchObject({ trigger: "raisedonors donor.updated 1001 by admin", status: "ok", reads: { requests: 2, rounds: 2, whole: [] } });
    expect(run!.applied).toEqual({ virtuous: { update: 1 } });
    // No page of a whole list: one GET of the donor, one query page of contacts.
    const rd = world.sandbox.stats("raisedonors");
    const v = world.sandbox.stats("virtuous");
    expect([rd.reads("list"), rd.reads("get"), rd.reads("query")]).toEqual([0, 1, 0]);
    expect([v.reads("list"), v.reads("query")]).toEqual([0, 1]);
    const contact = Object.values(world.sandbox.document("virtuous")["contacts"]!).find((c) => c["referenceId"] === "1001");
    expect(contact?.["phone"]).toBe("+1 202 555 0177");
    expect((await world.store.runs()).find((r) => r.id === run!.runId)!.counts["read_requests"]).toBe(2);
  });

  it("a change by another API client right after the engine's write is no echo: it syncs", async () => {
    world = await contactSync({ server: true });
    await world.service.runAll();
    await world.sandbox.settled();
    await world.service.idle();
    world.progress.length = 0;
    // The engine made contact rd-1003 moments ago; an import tool, acting as "api" too, edits it.
    const answer = await world.sandbox.change("virtuous", "contacts", "rd-1003", { phone: "+1 202 555 0142" }, "api");
    expect(answer!.status).toBe(202);
    await world.service.idle();
    await world.sandbox.settled();
    await world.service.idle();
    expect(world.sandbox.document("raisedonors")["donors"]!["1003"]!["phone"]).toBe("+1 202 555 0142");
    const first = world.progress.find((p) => p.kind === "event");
    expect(first && first.kind === "event" && first.decision).toBe("accepted");
  });

  it("takes no event while stopping: a 503 the system sends again, its id not kept", async () => {
    world = await contactSync({ server: true });
    await world.service.stop();
    const answer = await world.sandbox.emit("raisedonors", { type: "donor.updated", actor: "admin", recordId: "1001" }, { id: "msg_late" });
    expect(answer.status).toBe(503);
    expect((await world.store.rememberWebhook("raisedonors", "msg_late", new Date().toISOString()))).toBe(true);
  });

  it("refuses a forged or stale delivery with 401, and starts nothing", async () => {
    world = await contactSync({ server: true });
    const stale = await world.sandbox.emit("raisedonors", { type: "donor.updated", actor: "admin", recordId: "1001" }, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(401);
    const forged = await fetch(`${world.serverUrl}/webhooks/raisedonors`, {
      method: "POST",
      headers: { "content-type": "application/json", "webhook-id": "msg_x", "webhook-timestamp": String(Math.floor(Date.now() / 1000)), "webhook-signature": "v1,AAAA" },
      body: JSON.stringify({ type: "donor.updated", actor: "admin", recordId: "1001" }),
    });
    expect(forged.status).toBe(401);
    await world.service.idle();
    expect((await world.store.runs())).toEqual([]);
  });
});
