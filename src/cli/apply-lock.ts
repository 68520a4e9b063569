// `apply` reads its snapshots and state, works out the changes, then writes each file back
// whole. Two applies over one file at once would each write back what they read plus their
// own changes, and the later rename would drop the other's. So apply holds a lock beside each
// file it may write (the service store's kind: FILE.lock holds the owner's process id, and one
// left by a process that is gone is taken over) from before it reads the files until it has
// written them. A lock another apply holds is waited for, a while. As a second guard, a file
// that changed anyway since it was locked (by a program that takes no lock) is not written over.
import { realpathSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { StateStoreError } from "../stores/service-store.js";
import { lockStore, type StoreLock } from "../stores/store-lock.js";

export interface ApplyLocks {
  /** INP006 for the first file written since its lock was taken, if any: writing it now would lose that. */
  changed(): Problem | undefined;
  release(): void;
}

export interface LockWait {
  /** How long to wait for a lock another process holds before giving up. */
  readonly waitMs: number;
  /** Told once, when a lock is found held, so a waiting apply does not look hung. */
  readonly waiting: (file: string, owner: string) => void;
}

/** An apply usually takes seconds; one over hundreds of megabytes, tens of seconds. */
export const APPLY_LOCK_WAIT_MS = 120_000;
const POLL_MS = 50;

/** Why apply cannot go on with a file (INP006, or SVC001 when no lock file can be made beside it). */
export interface LockRefusal {
  readonly refused: Problem;
}

/** Locks every file, or says why not (and holds none). */
export function lockForApply(files: readonly string[], wait: LockWait): ApplyLocks | LockRefusal {
  // One lock per file however it was named, taken in one order, so two applies that share
  // two files cannot each hold one and wait for the other.
  const named = new Map<string, string>();
  for (const file of files) {
    const path = canonical(file);
    if (!named.has(path)) named.set(path, file);
  }
  const paths = [...named.keys()].sort();
  const held: StoreLock[] = [];
  const releaseAll = (): void => {
    for (const lock of held.splice(0).reverse()) lock.release();
  };
  for (const path of paths) {
    const taken = takeLock(path, named.get(path)!, wait);
    if ("refused" in taken) {
      releaseAll();
      return taken;
    }
    held.push(taken);
  }
  // Taken after the locks are held and before the files are read: what is read is what this shows.
  const seen = new Map(paths.map((path) => [path, identity(path)]));
  return {
    changed: () => {
      const path = paths.find((p) => identity(p) !== seen.get(p));
      return path === undefined ? undefined : problem({ file: named.get(path)! }, message("INP006", "changed"));
    },
    release: releaseAll,
  };
}

function takeLock(path: string, file: string, wait: LockWait): StoreLock | LockRefusal {
  const giveUpAt = Date.now() + wait.waitMs;
  let told = false;
  for (;;) {
    try {
      return lockStore(path);
    } catch (error) {
      // SVC004: a live process holds it. Anything else (SVC001: no lock file can be made there) will not pass by waiting.
      if (!(error instanceof StateStoreError)) throw error;
      if (error.code !== "SVC004") return { refused: { ...error.problem, file } };
    }
    const owner = ownerOf(path);
    if (Date.now() >= giveUpAt) {
      return { refused: problem({ file }, message("INP006", "heldBy", { owner, seconds: Math.round(wait.waitMs / 1000) })) };
    }
    if (!told) wait.waiting(file, owner);
    told = true;
    sleep(POLL_MS);
  }
}

/** The lock's path for a file named any way (relative, through a link); the file itself may not exist yet (a new state file). */
function canonical(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    // Not there yet: its folder's real path, then its name.
  }
  try {
    return join(realpathSync(dirname(resolve(file))), basename(file));
  } catch {
    return resolve(file);
  }
}

/** What changes whenever the file is written: writes are renames, so a new inode each time. */
function identity(path: string): string {
  try {
    const s = statSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return "absent";
  }
}

function ownerOf(path: string): string {
  try {
    return readFileSync(`${path}.lock`, "utf8").trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/** apply runs synchronously from start to end, so it waits by blocking, which nothing else needs meanwhile. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
