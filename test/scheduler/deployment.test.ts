// Deployment files: what a correct one gives, and that every mistake names the file, the line
// and the place, with credentials refused when they are written into the file.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderProblem } from "../../src/diagnostics/render.js";
import { readSecret } from "../../src/scheduler/secrets.js";
import { loadDeployment, parseDeployment, storeLocation } from "../../src/scheduler/deployment.js";

const problems = (text: string): string[] => {
  const parsed = parseDeployment(text, "deploy.yaml");
  return "problems" in parsed ? parsed.problems.map(renderProblem) : [];
};

describe("deployment files", () => {
  it("reads the sandbox deployment: connections, routes, params, paths resolved beside the file", () => {
    const d = loadDeployment("specs/sandbox.deploy.yaml");
    if ("problems" in d) throw new Error(d.problems.map(renderProblem).join("\n"));
    expect([...d.integrations.keys()]).toHaveLength(7);
    expect(d.integrations.get("momentum-virtuous")!.connections.get("momentum")).toBe("momentum-virtuous");
    expect(d.connections.get("momentum-virtuous")!.system).toBe("momentum");
    expect(d.connections.get("raisedonors")!.token).toEqual({ env: "RAISEDONORS_TOKEN" });
    expect(d.integrations.get("vomo-virtuous")!.spec).toMatch(/specs[\\/]vomo-virtuous\.sync$/);
    expect(d.state).toEqual({ file: expect.stringMatching(/\.syncspec[\\/]state\.db$/) });
    // The sandbox's state is kept apart: it starts empty each time, and the real one must not.
    expect(storeLocation(d, true, {})).toEqual({ file: expect.stringMatching(/\.syncspec[\\/]state\.sandbox\.db$/) });
    expect(storeLocation(d, false, {})).toEqual(d.state);
  });

  it("keeps params as the command line gives them", () => {
    const d = parseDeployment("connections: {}\nintegrations:\n  a:\n    spec: a.sync\n    params: {removals: keep, primary_types: [Primary], limit: 5}\n", "deploy.yaml");
    if ("problems" in d) throw new Error("unexpected problems");
    expect(d.integrations.get("a")!.params).toEqual([["removals", "keep"], ["primary_types", '["Primary"]'], ["limit", "5"]]);
  });

  it("refuses a credential written into the file, and says how to name its variable", () => {
    expect(problems("connections:\n  crm:\n    url: https://crm.example.org\n    token: s3cret\nintegrations: {a: {spec: a.sync}}\n")).toEqual([
      "deploy.yaml:4:5: error DEP002 at /connections/crm/token: credentials are not written in the deployment file: write token: {env: CRM_TOKEN} and set that variable, or token: {file: PATH} for a file that holds it",
    ]);
  });

  it("refuses a credential hidden in a URL", () => {
    for (const url of ["https://me:pw@crm.example.org", "https://crm.example.org/api?api_key=abc"]) {
      expect(problems(`connections:\n  crm: {url: "${url}", token: {env: T}}\nintegrations: {a: {spec: a.sync}}\n`)).toEqual([
        "deploy.yaml:2:9: error DEP002 at /connections/crm/url: a base URL carries no user, password or query string: credentials come from the environment, through token: {env: VARIABLE}",
      ]);
    }
  });

  it("names an unknown setting and the ones that are allowed", () => {
    expect(problems("connections:\n  crm: {url: https://x.org, tokn: {env: T}}\nintegrations: {a: {spec: a.sync}}\n")).toEqual([
      'deploy.yaml:2:29: error DEP001 at /connections/crm/tokn: "tokn" is not a setting here; a connection has system, url or file, token, webhookSecret, hosts, pageSize, readLimits and sample',
    ]);
  });

  it("takes a connection's own read limits, and names the ones there are", () => {
    const parsed = parseDeployment("connections:\n  crm: {url: https://x.org, token: {env: T}, readLimits: {records: 5000, seconds: 30}}\nintegrations: {a: {spec: a.sync}}\n", "deploy.yaml");
    expect("problems" in parsed ? parsed.problems : parsed.connections.get("crm")!.readLimits).toEqual({ records: 5000, seconds: 30 });
    expect(problems("connections:\n  crm: {url: https://x.org, token: {env: T}, readLimits: {rows: 5}}\nintegrations: {a: {spec: a.sync}}\n")).toEqual([
      'deploy.yaml:2:59: error DEP001 at /connections/crm/readLimits/rows: "rows" is not a setting here; readLimits has pages, records and seconds',
    ]);
    expect(problems("connections:\n  crm: {url: https://x.org, token: {env: T}, readLimits: {seconds: 0}}\nintegrations: {a: {spec: a.sync}}\n")[0]).toContain("/connections/crm/readLimits/seconds");
  });

  it("reconciles every integration nightly unless told otherwise: a schedule for all, one for an integration, or never", () => {
    const parsed = parseDeployment(
      "reconcile: nightly at 01:30 in America/New_York\nconnections: {crm: {file: crm.json}}\nintegrations:\n  a: {spec: a.sync}\n  b: {spec: b.sync, reconcile: every 6 hours}\n  c: {spec: c.sync, reconcile: never}\n",
      "deploy.yaml",
    );
    if ("problems" in parsed) throw new Error(parsed.problems.map(renderProblem).join("\n"));
    expect(parsed.integrations.get("a")!.reconcile).toMatchObject({ kind: "daily", at: "01:30", zone: "America/New_York" });
    expect(parsed.integrations.get("b")!.reconcile).toMatchObject({ kind: "every", minutes: 360 });
    expect(parsed.integrations.get("c")!.reconcile).toBeNull();
    const byDefault = parseDeployment("connections: {crm: {file: crm.json}}\nintegrations: {a: {spec: a.sync}}\n", "deploy.yaml");
    expect("problems" in byDefault ? byDefault.problems : byDefault.integrations.get("a")!.reconcile).toMatchObject({ kind: "daily", at: "03:00" });
    expect(problems("connections: {crm: {file: crm.json}}\nintegrations:\n  a: {spec: a.sync, reconcile: sometimes}\n")[0]).toMatch(/^deploy\.yaml:3:\d+: error DEP001 at \/integrations\/a\/reconcile: is not a schedule: .*; write one as a spec does \(nightly at 03:00, every 6 hours\) or never$/);
  });

  it("wants a url or a file, not both", () => {
    expect(problems("connections:\n  crm: {url: https://x.org, file: crm.json}\nintegrations: {a: {spec: a.sync}}\n")[0]).toContain("either a url (an HTTP API) or a file");
  });

  it("checks that routes name connections that exist", () => {
    expect(problems("connections: {crm: {file: crm.json}}\nintegrations:\n  a: {spec: a.sync, connections: {crm: crm2}}\n")[0]).toMatch(/^deploy\.yaml:3:\d+: error DEP003 at \/integrations\/a\/connections\/crm: there is no connection named "crm2"/);
  });

  it("reports YAML errors with their line", () => {
    expect(problems("connections: {crm: {file: crm.json}\nintegrations: x\n")[0]).toMatch(/^deploy\.yaml:\d+:\d+: error INP003: not valid YAML/);
  });

  it("a missing file is a clear error", () => {
    const d = loadDeployment("nowhere/deploy.yaml");
    expect("problems" in d && d.problems.map(renderProblem)).toEqual(["nowhere/deploy.yaml: error INP001: no such deployment file"]);
  });

  it("gives every problem its code: shape, credential, name, YAML, file", () => {
    const codes = (text: string): string[] => {
      const parsed = parseDeployment(text, "deploy.yaml");
      return "problems" in parsed ? parsed.problems.map((p) => p.code) : [];
    };
    const rest = "\nintegrations: {a: {spec: a.sync}}\n";
    expect(codes(`connections:\n  crm: {url: https://x.org, token: s3cret}${rest}`)).toEqual(["DEP002"]);
    expect(codes(`connections:\n  crm: {url: https://x.org, token: 12345678}${rest}`)).toEqual(["DEP002"]);
    expect(codes(`connections:\n  crm: {url: "https://me:pw@x.org", token: {env: T}}${rest}`)).toEqual(["DEP002"]);
    expect(codes(`connections:\n  crm: {url: https://x.org, tokn: {env: T}}${rest}`)).toEqual(["DEP001"]);
    expect(codes(`connections:\n  crm: {url: https://x.org, file: crm.json}${rest}`)).toEqual(["DEP001"]);
    expect(codes(`connections:\n  crm: {url: "http://", token: {env: T}}${rest}`)).toEqual(["DEP001"]);
    expect(codes(`connections:\n  crm: {url: https://x.org, token: {env: "not a name"}}${rest}`)).toEqual(["DEP001"]);
    expect(codes("connections: {crm: {file: crm.json}}\nintegrations:\n  a: {spec: a.sync, connections: {crm: crm2}}\n")).toEqual(["DEP003"]);
    expect(codes("connections: {crm: {file: crm.json}\nintegrations: x\n")[0]).toBe("INP003");
    expect(codes(`connections:\n  crm: {file: a.json}\n  crm: {file: b.json}${rest}`)).toEqual(["INP004"]);
    const missing = loadDeployment("nowhere/deploy.yaml");
    expect("problems" in missing && missing.problems).toEqual([{ code: "INP001", severity: "error", file: "nowhere/deploy.yaml", message: "no such deployment file" }]);
    const folder = loadDeployment("specs");
    expect("problems" in folder && folder.problems.map(renderProblem)).toEqual(["specs: error INP001: cannot read the deployment file (it is a folder)"]);
  });

  it("reads credentials from the environment and names the variable, never the value, when one is missing", () => {
    expect(readSecret({ env: "CRM_TOKEN" }, { CRM_TOKEN: "abc" }, "the token of crm")).toEqual({ value: "abc" });
    expect(readSecret({ env: "CRM_TOKEN" }, {}, "the token of crm").problem?.text).toBe("the token of crm comes from the environment variable CRM_TOKEN, which is not set");
  });

  it("keeps the state in PostgreSQL by URL or by a variable, the sandbox in a schema of its own, and never a password in the file", () => {
    const byUrl = parseDeployment("state: postgres://syncspec@db.example.org:5432/nonprofit?schema=acme\nconnections: {}\nintegrations: {a: {spec: a.sync}}\n", "deploy.yaml");
    if ("problems" in byUrl) throw new Error(byUrl.problems.map(renderProblem).join("\n"));
    expect(byUrl.state).toEqual({ postgres: "postgres://syncspec@db.example.org:5432/nonprofit?schema=acme" });
    expect(storeLocation(byUrl, false, {})).toEqual({ postgres: "postgres://syncspec@db.example.org:5432/nonprofit", schema: "acme" });
    expect(storeLocation(byUrl, true, {})).toEqual({ postgres: "postgres://syncspec@db.example.org:5432/nonprofit", schema: "acme_sandbox" });

    const byEnv = parseDeployment("state: {env: SYNCSPEC_STATE}\nconnections: {}\nintegrations: {a: {spec: a.sync}}\n", "deploy.yaml");
    if ("problems" in byEnv) throw new Error(byEnv.problems.map(renderProblem).join("\n"));
    expect(storeLocation(byEnv, false, { SYNCSPEC_STATE: "postgresql://u:pw@10.0.0.5/sync" })).toEqual({ postgres: "postgresql://u:pw@10.0.0.5/sync", schema: "syncspec" });
    const unset = storeLocation(byEnv, false, {});
    expect("problem" in unset && renderProblem(unset.problem)).toBe("deploy.yaml:1:1: error DEP004 at /state: the PostgreSQL URL of the state comes from the environment variable SYNCSPEC_STATE, which is not set");
    const notUrl = storeLocation(byEnv, false, { SYNCSPEC_STATE: "/var/lib/state.db" });
    expect("problem" in notUrl && renderProblem(notUrl.problem)).toMatch(/DEP004 at \/state: the variable SYNCSPEC_STATE holds the state's location, which must be a postgres:\/\/ or postgresql:\/\/ URL$/);

    expect(problems("state: postgres://syncspec:hunter2@db.example.org/nonprofit\nconnections: {}\nintegrations: {a: {spec: a.sync}}\n")).toEqual([
      "deploy.yaml:1:1: error DEP002 at /state: a PostgreSQL URL in the deployment file carries no password: write state: {env: VARIABLE} and put the URL in that variable",
    ]);
  });
});

describe("a deployment of many organizations", () => {
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-orgs-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return dir;
  };
  const TEMPLATE = [
    "state: {env: SYNCSPEC_DATABASE_URL}",
    "maxRunsPerOrganization: 3",
    "integrations:",
    "  donors: {spec: specs/donors.sync, params: {removals: keep, fund: general}}",
    "  volunteers: {spec: specs/volunteers.sync, reconcile: every 6 hours}",
    "",
  ].join("\n");

  it("runs what every organization runs through each one's own connections, under names of their own", () => {
    const dir = folder({
      "deploy.yaml": [
        TEMPLATE,
        "connections:",
        "  shared-crm: {system: crm, url: https://crm.example.org, token: {env: SHARED_CRM_TOKEN}}",
        "organizations:",
        "  hope-house:",
        "    maxRuns: 1",
        "    reconcile: nightly at 01:00 in America/Chicago",
        "    connections:",
        "      raisedonors: {url: https://api.raisedonors.com/v1, token: {file: secrets/hope-house/raisedonors}, webhookSecret: {env: HOPE_HOUSE_RD_WEBHOOK_SECRET}}",
        "      virtuous: {url: https://api.virtuoussoftware.com/api, token: {env: HOPE_HOUSE_VIRTUOUS_TOKEN}}",
        "    integrations:",
        "      donors: {params: {fund: hope}}",
        "      volunteers: false",
        "      texting: {spec: specs/texting.sync, connections: {crm: shared-crm}}",
        "  river-fund:",
        "    connections:",
        "      raisedonors: {url: https://api.raisedonors.com/v1, token: {env: RIVER_FUND_RD_TOKEN}}",
        "",
      ].join("\n"),
    });
    const d = loadDeployment(join(dir, "deploy.yaml"));
    if ("problems" in d) throw new Error(d.problems.map(renderProblem).join("\n"));
    expect([...d.integrations.keys()]).toEqual(["hope-house/donors", "hope-house/texting", "river-fund/donors", "river-fund/volunteers"]);
    const hopeDonors = d.integrations.get("hope-house/donors")!;
    expect(hopeDonors).toMatchObject({ organization: "hope-house", maxRuns: 1, spec: join(dir, "specs", "donors.sync") });
    // The organization's params over the ones every organization runs with.
    expect(hopeDonors.params).toEqual([["removals", "keep"], ["fund", "hope"]]);
    // Systems reach the organization's own connections; a route names the deployment's shared one.
    expect(hopeDonors.connectionOf("raisedonors")).toBe("hope-house/raisedonors");
    expect(d.integrations.get("hope-house/texting")!.connectionOf("crm")).toBe("shared-crm");
    expect(d.integrations.get("river-fund/donors")!.connectionOf("raisedonors")).toBe("river-fund/raisedonors");
    // The organization's own schedule where the integration sets none; the integration's where it does.
    expect(hopeDonors.reconcile).toMatchObject({ kind: "daily", at: "01:00", zone: "America/Chicago" });
    expect(d.integrations.get("river-fund/donors")!.reconcile).toMatchObject({ kind: "daily", at: "03:00" });
    expect(d.integrations.get("river-fund/volunteers")!.reconcile).toMatchObject({ kind: "every", minutes: 360 });
    expect(d.integrations.get("river-fund/donors")!.maxRuns).toBe(3);
    expect(d.organizations).toEqual(new Map([["hope-house", { name: "hope-house", maxRuns: 1 }], ["river-fund", { name: "river-fund", maxRuns: 3 }]]));
    // A secret file is resolved against the file that names it.
    const connection = d.connections.get("hope-house/raisedonors")!;
    expect(connection).toMatchObject({ organization: "hope-house", system: "raisedonors", token: { file: join(dir, "secrets", "hope-house", "raisedonors") }, webhookSecret: { env: "HOPE_HOUSE_RD_WEBHOOK_SECRET" } });
    // Where an organization's settings are written, for its problems.
    expect(d.place(hopeDonors.pathOf("params"))).toMatchObject({ line: 17, pointer: "/organizations/hope-house/integrations/donors/params" });
    expect(d.place(d.integrations.get("river-fund/donors")!.pathOf("spec"))).toMatchObject({ line: 4, pointer: "/integrations/donors/spec" });
  });

  it("reads an organization's settings from a file of its own, or each from a folder, and places their problems there", () => {
    const dir = folder({
      "deploy.yaml": `${TEMPLATE}organizations:\n  hope-house: orgs/hope-house.yaml\n`,
      "orgs/hope-house.yaml": "connections:\n  raisedonors: {url: https://api.raisedonors.com/v1, token: {file: ../secrets/rd}}\nintegrations:\n  texting: {spec: texting.sync}\n",
    });
    const d = loadDeployment(join(dir, "deploy.yaml"));
    if ("problems" in d) throw new Error(d.problems.map(renderProblem).join("\n"));
    expect(d.organizations.get("hope-house")).toEqual({ name: "hope-house", maxRuns: 3, file: join(dir, "orgs", "hope-house.yaml") });
    // Paths in an organization's file are its folder's.
    expect(d.integrations.get("hope-house/texting")!.spec).toBe(join(dir, "orgs", "texting.sync"));
    expect(d.connections.get("hope-house/raisedonors")!.token).toEqual({ file: join(dir, "secrets", "rd") });
    expect(d.place(d.integrations.get("hope-house/texting")!.pathOf("spec"))).toMatchObject({ file: join(dir, "orgs", "hope-house.yaml"), line: 4, pointer: "/integrations/texting/spec" });

    const many = folder({
      "deploy.yaml": `${TEMPLATE}organizations: orgs\n`,
      "orgs/hope-house.yaml": "connections:\n  raisedonors: {url: https://api.raisedonors.com/v1, token: {env: HOPE_TOKEN}}\n",
      "orgs/river-fund.yml": "maxRuns: 1\nintegrations: {volunteers: false}\n",
      "orgs/README.md": "not an organization\n",
    });
    const m = loadDeployment(join(many, "deploy.yaml"));
    if ("problems" in m) throw new Error(m.problems.map(renderProblem).join("\n"));
    expect([...m.integrations.keys()]).toEqual(["hope-house/donors", "hope-house/volunteers", "river-fund/donors"]);

    const bad = folder({
      "deploy.yaml": `${TEMPLATE}organizations: orgs\n`,
      "orgs/hope-house.yaml": "connections:\n  raisedonors: {url: https://api.raisedonors.com/v1, token: {env: HOPE_TOKEN}, pagesize: 5}\n",
      "orgs/river-fund.yaml": "connections:\n  raisedonors:\n    url: https://api.raisedonors.com/v1\n    token: abc123\n",
      "orgs/Wrong Name.yaml": "{}\n",
    });
    const b = loadDeployment(join(bad, "deploy.yaml"));
    expect("problems" in b && b.problems.map(renderProblem)).toEqual([
      `${join(bad, "deploy.yaml")}:6:1: error DEP001 at /organizations: ${join(bad, "orgs", "Wrong Name.yaml")} names no organization: an organization's file is NAME.yaml, with a name of lower case letters, digits, - and _`,
      `${join(bad, "orgs", "hope-house.yaml")}:2:80: error DEP001 at /connections/raisedonors/pagesize: "pagesize" is not a setting here; a connection has system, url or file, token, webhookSecret, hosts, pageSize, readLimits and sample`,
      `${join(bad, "orgs", "river-fund.yaml")}:4:5: error DEP002 at /connections/raisedonors/token: credentials are not written in the deployment file: write token: {env: RIVER_FUND_RAISEDONORS_TOKEN} and set that variable, or token: {file: PATH} for a file that holds it`,
    ]);
  });

  it("says what is wrong with an organization's settings, at the place", () => {
    const at = (orgs: string): string[] => problems(`${TEMPLATE}organizations:\n${orgs}`);
    expect(at("  hope-house: {maxRun: 2}\n")).toEqual([
      'deploy.yaml:7:16: error DEP001 at /organizations/hope-house/maxRun: "maxRun" is not a setting here; an organization has connections, integrations, reconcile and maxRuns',
    ]);
    expect(at("  Hope: {}\n")).toEqual(["deploy.yaml:7:3: error DEP001 at /organizations/Hope: names are lower case letters, digits, - and _ (such as raisedonors-virtuous)"]);
    expect(at("  hope-house: {integrations: {donors: true}}\n")).toEqual([
      "deploy.yaml:7:31: error DEP001 at /organizations/hope-house/integrations/donors: an organization's integration is its settings (spec, params, connections, reconcile), or false for one it does not run",
    ]);
    expect(at("  hope-house: {integrations: {texting: {params: {a: 1}}}}\n")).toEqual([
      "deploy.yaml:7:31: error DEP003 at /organizations/hope-house/integrations/texting: hope-house sets texting without a spec, and it is not one of the integrations every organization runs (donors, volunteers); give it a spec",
    ]);
    expect(at("  hope-house: {integrations: {donors: {connections: {crm: crm}}}}\n")).toEqual([
      'deploy.yaml:7:54: error DEP003 at /organizations/hope-house/integrations/donors/connections/crm: hope-house has no connection named "crm", nor does the deployment; its connections are none',
    ]);
    expect(at("  hope-house: orgs/nowhere.yaml\n")[0]).toBe("deploy.yaml:7:3: error DEP003 at /organizations/hope-house: the settings of hope-house are in " + resolve("orgs/nowhere.yaml") + ", which cannot be read: there is no such file or folder");
    expect(at("  hope-house: {connections: {crm: {url: https://crm.example.org, token: {env: A, file: b}}}}\n")).toEqual([
      "deploy.yaml:7:66: error DEP001 at /organizations/hope-house/connections/crm/token: a credential is named, never written: {env: VARIABLE} for an environment variable, or {file: PATH} for a file that holds it alone",
    ]);
    // A route every organization takes, that one organization cannot: at the route, naming the organization.
    const routed = `${TEMPLATE.replace("  volunteers: {spec: specs/volunteers.sync, reconcile: every 6 hours}", "  volunteers: {spec: specs/volunteers.sync, connections: {crm: main-crm}}")}organizations:\n  hope-house:\n    connections: {main-crm: {system: crm, file: crm.json}}\n  river-fund: {}\n`;
    expect(problems(routed)).toEqual([
      'deploy.yaml:5:59: error DEP003 at /integrations/volunteers/connections/crm: river-fund has no connection named "main-crm", nor does the deployment; its connections are none',
    ]);
    expect(at("  hope-house: {integrations: {volunters: false}}\n")).toEqual([
      "deploy.yaml:7:31: error DEP003 at /organizations/hope-house/integrations/volunters: hope-house turns off volunters, which is not one of the integrations every organization runs (donors, volunteers)",
    ]);
    // A schedule that is not one, written by two organizations: said at each.
    expect(at("  hope-house: {reconcile: sometimes}\n  river-fund: {reconcile: sometimes}\n").map((p) => p.split(": error")[0])).toEqual(["deploy.yaml:7:16", "deploy.yaml:8:16"]);
    expect(problems("organizations: {}\n")).toEqual(["deploy.yaml:1:1: error DEP001 at /organizations: the deployment runs no integration: write integrations, for every organization or under one"]);
    expect(problems("connections: {}\n")).toEqual(["deploy.yaml:1:1: error DEP001 at the top: integrations is missing: a deployment without organizations has connections and integrations"]);
  });
});
