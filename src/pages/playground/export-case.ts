// The playground's case as a spec test (grammar/tests.md): the snapshots, params and time
// the author tried, and the patches the run gave, for `syncspec test` to hold from then on.
import { parse as parseYamlDocument, stringify } from "yaml";
import type { Analysis, PlaygroundInput } from "./analyze.js";
import { serializeState } from "../../state/state.js";

export function exportCase(input: PlaygroundInput, analysis: Analysis, name: string): string {
  const systems = analysis.systems;
  if (!systems || !analysis.run) throw new Error("a case is exported from a run: fix the spec and the snapshots first");
  const snapshots: Record<string, unknown> = {};
  for (const system of [systems.left, systems.right]) snapshots[system] = JSON.parse(JSON.stringify(readDocument(input.snapshots[system] ?? "{}")));
  const params: Record<string, string> = {};
  for (const line of input.params.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0 && !line.trim().startsWith("#")) params[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  const spec = input.specName.replace(/^.*\//, "");
  const file = {
    spec,
    cases: [
      {
        name,
        now: input.now,
        ...(Object.keys(params).length > 0 ? { params } : {}),
        // The state of the runs applied before, as `apply` writes it.
        ...(input.state && analysis.plan ? { state: JSON.parse(serializeState(analysis.plan.integration, input.state)) as unknown } : {}),
        snapshots,
        runs: [{ expect: { patches: Object.fromEntries([systems.left, systems.right].map((s) => [s, analysis.run!.patches[s] ?? []])) } }],
      },
    ],
  };
  const header = `# Exported from the syncspec playground: a case for specs/${spec.replace(/\.sync$/, "")}.test.yaml (grammar/tests.md).\n`;
  return header + stringify(file, { lineWidth: 0 });
}

/** A snapshot's text as data: JSON, or YAML (a superset of it). */
function readDocument(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parseYamlDocument(text);
  }
}
