// A worker thread that counts a snapshot's record keys (key-count.ts) while the main thread
// parses the same bytes; it answers through shared memory, so the main thread can wait for
// it without becoming asynchronous.
import { workerData } from "node:worker_threads";
import { countKeys } from "./key-count.js";

const { bytes, reply } = workerData as { bytes: SharedArrayBuffer; reply: SharedArrayBuffer };
const header = new Int32Array(reply, 0, 2);
const result = countKeys(new Uint8Array(bytes));
const text = new TextEncoder().encode(JSON.stringify({ counts: [...result.counts], repeatedCollection: result.repeatedCollection ?? null }));
new Uint8Array(reply, 8).set(text.subarray(0, reply.byteLength - 8));
header[1] = text.length;
Atomics.store(header, 0, 1);
Atomics.notify(header, 0);
