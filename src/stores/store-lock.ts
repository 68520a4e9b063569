// One service per state file: a second `syncspec run` on the same file would mark the first
// one's runs interrupted and race it for the state. A lock file beside the store holds the
// owner's process id; one left by a process that is gone is taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from "node:fs";
import { message } from "../diagnostics/catalog.js";
import { StateStoreError } from "./service-store.js";

export interface StoreLock {
  release(): void;
}

export function lockStore(file: string): StoreLock {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(lock, { force: true }) };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw new StateStoreError(file, message("SVC001", "lockFile", { lock, reason: (error as Error).message }));
      const owner = Number(readOwner(lock));
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new StateStoreError(file, message("SVC004", "heldBy", { owner }));
      }
      // Its owner is gone (killed, or the machine restarted): the lock is stale.
      rmSync(lock, { force: true });
    }
  }
  throw new StateStoreError(file, message("SVC004", "lockTaken", { lock }));
}

function readOwner(lock: string): string {
  try {
    return readFileSync(lock, "utf8").trim();
  } catch {
    return "";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}
