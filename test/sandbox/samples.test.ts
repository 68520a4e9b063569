// The data the sandbox serves: every sample is a valid snapshot of its system, and the
// Momentum sample made for Virtuous (sample-virtuous.json) links to the Virtuous sample's
// contacts and groups, so momentum-virtuous does real work over it within its safety limit.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sampleDocument } from "../../src/sandbox/sandbox.js";
import { outcomeKeys, run } from "../engine/support.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { sample } from "../connectors/support.js";

describe("sample data", () => {
  const files = [...SYSTEMS.values()].flatMap((system) =>
    readdirSync(join(ROOT, "integrations", system.name))
      .filter((f) => /^sample.*\.json$/.test(f))
      .map((f) => ({ system: system.name, file: join(ROOT, "integrations", system.name, f) })),
  );

  it.each(files)("$file is a valid $system snapshot", ({ system, file }) => {
    expect(() => sampleDocument(SYSTEMS.get(system)!, file)).not.toThrow();
  });

  it("gives momentum-virtuous a create, updates and a removal within the safety limit", () => {
    const result = run("momentum-virtuous", { momentum: sample("momentum", "sample-virtuous.json"), virtuous: sample("virtuous") });
    expect(result.failure).toBeUndefined();
    expect(outcomeKeys(result, "create")).toEqual(["momentum.portfolios f5-crm-assignments"]);
    expect(outcomeKeys(result, "update")).toEqual(["momentum.portfolios f1-crm-assignments", "momentum.portfolios f3-crm-assignments"]);
    expect(result.patches["momentum"]).toContainEqual({ op: "remove", path: "/portfolios/f3-crm-assignments/donor_ids/1" });
    expect(result.patches["virtuous"]).toEqual([]);
  });
});
