// The in-process queue, driven step by step: each run is held open by a deferred promise
// until the test finishes it, so every interleaving is chosen, never timed.
import { describe, expect, it } from "vitest";
import { InProcessQueue, type Job, type Trigger } from "../../src/scheduler/queue.js";
import { OrganizationBusy, type RunLimit } from "../../src/stores/service-store.js";

interface Call {
  readonly integration: string;
  readonly triggers: Trigger[];
  finish(): void;
  fail(error: unknown): void;
}

/** The calls a test has taken in hand with next(). */
const taken = new Set<Call>();

/** A handler whose runs wait for the test, and what it saw: calls, and runs at once. */
function harness() {
  const calls: Call[] = [];
  const waiting: ((call: Call) => void)[] = [];
  const active = new Map<string, number>();
  let activeNow = 0;
  let mostAtOnce = 0;
  let mostOfOneAtOnce = 0;
  const handler = (integration: string, triggers: Trigger[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      active.set(integration, (active.get(integration) ?? 0) + 1);
      activeNow++;
      mostAtOnce = Math.max(mostAtOnce, activeNow);
      mostOfOneAtOnce = Math.max(mostOfOneAtOnce, active.get(integration)!);
      const done = () => {
        active.set(integration, active.get(integration)! - 1);
        activeNow--;
      };
      const call: Call = { integration, triggers, finish: () => (done(), resolve()), fail: (error) => (done(), reject(error)) };
      calls.push(call);
      waiting.shift()?.(call);
    });
  return {
    handler,
    calls,
    /** The next run to start (already started, or the one that starts next). */
    next(): Promise<Call> {
      const started = calls.filter((c) => !taken.has(c));
      if (started.length > 0) {
        taken.add(started[0]!);
        return Promise.resolve(started[0]!);
      }
      return new Promise((resolve) => waiting.push((call) => (taken.add(call), resolve(call))));
    },
    get mostAtOnce() {
      return mostAtOnce;
    },
    get mostOfOneAtOnce() {
      return mostOfOneAtOnce;
    },
  };
}
const schedule = (label: string, at: string): Trigger => ({ kind: "schedule", at, label, directions: [{ from: "crm", to: "vomo" }] });
const event = (recordId: string, connection = "crm"): Trigger => ({ kind: "event", connection, event: { system: "crm", type: "person.updated", recordId } });
const manual: Trigger = { kind: "manual" };

/** Lets the queue's promise callbacks run (a handler starts on the next microtask). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("InProcessQueue", () => {
  it("coalesces the triggers that arrive during a run into one following run", async () => {
    const h = harness();
    const queue = new InProcessQueue();
    queue.start(h.handler);
    queue.push({ integration: "donors", trigger: schedule("every 10 minutes", "2025-03-01T00:00:00Z") });
    const first = await h.next();

    queue.push({ integration: "donors", trigger: schedule("every 10 minutes", "2025-03-01T00:10:00Z") });
    queue.push({ integration: "donors", trigger: manual });
    queue.push({ integration: "donors", trigger: schedule("every 10 minutes", "2025-03-01T00:20:00Z") });
    queue.push({ integration: "donors", trigger: event("7") });
    queue.push({ integration: "donors", trigger: manual });
    queue.push({ integration: "donors", trigger: event("7") });
    queue.push({ integration: "donors", trigger: event("8") });
    queue.push({ integration: "donors", trigger: schedule("nightly at 02:00", "2025-03-01T02:00:00Z") });
    await settle();
    expect(h.calls).toHaveLength(1);

    first.finish();
    const second = await h.next();
    expect(second.triggers).toEqual([schedule("every 10 minutes", "2025-03-01T00:10:00Z"), manual, event("7"), event("8"), schedule("nightly at 02:00", "2025-03-01T02:00:00Z")]);
    second.finish();
    await queue.idle();
    expect(h.calls).toHaveLength(2);
  });

  it("never runs one integration twice at once, and loses no event", async () => {
    const h = harness();
    const queue = new InProcessQueue({ concurrency: 3 });
    queue.start(h.handler);
    const sent = new Set<string>();
    // Rounds of events for two integrations, each round pushed while the last one runs.
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) {
        for (const integration of ["donors", "volunteers"]) {
          const id = `${round}-${i}`;
          sent.add(`${integration}:${id}`);
          queue.push({ integration, trigger: event(id) });
        }
      }
      const running = await Promise.all([h.next(), h.next()]);
      for (const call of running) call.finish();
    }
    for (;;) {
      await settle();
      const open = h.calls.filter((c) => !taken.has(c));
      if (open.length === 0) break;
      for (const call of open) (taken.add(call), call.finish());
    }
    await queue.idle();
    const received = h.calls.flatMap((c) => c.triggers.map((t) => `${c.integration}:${t.kind === "event" ? t.event.recordId : t.kind}`));
    expect(new Set(received)).toEqual(sent);
    expect(received).toHaveLength(sent.size);
    expect(h.mostOfOneAtOnce).toBe(1);
  });

  it("runs up to `concurrency` integrations at once, 2 by default, first come first served", async () => {
    const h = harness();
    const queue = new InProcessQueue();
    for (const integration of ["a", "b", "c", "d"]) queue.push({ integration, trigger: manual });
    queue.start(h.handler);
    const [a, b] = [await h.next(), await h.next()];
    await settle();
    expect([a.integration, b.integration, h.calls.length]).toEqual(["a", "b", 2]);

    queue.push({ integration: "a", trigger: manual }); // waits behind c and d
    b.finish();
    const c = await h.next();
    expect(c.integration).toBe("c");
    a.finish();
    const d = await h.next();
    expect(d.integration).toBe("d");
    c.finish();
    const again = await h.next();
    expect(again.integration).toBe("a");
    d.finish();
    again.finish();
    await queue.idle();
    expect(h.mostAtOnce).toBe(2);
  });

  it("reports a handler that throws or rejects, and goes on", async () => {
    const errors: [string, unknown, readonly Trigger[]][] = [];
    const queue = new InProcessQueue({ onError: (integration, error, triggers) => errors.push([integration, error, triggers]) });
    const ran: string[] = [];
    queue.start(async (integration) => {
      ran.push(integration);
      if (integration === "throws") throw new Error("reading failed: crm answered 500");
      if (integration === "throws-at-once") throw "not even an Error";
    });
    // A handler that throws before returning a promise at all.
    const syncThrow = new InProcessQueue({ onError: (integration, error) => errors.push([integration, error, []]) });
    syncThrow.start(((integration: string) => {
      throw new Error(`${integration} broke at once`);
    }) as never);
    syncThrow.push({ integration: "sync", trigger: manual });

    queue.push({ integration: "throws", trigger: manual });
    queue.push({ integration: "throws-at-once", trigger: manual });
    queue.push({ integration: "fine", trigger: manual });
    await queue.idle();
    queue.push({ integration: "throws", trigger: event("1") });
    await queue.idle();
    await syncThrow.idle();

    expect(ran).toEqual(["throws", "throws-at-once", "fine", "throws"]);
    expect(errors.map(([integration, error]) => [integration, error instanceof Error ? error.message : error])).toEqual([
      ["sync", "sync broke at once"],
      ["throws", "reading failed: crm answered 500"],
      ["throws-at-once", "not even an Error"],
      ["throws", "reading failed: crm answered 500"],
    ]);
    expect(errors[3]![2]).toEqual([event("1")]);
  });

  it("waits for work pushed before start, and idles when it is done", async () => {
    const h = harness();
    const queue = new InProcessQueue();
    await queue.idle(); // nothing queued yet
    queue.push({ integration: "donors", trigger: manual });
    let idle = false;
    const idled = queue.idle().then(() => (idle = true));
    await settle();
    expect(idle).toBe(false);
    queue.start(h.handler);
    (await h.next()).finish();
    await idled;
    expect(idle).toBe(true);
  });

  it("stops after the runs under way, returns what never started, and refuses new work", async () => {
    const h = harness();
    const queue = new InProcessQueue({ concurrency: 1 });
    queue.start(h.handler);
    queue.push({ integration: "donors", trigger: manual });
    const running = await h.next();
    queue.push({ integration: "donors", trigger: event("9") });
    queue.push({ integration: "volunteers", trigger: schedule("nightly", "2025-03-01T02:00:00Z") });

    let stopped: Job[] | undefined;
    const stopping = queue.stop().then((left) => (stopped = left));
    await settle();
    expect(stopped).toBeUndefined(); // the run under way is waited for
    expect(queue.push({ integration: "donors", trigger: manual })).toBe(false);
    running.finish();
    await stopping;
    expect(stopped).toEqual([
      { integration: "donors", trigger: event("9") },
      { integration: "volunteers", trigger: schedule("nightly", "2025-03-01T02:00:00Z") },
    ]);
    expect(h.calls).toHaveLength(1);
    await queue.idle();
  });

  it("gives a run maxBatch triggers at the most, the oldest first, and the rest to the runs after it, behind other integrations", async () => {
    const h = harness();
    const queue = new InProcessQueue({ concurrency: 1, maxBatch: 3 });
    for (const id of ["1", "2", "3", "4", "5", "6", "7"]) queue.push({ integration: "donors", trigger: event(id) });
    queue.push({ integration: "volunteers", trigger: manual });
    queue.start(h.handler);
    const first = await h.next();
    expect(first.triggers).toEqual([event("1"), event("2"), event("3")]);
    // An event that comes during the run queues behind those that waited, once.
    queue.push({ integration: "donors", trigger: event("8") });
    queue.push({ integration: "donors", trigger: event("4") });
    first.finish();
    const second = await h.next();
    expect(second.integration).toBe("volunteers");
    second.finish();
    const third = await h.next();
    expect(third.triggers).toEqual([event("4"), event("5"), event("6")]);
    third.finish();
    const fourth = await h.next();
    expect(fourth.triggers).toEqual([event("7"), event("8")]);
    fourth.finish();
    await queue.idle();
    expect(h.calls).toHaveLength(4);
    expect(h.mostOfOneAtOnce).toBe(1);
    expect(() => new InProcessQueue({ maxBatch: 0 })).toThrow("maxBatch must be a whole number of 1 or more, not 0");
  });

  it("runs at most an organization's maxRuns of its integrations at once, and another organization's meanwhile", async () => {
    const h = harness();
    // hope-house's storm: five integrations with work; river-fund's one comes after all of them.
    const limits = new Map<string, RunLimit>([
      ...["a", "b", "c", "d", "e"].map((n) => [`hope/${n}`, { organization: "hope", maxRuns: 2 }] as const),
      ["river/donors", { organization: "river", maxRuns: 2 }],
    ]);
    const queue = new InProcessQueue({ concurrency: 4, limitOf: (name) => limits.get(name) });
    for (const n of ["a", "b", "c", "d", "e"]) queue.push({ integration: `hope/${n}`, trigger: manual });
    queue.push({ integration: "river/donors", trigger: manual });
    queue.push({ integration: "plain", trigger: manual }); // outside organizations: no limit but the queue's
    queue.start(h.handler);
    const first = [await h.next(), await h.next(), await h.next(), await h.next()];
    await settle();
    // Two of hope's, then river's and the plain one past hope's waiting three; the fourth slot stays free of hope's.
    expect(first.map((c) => c.integration)).toEqual(["hope/a", "hope/b", "river/donors", "plain"]);
    first[2]!.finish();
    first[3]!.finish();
    await settle();
    expect(h.calls).toHaveLength(4);
    first[0]!.finish();
    const next = await h.next();
    expect(next.integration).toBe("hope/c");
    await settle();
    expect(h.calls).toHaveLength(5);
    for (const call of [first[1]!, next]) call.finish();
    const rest = [await h.next(), await h.next()];
    expect(rest.map((c) => c.integration)).toEqual(["hope/d", "hope/e"]);
    for (const call of rest) call.finish();
    await queue.idle();
  });

  it("holds an integration whose run the store refused for its organization's limit, and runs its triggers after a wait, first", async () => {
    const h = harness();
    const errors: unknown[] = [];
    const limit: RunLimit = { organization: "hope", maxRuns: 1 };
    const queue = new InProcessQueue({ limitOf: () => limit, busyRetryMs: 5, onError: (_, e) => errors.push(e) });
    queue.push({ integration: "hope/a", trigger: event("1") });
    queue.start(h.handler);
    const refused = await h.next();
    queue.push({ integration: "hope/a", trigger: event("2") });
    refused.fail(new OrganizationBusy(limit));
    const again = await h.next();
    // The refused run's trigger first, then the one that came meanwhile; no error reported.
    expect(again.triggers).toEqual([event("1"), event("2")]);
    again.finish();
    await queue.idle();
    expect(errors).toEqual([]);
    expect(h.calls).toHaveLength(2);
  });

  it("puts a refused run's event back with the stored numbers of both its deliveries, and returns it from stop()", async () => {
    const h = harness();
    const limit: RunLimit = { organization: "hope", maxRuns: 1 };
    const queue = new InProcessQueue({ limitOf: () => limit, busyRetryMs: 60_000 });
    const delivered = (stored: number): Trigger => ({ kind: "event", connection: "crm", event: { system: "crm", type: "person.updated", recordId: "1" }, stored: [stored], maybeEcho: true });
    queue.push({ integration: "hope/a", trigger: delivered(1) });
    queue.start(h.handler);
    const refused = await h.next();
    queue.push({ integration: "hope/a", trigger: { ...event("1"), stored: [2] } }); // the same event again, by another actor's delivery
    refused.fail(new OrganizationBusy(limit));
    await settle();
    const left = await queue.stop();
    // One event, both deliveries' numbers, and an echo only if both might be.
    expect(left).toEqual([{ integration: "hope/a", trigger: { ...event("1"), stored: [1, 2] } }]);
  });
});
