// A worker thread that reads a large JSON snapshot into shared memory, then outlines it
// (snapshot-outline.ts) and posts the outline in batches as it goes, so that the main thread
// parses the first records while this one finds the next. The main thread takes the batches
// with receiveMessageOnPort, without becoming asynchronous, and waits on `signal`, which
// counts the messages posted.
import { closeSync, openSync, readSync } from "node:fs";
import { workerData, type MessagePort } from "node:worker_threads";
import { OutlineBatches, outlineSnapshot, type OutlineMessage } from "./snapshot-outline.js";

const { file, bytes, port, signal } = workerData as { file: string; bytes: SharedArrayBuffer; port: MessagePort; signal: SharedArrayBuffer };
const view = new Uint8Array(bytes);
const posted = new Int32Array(signal);

function post(message: OutlineMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(posted, 0, 1);
  Atomics.notify(posted, 0);
}

/** Reads the file into shared memory: false when it cannot be read, or is no longer the size it was. */
function readWhole(): boolean {
  try {
    const fd = openSync(file, "r");
    try {
      for (let read = 0; read < view.length; ) {
        const n = readSync(fd, view, read, view.length - read, read);
        if (n === 0) return false;
        read += n;
      }
      // A file that grew since its size was taken would be read cut short.
      return readSync(fd, new Uint8Array(1), 0, 1, view.length) === 0;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

const batches = new OutlineBatches(post);
try {
  // A file that changed under the worker is read again, whole, by the main thread.
  if (!readWhole()) batches.finish("unreadable");
  else batches.finish(outlineSnapshot(view, batches) ? "outlined" : "unusual");
} catch {
  // Whatever went wrong here, the main thread reads the file the general way.
  batches.finish("unusual");
} finally {
  port.close();
}
