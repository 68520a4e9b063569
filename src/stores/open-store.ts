// Opens the store a deployment names: its SQLite file, held by this process alone (the lock
// file), or a schema in a PostgreSQL database, which any number of processes share.
import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { dropPostgresStore, PostgresServiceStore } from "./postgres-store.js";
import type { ClusterStore, ServiceStore } from "./service-store.js";
import { SqliteServiceStore } from "./sqlite-store.js";
import { lockStore } from "./store-lock.js";

/** Where a store is: a SQLite file, or a PostgreSQL URL (without its ?schema=) and the schema there. */
export type StoreLocation = { readonly file: string } | { readonly postgres: string; readonly schema: string };

export interface OpenedStore {
  readonly store: ServiceStore;
  /** The same store as a cluster's (its triggers and queue), when opened with `cluster`. */
  readonly cluster?: ClusterStore;
  /** Closes the store and gives up what this process held of it (a SQLite file's lock). */
  close(): Promise<void>;
}

/**
 * Opens the store; `exclusive` takes a SQLite file's lock first, for a service that writes it
 * (`syncspec runs` only reads); `cluster` starts a PostgreSQL store's queue, for `serve` and
 * `worker`. Every failure is a StateStoreError that names the store. SYNCSPEC_LEASE_SECONDS
 * sets a run's lease on PostgreSQL (30 s by default): how soon a dead worker's run is taken over.
 */
export async function openStore(location: StoreLocation, options: { exclusive: boolean; cluster?: boolean; env?: Readonly<Record<string, string | undefined>> }): Promise<OpenedStore> {
  if ("postgres" in location) {
    const lease = Number(options.env?.["SYNCSPEC_LEASE_SECONDS"] ?? "");
    const store = await PostgresServiceStore.open(location.postgres, {
      schema: location.schema,
      ...(Number.isFinite(lease) && lease > 0 ? { leaseSeconds: lease } : {}),
      ...(options.cluster ? { queue: {} } : {}),
    });
    return { store, ...(options.cluster ? { cluster: store } : {}), close: () => store.close() };
  }
  if (options.exclusive) mkdirSync(dirname(location.file), { recursive: true });
  const lock = options.exclusive ? lockStore(location.file) : undefined;
  try {
    const store = new SqliteServiceStore(location.file);
    return {
      store,
      close: async () => {
        await store.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Empties a store, as the sandbox's, which starts from its sample data every time: the file removed, the schema dropped. */
export async function resetStore(location: StoreLocation): Promise<void> {
  if ("postgres" in location) return dropPostgresStore(location.postgres, location.schema);
  for (const suffix of ["", "-wal", "-shm", "-journal"]) rmSync(`${location.file}${suffix}`, { force: true });
}

/** The store as a person may see it named: the file, or the URL without a password and the schema. */
export function describeStore(location: StoreLocation, show: (file: string) => string = (file) => file): string {
  if ("file" in location) return show(location.file);
  const url = new URL(location.postgres);
  if (url.password) url.password = "***";
  return `${url.toString()} (schema ${location.schema})`;
}
