// What the pages' bundles get for the Node modules the compiler and the engine import. Those
// modules read files, start threads and write states: work the CLI and the service do around
// a run, never the run itself, and never in a page. Each stands here as a function that says
// so if it were ever called. The one the page does need is sha256, for the fingerprint a plan
// records of its systems: @noble/hashes gives the same digest as node:crypto.
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";

function notInThePage(name: string): () => never {
  return () => {
    throw new Error(`${name} is not available in the page`);
  };
}

export function createHash(algorithm: string): { update(text: string): { digest(encoding: "hex"): string } } {
  if (algorithm !== "sha256") throw new Error(`the page hashes with sha256 only, not ${algorithm}`);
  return { update: (text) => ({ digest: () => bytesToHex(sha256(utf8ToBytes(text))) }) };
}

// node:fs
export const existsSync = (): boolean => false;
export const readFileSync = notInThePage("readFileSync");
export const readdirSync = notInThePage("readdirSync");
export const statSync = notInThePage("statSync");
export const writeFileSync = notInThePage("writeFileSync");
export const renameSync = notInThePage("renameSync");
export const rmSync = notInThePage("rmSync");
export const openSync = notInThePage("openSync");
export const readSync = notInThePage("readSync");
export const closeSync = notInThePage("closeSync");
// node:path (only for files' names)
export const join = (...parts: string[]): string => parts.join("/");
export const dirname = (path: string): string => path.replace(/\/[^/]*$/, "") || ".";
export const basename = (path: string): string => path.replace(/^.*\//, "");
export const resolve = join;
export const relative = (_from: string, to: string): string => to;
export const isAbsolute = (path: string): boolean => path.startsWith("/");
// node:url
export const fileURLToPath = (url: string | URL): string => String(url);
// node:buffer: a page reads text, never bytes from a file.
export const isUtf8 = (): boolean => true;
export const constants = { MAX_STRING_LENGTH: 2 ** 29 - 24 };
// node:worker_threads
export const Worker = notInThePage("Worker");
export const MessageChannel = notInThePage("MessageChannel");
export const receiveMessageOnPort = notInThePage("receiveMessageOnPort");
export const parentPort = null;
export const workerData = undefined;
