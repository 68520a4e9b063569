// A worker thread that reads a large snapshot into shared memory, then counts its record keys
// (key-count.ts) while the main thread parses the same bytes. It answers through the shared
// header, so the main thread waits for it without becoming asynchronous:
//   [0] the bytes: 1 read, -1 could not be read;  [1] 1 once the counts are written;
//   [2] their length, after the 12-byte header.
import { closeSync, openSync, readSync } from "node:fs";
import { workerData } from "node:worker_threads";
import { countKeys } from "./key-count.js";

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
  new Uint8Array(reply, 12).set(text.subarray(0, reply.byteLength - 12));
  header[2] = text.length;
  signal(1, 1);
}
