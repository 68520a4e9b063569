// What `plan` and `apply` run: a spec (compiled here) or a plan compiled from one (`syncspec
// compile SPEC -o FILE`, read back and checked against the systems' definitions). The choice
// and the reading are language/plan-file.ts's, shared with `run`'s deployments
// (scheduler/assemble.ts); this adds the command line's file reading and path display.
import { readFileSync } from "node:fs";
import { specOrPlan, type LoadedPlan } from "../language/plan-file.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { displayPath, MissingPath } from "../source/files.js";

export type { LoadedPlan } from "../language/plan-file.js";

/**
 * The plan of a spec file or of a plan file, in place of `compileSpec`: `plan` is absent when
 * there is an error; `report` is what to print on stderr (a spec's diagnostics, warnings
 * included, or a plan file's problems), `messages` the same one by one. `text` is the file's
 * text when the caller has read it already. A missing file is a usage error, as for a spec.
 */
export function loadIntegrationPlan(path: string, systems: SystemCatalog, text?: string): LoadedPlan {
  let content = text;
  if (content === undefined) {
    try {
      content = readFileSync(path, "utf8");
    } catch {
      throw new MissingPath(`${path}: no such file`);
    }
  }
  return specOrPlan(path, content, displayPath(path), systems);
}
