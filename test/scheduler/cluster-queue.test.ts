// The cluster's queue on a real PostgreSQL: two workers' queues take the runs of two
// organizations, one of them in a storm across five integrations. Its runs never exceed its
// maxRuns at once across both workers, the other organization's run is made while the storm
// still waits, and every integration runs once: a job put off for its organization's limit
// records no run.
import { afterAll, afterEach, expect, it } from "vitest";
import { ClusterQueue } from "../../src/scheduler/cluster-queue.js";
import type { Trigger } from "../../src/scheduler/queue.js";
import type { LoadedIntegration } from "../../src/scheduler/run-integration.js";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import type { RunLimit } from "../../src/stores/service-store.js";
import { dropSchemas, testDatabaseUrl, testRows, testSchema } from "../stores/postgres-server.js";

const schemas: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});
afterAll(async () => dropSchemas(await testDatabaseUrl(), schemas));

it("keeps an organization's storm to its maxRuns across workers, and runs another organization's meanwhile", { timeout: 60_000 }, async () => {
  const url = await testDatabaseUrl();
  const schema = testSchema();
  schemas.push(schema);
  const stores = [await PostgresServiceStore.open(url, { schema, queue: {} }), await PostgresServiceStore.open(url, { schema, queue: {} })];
  for (const store of stores) closers.push(() => store.close());

  const hope: RunLimit = { organization: "hope", maxRuns: 2 };
  const river: RunLimit = { organization: "river", maxRuns: 2 };
  // Only what the queue reads of an integration: its name, its schedules and its limit.
  const integrations = [...["a", "b", "c", "d", "e"].map((n) => ({ name: `hope/${n}`, limit: hope })), { name: "river/donors", limit: river }].map((i) => ({ ...i, schedules: [] }) as unknown as LoadedIntegration);
  const limitOf = new Map(integrations.map((i) => [i.name, i.limit!]));

  const under = new Map<string, number>();
  let mostOfHope = 0;
  const ended: string[] = [];
  const handlerOf = (store: PostgresServiceStore) => async (name: string, triggers: Trigger[]) => {
    // As a service's run does: the lease with the organization's limit, the work, the end.
    const runId = await store.startRun(name, "manual", new Date().toISOString(), limitOf.get(name));
    const organization = limitOf.get(name)!.organization;
    under.set(organization, (under.get(organization) ?? 0) + 1);
    if (organization === "hope") mostOfHope = Math.max(mostOfHope, under.get("hope")!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    under.set(organization, under.get(organization)! - 1);
    await store.finishRun(runId, { status: "ok", at: new Date().toISOString(), counts: {}, failures: [], cleared: [], taken: triggers.flatMap((t) => t.stored ?? []) });
    ended.push(name);
  };

  // The storm is kept first, so its jobs are ahead of river's in the queue.
  for (const i of integrations) await stores[0]!.keepTrigger(i.name, { kind: "manual" }, new Date().toISOString());
  const queues = stores.map((store) => new ClusterQueue(store, integrations, { runs: true, concurrency: 3, pollMs: 50, busyRetrySeconds: 1 }));
  queues.forEach((queue, i) => queue.start(handlerOf(stores[i]!)));
  closers.push(async () => Promise.all(queues.map((q) => q.stop())));

  await expect.poll(() => ended.length, { timeout: 30_000, interval: 100 }).toBe(6);
  expect(mostOfHope).toBe(2);
  // River's run ended before the storm's last three could start (two at a time, 300 ms each).
  expect(ended.indexOf("river/donors")).toBeLessThan(3);
  // Each integration ran once: a job put off records no run, and no trigger waits.
  const runs = await testRows<{ integration: string; n: string }>(`SELECT integration, count(*) AS n FROM "${schema}".runs GROUP BY integration ORDER BY integration`);
  expect(runs).toEqual(integrations.map((i) => ({ integration: i.name, n: "1" })).sort((x, y) => x.integration.localeCompare(y.integration)));
  expect(await testRows(`SELECT * FROM "${schema}".pending_events`)).toEqual([]);
});
