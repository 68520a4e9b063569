// A compiled plan read back from its file: the fingerprints of the systems' definitions it
// records, and every way a plan file is refused, each with its place.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type Problem } from "../../src/diagnostics/problem.js";
import { renderProblem } from "../../src/diagnostics/render.js";
import { compileSpec } from "../../src/language/compile.js";
import { isPlanFile, readPlanFile, specOrPlan } from "../../src/language/plan-file.js";
import { loadSystems, readDefinition, systemFingerprint, type SystemCatalog, type SystemDefinition } from "../../src/language/systems/load.js";
import type { Plan } from "../../src/plan/types.js";
import { SourceFile } from "../../src/source/source-file.js";
import { ROOT, SEED_SPECS, SYSTEMS } from "../helpers.js";

const CRM_YAML = readFileSync(join(ROOT, "integrations/crm/system.yaml"), "utf8");

function definition(text: string, folder = "crm"): SystemDefinition {
  const read = readDefinition(new SourceFile(`integrations/${folder}/system.yaml`, text), folder);
  expect(read.diagnostics).toEqual([]);
  return read.definition!;
}

/** The systems of integrations/, with crm's definition read from `text`. */
function withCrm(text: string): SystemCatalog {
  return new Map([...SYSTEMS, ["crm", definition(text)]]);
}

/** Every object's keys in reverse order, all the way down. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
  return value;
}

const spec = SEED_SPECS.find((s) => s.name === "mobilecommons-crm")!;
const compiled = compileSpec(spec.text, spec.file, SYSTEMS).plan!;
const planText = `${JSON.stringify(compiled, null, 2)}\n`;

function problems(text: string, systems: SystemCatalog = SYSTEMS): Problem[] {
  const read = readPlanFile(text, "x.plan.json", systems);
  expect("problems" in read, "the plan file is refused").toBe(true);
  return (read as { problems: Problem[] }).problems;
}

function edited(change: (plan: Record<string, any>) => void): string {
  const plan = JSON.parse(planText) as Record<string, any>;
  change(plan);
  return JSON.stringify(plan, null, 2);
}

describe("a system definition's fingerprint", () => {
  it("is sha256 over what a plan relies on, the same on every load", () => {
    const crm = SYSTEMS.get("crm")!;
    expect(systemFingerprint(crm)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(systemFingerprint(loadSystems(join(ROOT, "integrations")).systems.get("crm")!)).toBe(systemFingerprint(crm));
    expect(compiled.fingerprints).toEqual({ crm: systemFingerprint(crm), mobilecommons: systemFingerprint(SYSTEMS.get("mobilecommons")!) });
  });

  it("does not change with key order, comments, layout or the title", () => {
    const crm = systemFingerprint(SYSTEMS.get("crm")!);
    // JSON is YAML: the same definition with every key in reverse order.
    expect(systemFingerprint(definition(JSON.stringify(reversed(parseYaml(CRM_YAML)), null, 1)))).toBe(crm);
    expect(systemFingerprint(definition(`# another comment\n${CRM_YAML.replace("title: CRM", "title: Our CRM")}`))).toBe(crm);
  });

  it("changes with a field, a key, an event or an actor", () => {
    const crm = systemFingerprint(SYSTEMS.get("crm")!);
    expect(systemFingerprint(definition(CRM_YAML.replace("mobile_opt_in: {type: boolean}", 'mobile_opt_in: {type: [boolean, "null"]}')))).not.toBe(crm);
    expect(systemFingerprint(definition(CRM_YAML.replace("email: {type: [string, \"null\"]}", "email: {type: [string, \"null\"]}\n        fax: {type: [string, \"null\"]}")))).not.toBe(crm);
    expect(systemFingerprint(definition(`${CRM_YAML}actors: [admin]\n`))).not.toBe(crm);
  });
});

describe("readPlanFile", () => {
  it("reads back what compile writes, for every seed spec", () => {
    for (const seed of SEED_SPECS) {
      const plan = compileSpec(seed.text, seed.file, SYSTEMS).plan!;
      expect(readPlanFile(`${JSON.stringify(plan, null, 2)}\n`, "p.json", SYSTEMS)).toEqual({ plan });
    }
  });

  it("refuses what is not JSON, at its line and column", () => {
    expect(problems('{\n  "syncspec": "plan",\n  "version": 1,\n}\n')).toEqual([{ code: "INP002", severity: "error", file: "x.plan.json", line: 4, column: 1, message: expect.stringMatching(/^not valid JSON/) }]);
    expect(problems("")[0]).toMatchObject({ line: 1, column: 1 });
  });

  it("refuses what is not a plan, or a plan of another version, saying to compile again", () => {
    expect(problems("[1, 2]").map(renderProblem)).toEqual(['x.plan.json:1:1: error PLN001 at the top: not a syncspec plan: a plan file is what `syncspec compile SPEC -o FILE` writes, a JSON object with "syncspec": "plan"']);
    expect(problems(edited((p) => (p["syncspec"] = "state")))[0]).toMatchObject({ pointer: "/syncspec", line: 2 });
    expect(problems(edited((p) => (p["version"] = 2)))).toEqual([
      { code: "PLN002", severity: "error", file: "x.plan.json", pointer: "/version", line: 3, column: 3, message: "this plan is version 2, compiled by a different syncspec (this one reads version 1); compile specs/mobilecommons-crm.sync again" },
    ]);
    expect(problems(edited((p) => delete p["fingerprints"]))[0]!.message).toBe(
      "this plan has no fingerprints of the system definitions it was compiled against: it was compiled by a different syncspec; compile specs/mobilecommons-crm.sync again",
    );
  });

  it("refuses what the schema refuses, at the JSON Pointer of the place, from the branch its op or kind names", () => {
    const found = problems(
      edited((p) => {
        p["links"][0]["matches"][0]["keys"][0]["left"]["op"] = "nope";
        p["links"][0]["extra"] = true;
        p["triggers"][0]["kind"] = "event";
        delete p["params"][0]["span"];
      }),
    );
    expect(found.map((f) => `${f.pointer}: ${f.message}`)).toEqual([
      '/params/0: "span" is missing',
      '/links/0/matches/0/keys/0/left/op: op "nope" is not one this syncspec knows',
      "/links/0/extra: is not part of a plan here",
      '/triggers/0: "system" is missing',
      '/triggers/0: "events" is missing',
      '/triggers/0: "actors" is missing',
      "/triggers/0/schedule: is not part of a plan here",
    ]);
    for (const f of found) expect(f.line, f.pointer).toBeGreaterThan(1);
    const text = edited((p) => (p["links"][0]["matches"][0]["keys"][0]["left"]["op"] = "nope"));
    const [problem] = problems(text);
    expect(text.split("\n")[problem!.line! - 1]).toContain('"op": "nope"');
  });

  it("refuses a plan over a system that is not defined", () => {
    const without = new Map([...SYSTEMS].filter(([name]) => name !== "crm"));
    const [problem] = problems(planText, without);
    expect(problem).toMatchObject({ pointer: "/systems/right" });
    expect(problem!.message).toMatch(/^there is no system "crm" in \S*integrations\/; the systems are altru, /);
  });

  it("refuses a plan whose system's definition changed since it was compiled, naming the system and the spec", () => {
    const changed = withCrm(CRM_YAML.replace("mobile_opt_in: {type: boolean}", 'mobile_opt_in: {type: [boolean, "null"]}'));
    expect(problems(planText, changed)).toEqual([
      {
        code: "PLN004",
        severity: "error",
        file: "x.plan.json",
        pointer: "/fingerprints/crm",
        line: 12,
        column: 5,
        message: "crm's definition (integrations/crm/system.yaml) changed since this plan was compiled; compile specs/mobilecommons-crm.sync again",
      },
    ]);
    // Unchanged in what a plan relies on: read.
    expect(readPlanFile(planText, "x.plan.json", withCrm(`# a comment\n${CRM_YAML}`))).toEqual({ plan: compiled });
  });

  it("refuses a plan edited to name a collection, a view or a link that is not there", () => {
    const found = problems(
      edited((p) => {
        p["links"][0]["left"]["source"]["collection"] = "nope";
        p["collections"]["crm"]["constituents"]["key"] = "uid";
      }),
    );
    expect(found.map((f) => `${f.pointer}: ${f.message}`)).toEqual([
      '/links/0/left/source/collection: mobilecommons has no collection "nope"',
      "/collections/crm/constituents/key: the key of crm.constituents is id, not uid",
    ]);
  });

  it("takes a literal's value as data, whatever its keys", () => {
    const text = edited((p) => {
      p["links"][0]["matches"][0]["keys"][0]["left"] = { op: "literal", value: { system: "nowhere", collection: "none", view: "v" } };
    });
    expect("plan" in readPlanFile(text, "x.plan.json", SYSTEMS)).toBe(true);
  });
});

describe("a spec or a plan", () => {
  it("is told apart by the file's name, else by its content", () => {
    expect(isPlanFile("specs/x.sync", planText)).toBe(false);
    expect(isPlanFile("x.json", "not json")).toBe(true);
    expect(isPlanFile("x.plan", planText)).toBe(true);
    expect(isPlanFile("x.plan", "sync a -> b\n")).toBe(false);
    expect(isPlanFile("x", '{"syncspec": "state"}')).toBe(false);
  });

  it("gives the same plan either way, named as the integration", () => {
    const fromSpec = specOrPlan("specs/mobilecommons-crm.sync", spec.text, spec.file, SYSTEMS);
    const fromPlan = specOrPlan("out/mc.json", planText, "out/mc.json", SYSTEMS);
    expect(fromSpec).toMatchObject({ kind: "spec", integration: "mobilecommons-crm", messages: [] });
    expect(fromPlan).toMatchObject({ kind: "plan", integration: "mobilecommons-crm", messages: [] });
    expect(fromPlan.plan).toEqual(fromSpec.plan as Plan);
    const broken = specOrPlan("out/mc.json", "{", "out/mc.json", SYSTEMS);
    expect(broken.plan).toBeUndefined();
    expect(broken.messages).toEqual(["out/mc.json:1:2: error INP002: not valid JSON: Expected property name or '}' in JSON"]);
  });
});
