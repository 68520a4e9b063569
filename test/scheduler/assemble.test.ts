// From a deployment to a service's parts: every problem found on the way has its code and its
// place in the deployment file (file, line, JSON Pointer), and all of them are reported at once.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { assemble, type AssemblyProblems } from "../../src/scheduler/assemble.js";
import { parseDeployment } from "../../src/scheduler/deployment.js";
import { ROOT, SYSTEMS } from "../helpers.js";

const CONNECTIONS = [
  "connections:",
  "  raisedonors:",
  "    url: https://api.raisedonors.com/v1",
  "    token: {env: RD_TOKEN}",
  "  virtuous:",
  "    url: https://api.virtuoussoftware.com/api",
  "    token: {env: VIRTUOUS_TOKEN}",
];
const ENV = { RD_TOKEN: "rd", VIRTUOUS_TOKEN: "v" };

/** The problems of assembling a deployment written in specs/ (so that its specs resolve), shown relative to the root. */
function problemsOf(lines: readonly string[], env: Record<string, string> = ENV, file = join(ROOT, "specs", "test.deploy.yaml")): AssemblyProblems {
  const deployment = parseDeployment(`${lines.join("\n")}\n`, file);
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
  const assembled = assemble(deployment, { systems: SYSTEMS, env, show: (p) => relative(ROOT, p) });
  if (!("problems" in assembled)) {
    for (const c of assembled.connections.values()) void c.connector.close();
    throw new Error("expected problems");
  }
  return assembled;
}

describe("assembling a deployment", () => {
  it("places a name that does not resolve at its line in the deployment file (DEP003)", () => {
    const { problems, report } = problemsOf([
      ...CONNECTIONS,
      "  rd2: {system: raisedonors, url: https://api.raisedonors.com/v1, token: {env: RD_TOKEN}}",
      "integrations:",
      "  a:",
      "    spec: raisedonors-virtuous.sync",
      "    connections: {virtuous: rd2}",
    ]);
    expect(problems).toEqual([
      {
        code: "DEP003",
        severity: "error",
        file: "specs/test.deploy.yaml",
        line: 12,
        column: 19,
        pointer: "/integrations/a/connections/virtuous",
        message: 'the connection "rd2" is to raisedonors, not virtuous',
      },
    ]);
    expect(report).toEqual(['specs/test.deploy.yaml:12:19: error DEP003 at /integrations/a/connections/virtuous: the connection "rd2" is to raisedonors, not virtuous']);
  });

  it("names a connection the deployment does not define (DEP003)", () => {
    const { report } = problemsOf([CONNECTIONS[0]!, ...CONNECTIONS.slice(1, 4), "integrations:", "  a: {spec: raisedonors-virtuous.sync}"]);
    expect(report).toEqual([
      'specs/test.deploy.yaml:6:3: error DEP003 at /integrations/a: a reaches virtuous through the connection "virtuous", which the deployment does not define; add it under connections, or name another with connections: {virtuous: NAME}',
    ]);
  });

  it("names the variable of a credential that is not set or malformed, never a value (DEP004), and a connection without a token (DEP001)", () => {
    const { problems, report } = problemsOf(
      [
        "connections:",
        "  raisedonors:",
        "    url: https://api.raisedonors.com/v1",
        "    token: {env: RD_TOKEN}",
        "    webhookSecret: {env: RD_SECRET}",
        "  virtuous:",
        "    url: https://api.virtuoussoftware.com/api",
        "integrations:",
        "  a: {spec: raisedonors-virtuous.sync}",
      ],
      { RD_SECRET: "not-a-secret" },
    );
    expect(problems.map((p) => [p.code, p.pointer, p.line])).toEqual([
      ["DEP004", "/connections/raisedonors/webhookSecret", 5],
      ["DEP004", "/connections/raisedonors/token", 4],
      ["DEP001", "/connections/virtuous", 6],
    ]);
    expect(report[1]).toBe("specs/test.deploy.yaml:4:5: error DEP004 at /connections/raisedonors/token: the token of raisedonors comes from the environment variable RD_TOKEN, which is not set");
    expect(report.join("\n")).not.toContain("not-a-secret");
  });

  it("a spec that cannot be read is INP001 at its name in the deployment", () => {
    const { problems } = problemsOf([...CONNECTIONS, "integrations:", "  a: {spec: nowhere.sync}"]);
    expect(problems).toEqual([
      { code: "INP001", severity: "error", file: "specs/test.deploy.yaml", line: 9, column: 7, pointer: "/integrations/a/spec", message: "specs/nowhere.sync cannot be read" },
    ]);
  });

  it("a spec that does not compile is DEP005, followed by the spec's own diagnostics", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-assemble-"));
    writeFileSync(join(dir, "broken.sync"), "sync raisedonors <-> nosuch\n");
    const { problems, report } = problemsOf([...CONNECTIONS, "integrations:", "  broken:", "    spec: broken.sync"], ENV, join(dir, "deploy.yaml"));
    expect(problems.map((p) => [p.code, p.pointer, p.line])).toEqual([["DEP005", "/integrations/broken/spec", 10]]);
    expect(report[0]).toMatch(/deploy\.yaml:10:5: error DEP005 at \/integrations\/broken\/spec: broken cannot run: \S*broken\.sync does not compile \(1 error below\)$/);
    expect(report.slice(1).join("\n")).toMatch(/broken\.sync:1:\d+: error NAM001: /);
  });

  it("keeps a param's code (PAR) and message, placed at the integration's params", () => {
    const { problems, report } = problemsOf([...CONNECTIONS, "integrations:", "  a:", "    spec: raisedonors-virtuous.sync", "    params: {nope: 1}"]);
    expect(problems.map((p) => [p.code, p.file, p.pointer, p.line])).toEqual([["PAR001", "specs/test.deploy.yaml", "/integrations/a/params", 11]]);
    expect(report[0]).toMatch(/^specs\/test\.deploy\.yaml:11:5: error PAR001 at \/integrations\/a\/params: raisedonors-virtuous has no param "nope"/);
  });
});
