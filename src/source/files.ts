// Finding what a command works on: spec files under the paths given, and the system
// definitions (the nearest integrations/ above the specs, else syncspec's own).
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";

export class UsageError extends Error {}

/** A path given on the command line that is not there: its message is all a person needs, without the command's usage. */
export class MissingPath extends UsageError {}

/**
 * The files under each path that end with `suffix` (a folder is searched, hidden folders and
 * node_modules left out), sorted, each once. A file named on its own is taken as it is, after
 * `named` has had its say (it may point at another file, or refuse with a UsageError).
 */
export function findFiles(paths: readonly string[], suffix: string, named: (path: string) => string = (path) => path): string[] {
  const found = new Set<string>();
  const visit = (path: string, explicit: boolean): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new MissingPath(`${path}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        const child = join(path, entry);
        if (entry.endsWith(suffix) || statSync(child).isDirectory()) visit(child, false);
      }
    } else if (explicit) {
      found.add(named(path));
    } else if (path.endsWith(suffix)) {
      found.add(path);
    }
  };
  for (const path of paths) visit(path, true);
  return [...found].sort();
}

/** The .sync files under each path (a file or a folder), sorted, each once. */
export function findSpecs(paths: readonly string[]): string[] {
  return findFiles(paths, ".sync");
}

/** syncspec's own folder, for its system definitions: the nearest package.json above this module, from source or from the bundle. */
export const PACKAGE_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The integrations/ folder nearest above `start`, else the one shipped with syncspec. */
export function findIntegrations(start: string, given?: string): string {
  if (given) {
    if (!existsSync(given)) throw new MissingPath(`${given}: no such folder`);
    return given;
  }
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, "integrations");
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(PACKAGE_ROOT, "integrations");
}

/** A path as a person reads it: relative to the working folder when that is shorter. */
export function displayPath(path: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && rel.length < path.length ? rel : path;
}
