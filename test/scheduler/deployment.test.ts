// Deployment files: what a correct one gives, and that every mistake names the file, the line
// and the place, with credentials refused when they are written into the file.
import { describe, expect, it } from "vitest";
import { renderProblem } from "../../src/diagnostics/render.js";
import { credential, loadDeployment, parseDeployment, storeLocation } from "../../src/scheduler/deployment.js";

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
    expect(d.connections.get("raisedonors")!.tokenEnv).toBe("RAISEDONORS_TOKEN");
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
      "deploy.yaml:4:5: error DEP002 at /connections/crm/token: credentials come from the environment, not the deployment file: write token: {env: CRM_TOKEN} and set that variable",
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
    expect(credential({ CRM_TOKEN: "abc" }, "CRM_TOKEN", "the token of crm")).toEqual({ value: "abc" });
    expect(credential({}, "CRM_TOKEN", "the token of crm")).toEqual({ problem: "the token of crm comes from the environment variable CRM_TOKEN, which is not set" });
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
