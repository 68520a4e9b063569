// A spec as an editor holds it: compiled against the systems of the nearest integrations/
// folder above it, with the checker's index of what each place refers to. The systems are
// read once per folder and again only when a system.yaml changes (its size or time), so an
// edit costs a compile of the spec alone.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { compileSpec, type Compiled } from "../language/compile.js";
import { loadSystems, type LoadedSystems } from "../language/systems/load.js";
import { findIntegrations } from "../source/files.js";

export interface Analysis {
  readonly compiled: Compiled;
  readonly systems: LoadedSystems;
}

interface CachedSystems {
  readonly stamp: string;
  readonly loaded: LoadedSystems;
}

export class Workspace {
  private readonly systems = new Map<string, CachedSystems>();

  /** The systems for a spec at this path: the nearest integrations/ above it, else syncspec's own. */
  systemsFor(path: string): LoadedSystems {
    const root = findIntegrations(path);
    const stamp = stampOf(root);
    const cached = this.systems.get(root);
    if (cached && cached.stamp === stamp) return cached.loaded;
    const loaded = loadSystems(root);
    this.systems.set(root, { stamp, loaded });
    return loaded;
  }

  analyze(path: string, text: string): Analysis {
    const systems = this.systemsFor(path);
    return { compiled: compileSpec(text, path, systems.systems), systems };
  }
}

/** The sizes and times of every system.yaml and connector.yaml under the folder: what a change to a definition changes. */
function stampOf(root: string): string {
  const parts: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(root).sort();
  } catch {
    return "";
  }
  for (const name of names) {
    for (const file of ["system.yaml", "connector.yaml"]) {
      try {
        const stat = statSync(join(root, name, file));
        parts.push(`${name}/${file}:${stat.size}:${stat.mtimeMs}`);
      } catch {
        // Not there: a folder without definitions.
      }
    }
  }
  return parts.join("|");
}
