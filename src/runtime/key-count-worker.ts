// A worker thread that reads a large snapshot into shared memory, then counts its record keys
// (key-count.ts) while the main thread parses the same bytes. It answers through the shared
// reply (laid out at REPLY_COUNTS_AT), so the main thread waits for it without becoming asynchronous.
import { closeSync, openSync, readSync } from "node:fs";
import { workerData } from "node:worker_threads";
import { countKeys, REPLY_COUNTS_AT } from "./key-count.js";

const { file, bytes, reply } = workerData as { file: string; bytes: SharedArrayBuffer; reply: SharedArrayBuffer };
const header = new Int32Array(reply, 0, 3);
const view = new Uint8Array(bytes);

function signal(slot: number, value: number): void {
  Atomics.store(header, slot, value);
  Atomics.notify(header, slot);
}

function readWhole(): boolean {
  try {
    const fd = openSync(file, "r");
    try {
      for (let read = 0; read < view.length; ) {
        const n = readSync(fd, view, read, view.length - read, read);
        // A file that shrank since its size was taken is not read as it was.
        if (n === 0) return false;
        read += n;
      }
      return true;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

if (!readWhole()) signal(0, -1);
else {
  signal(0, 1);
  const result = countKeys(view);
  const text = new TextEncoder().encode(JSON.stringify({ counts: [...result.counts], repeatedCollection: result.repeatedCollection ?? null }));
  new Uint8Array(reply, REPLY_COUNTS_AT).set(text.subarray(0, reply.byteLength - REPLY_COUNTS_AT));
  header[2] = text.length;
  signal(1, 1);
}
