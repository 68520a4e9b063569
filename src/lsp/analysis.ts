// A spec as an editor holds it: compiled against the systems of the nearest integrations/
// folder above it, with the checker's index of what each place refers to. The systems are
// read once per folder and again only when a system.yaml changes (its size or time), so an
// edit costs a compile of the spec alone.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { checkParsed, parseSpec, type Compiled } from "../language/compile.js";
import { reparse, type Parsed } from "../language/incremental-parse.js";
import { loadSystems, type LoadedSystems } from "../language/systems/load.js";
import { findIntegrations } from "../source/files.js";

export interface Analysis {
  readonly compiled: Compiled;
  /** The parse alone (its tree and the parse's own diagnostics): what the next edit starts from. */
  readonly parsed: Parsed;
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

  /**
   * Compiles a spec. Given its previous analysis, only the statements an edit touched are
   * parsed again (incremental-parse.ts); the checker then runs over the whole spec, as check does.
   */
  analyze(path: string, text: string, previous?: Analysis): Analysis {
    const systems = this.systemsFor(path);
    const parsed = (previous && reparse(previous.parsed, text, path)) || parseSpec(text, path);
    return { compiled: checkParsed(parsed, path, systems.systems), parsed, systems };
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
