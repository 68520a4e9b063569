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

  it("reads a credential from a secret file, and names the file, never a value, when it cannot", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-assemble-"));
    writeFileSync(join(dir, "rd-token"), "s3cret-rd-token\n");
    writeFileSync(join(dir, "empty"), "\n");
    const { problems, report } = problemsOf(
      [
        "connections:",
        "  raisedonors:",
        "    url: https://api.raisedonors.com/v1",
        `    token: {file: ${join(dir, "rd-token")}}`,
        `    webhookSecret: {file: ${join(dir, "empty")}}`,
        "  virtuous:",
        "    url: https://api.virtuoussoftware.com/api",
        `    token: {file: ${join(dir, "nowhere")}}`,
        "integrations:",
        "  a: {spec: raisedonors-virtuous.sync}",
      ],
      {},
    );
    expect(problems.map((p) => [p.code, p.pointer, p.line])).toEqual([
      ["DEP004", "/connections/raisedonors/webhookSecret", 5],
      ["DEP004", "/connections/virtuous/token", 8],
    ]);
    expect(report).toEqual([
      `specs/test.deploy.yaml:5:5: error DEP004 at /connections/raisedonors/webhookSecret: the webhook secret of raisedonors comes from the file ${join(dir, "empty")}, which is empty`,
      `specs/test.deploy.yaml:8:5: error DEP004 at /connections/virtuous/token: the token of virtuous comes from the file ${join(dir, "nowhere")}, which cannot be read: there is no such file`,
    ]);
  });

  it("gives each organization its integrations through its own connections, each spec compiled once, each with its organization's limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-assemble-"));
    writeFileSync(join(dir, "river-rd"), "river-token\n");
    const spec = join(ROOT, "specs", "raisedonors-virtuous.sync");
    const deployment = parseDeployment(
      [
        "maxRunsPerOrganization: 1",
        "integrations:",
        `  donors: {spec: ${spec}}`,
        "organizations:",
        "  hope-house:",
        "    maxRuns: 2",
        "    connections:",
        "      raisedonors: {url: https://api.raisedonors.com/v1, token: {env: HOPE_RD}}",
        "      virtuous: {url: https://api.virtuoussoftware.com/api, token: {env: HOPE_V}}",
        "  river-fund:",
        "    connections:",
        `      raisedonors: {url: https://api.raisedonors.com/v1, token: {file: ${join(dir, "river-rd")}}}`,
        "      virtuous: {url: https://api.virtuoussoftware.com/api, token: {env: RIVER_V}}",
        "",
      ].join("\n"),
      join(dir, "deploy.yaml"),
    );
    if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
    const assembled = assemble(deployment, { systems: SYSTEMS, env: { HOPE_RD: "hope-rd-token", HOPE_V: "hope-v-token", RIVER_V: "river-v-token" } });
    if ("problems" in assembled) throw new Error(assembled.report.join("\n"));
    try {
      expect(assembled.integrations.map((i) => [i.name, Object.fromEntries(i.connections), i.limit])).toEqual([
        ["hope-house/donors", { raisedonors: "hope-house/raisedonors", virtuous: "hope-house/virtuous" }, { organization: "hope-house", maxRuns: 2 }],
        ["river-fund/donors", { raisedonors: "river-fund/raisedonors", virtuous: "river-fund/virtuous" }, { organization: "river-fund", maxRuns: 1 }],
      ]);
      // One plan for the spec, however many organizations run it.
      expect(assembled.integrations[0]!.plan).toBe(assembled.integrations[1]!.plan);
      expect([...assembled.connections.keys()].sort()).toEqual(["hope-house/raisedonors", "hope-house/virtuous", "river-fund/raisedonors", "river-fund/virtuous"]);
      // Every organization's credentials, the secret file's among them, are kept out of what is printed.
      expect(assembled.redact("hope-rd-token river-token river-v-token")).toBe("[redacted] [redacted] [redacted]");
    } finally {
      for (const c of assembled.connections.values()) void c.connector.close();
    }
  });

  it("places a problem of an organization's integration in the organization's own file, and a spec's diagnostics once however many organizations run it", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-assemble-"));
    writeFileSync(join(dir, "broken.sync"), "sync raisedonors <-> nosuch\n");
    writeFileSync(join(dir, "hope.yaml"), "connections:\n  raisedonors: {url: https://api.raisedonors.com/v1, token: {env: HOPE_RD}}\nintegrations:\n  broken: {spec: broken.sync}\n");
    writeFileSync(join(dir, "river.yaml"), "connections:\n  raisedonors: {url: https://api.raisedonors.com/v1, token: {env: RIVER_RD}}\nintegrations:\n  broken: {spec: broken.sync}\n");
    const deployment = parseDeployment("organizations:\n  hope-house: hope.yaml\n  river-fund: river.yaml\n", join(dir, "deploy.yaml"));
    if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems));
    const assembled = assemble(deployment, { systems: SYSTEMS, env: { HOPE_RD: "a-token", RIVER_RD: "b-token" } });
    if (!("problems" in assembled)) throw new Error("expected problems");
    expect(assembled.problems.map((p) => [p.code, p.file, p.pointer, p.line])).toEqual([
      ["DEP005", join(dir, "hope.yaml"), "/integrations/broken/spec", 4],
      ["DEP005", join(dir, "river.yaml"), "/integrations/broken/spec", 4],
    ]);
    expect(assembled.report.filter((line) => /error NAM001/.test(line))).toHaveLength(1);
  });
});
