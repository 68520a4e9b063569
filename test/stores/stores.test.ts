// The store contract (store-contract.ts) against each store: the embedded SQLite file, and
// PostgreSQL (the server SYNCSPEC_TEST_DATABASE_URL names, or one started for the tests).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe } from "vitest";
import type { ServiceStore } from "../../src/stores/service-store.js";
import { PostgresServiceStore } from "../../src/stores/postgres-store.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { dropSchemas, lapseLeases, testDatabaseUrl, testSchema } from "./postgres-server.js";
import { storeContract } from "./store-contract.js";

const opened: ServiceStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

describe("the SQLite store", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "syncspec-store-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  storeContract(
    async () => {
      const store = new SqliteServiceStore(join(dir, "state.db"));
      opened.push(store);
      return store;
    },
    async () => undefined,
  );
});

describe("the PostgreSQL store", () => {
  let schema: string;
  const schemas: string[] = [];
  beforeEach(() => {
    schemas.push((schema = testSchema()));
  });
  afterAll(async () => dropSchemas(await testDatabaseUrl(), schemas));
  storeContract(
    async () => {
      const store = await PostgresServiceStore.open(await testDatabaseUrl(), { schema });
      opened.push(store);
      return store;
    },
    async () => lapseLeases(await testDatabaseUrl(), schema),
  );
});
