// `npm run bench -- organizations`: what a deployment of many organizations costs to start and
// to keep credentials out of messages, against one organization's.
//
//   start       a deployment of ORGANIZATIONS (2,000) organizations, each running the seven
//               seed integrations through its own twelve connections (a file of its own in a
//               folder, tokens named by variable): read and assembled (every spec compiled,
//               every connector made), per integration, against the same for one organization.
//   redaction   one run's message redacted with every organization's credentials, against the
//               same message redacted with one organization's.
//
// Its last line is the figures as JSON, for bench/run.js.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSystems } from "../src/language/systems/load.js";
import { redactor } from "../src/connectors/redact.js";
import { assemble } from "../src/scheduler/assemble.js";
import { loadDeployment } from "../src/scheduler/deployment.js";
import { credentialsOf } from "../src/scheduler/secrets.js";

const ROOT = process.cwd();
const SYSTEMS = loadSystems(join(ROOT, "integrations")).systems;
const ORGANIZATIONS = Number(process.env["BENCH_ORGANIZATIONS"] ?? 2000);

/** The seed integrations, and the connections they reach (name -> system). */
const INTEGRATIONS = [
  "  raisedonors-virtuous: {spec: raisedonors-virtuous.sync}",
  '  vomo-virtuous: {spec: vomo-virtuous.sync, params: {connected_at: "2026-10-01T00:00:00Z"}}',
  "  momentum-raisersedge: {spec: momentum-raisersedge.sync, connections: {momentum: momentum-raisersedge}}",
  "  momentum-salesforce: {spec: momentum-salesforce.sync, connections: {momentum: momentum-salesforce}}",
  "  momentum-virtuous: {spec: momentum-virtuous.sync, connections: {momentum: momentum-virtuous}}",
  "  volunteerhub-altru: {spec: volunteerhub-altru.sync}",
  "  mobilecommons-crm: {spec: mobilecommons-crm.sync}",
];
const CONNECTIONS: Record<string, string> = {
  raisedonors: "raisedonors",
  virtuous: "virtuous",
  vomo: "vomo",
  "momentum-raisersedge": "momentum",
  "momentum-salesforce": "momentum",
  "momentum-virtuous": "momentum",
  raisersedge: "raisersedge",
  salesforce: "salesforce",
  volunteerhub: "volunteerhub",
  altru: "altru",
  mobilecommons: "mobilecommons",
  crm: "crm",
};

/** A deployment of `count` organizations in a folder of its own, and the environment its credentials are in. */
function deploymentOf(count: number): { file: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-bench-orgs-"));
  mkdirSync(join(dir, "organizations"));
  writeFileSync(join(dir, "deploy.yaml"), ["state: state.db", "integrations:", ...INTEGRATIONS.map((l) => l.replace(/spec: /, `spec: ${join(ROOT, "specs")}/`)), "organizations: organizations", ""].join("\n"));
  const env: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const name = `org-${String(i).padStart(4, "0")}`;
    const lines = ["connections:"];
    for (const [connection, system] of Object.entries(CONNECTIONS)) {
      const variable = `${name}_${connection}_token`.toUpperCase().replace(/-/g, "_");
      env[variable] = `${i.toString(16).padStart(6, "0")}${Buffer.from(`${connection}-${i}`).toString("hex")}`;
      lines.push(`  ${connection}: {system: ${system}, url: https://api.${system}.example.org/v1, token: {env: ${variable}}}`);
    }
    writeFileSync(join(dir, "organizations", `${name}.yaml`), `${lines.join("\n")}\n`);
  }
  return { file: join(dir, "deploy.yaml"), env };
}

/** Reads and assembles a deployment: ms, and its integrations and credentials. */
function start(count: number): { ms: number; integrations: number; connections: number; credentials: string[] } {
  const { file, env } = deploymentOf(count);
  const began = performance.now();
  const deployment = loadDeployment(file);
  if ("problems" in deployment) throw new Error(JSON.stringify(deployment.problems.slice(0, 3)));
  const assembled = assemble(deployment, { systems: SYSTEMS, env });
  if ("problems" in assembled) throw new Error(assembled.report.slice(0, 3).join("\n"));
  const ms = performance.now() - began;
  for (const c of assembled.connections.values()) void c.connector.close();
  return { ms, integrations: assembled.integrations.length, connections: assembled.connections.size, credentials: credentialsOf(deployment.connections.values(), env) };
}

const one = start(1);
const many = start(ORGANIZATIONS);

// A refused record's reason as a run keeps it, with one organization's token echoed in it.
const message = (token: string) => `virtuous refused contacts rd-1003 (422): {"error":"invalid email","request":{"headers":{"authorization":"Bearer ${token}"},"url":"https://api.virtuous.example.org/v1/contacts/rd-1003"}}`;
const timeRedaction = (credentials: string[], token: string): number => {
  const redact = redactor(credentials);
  redact(message(token));
  const runs = 2000;
  const began = performance.now();
  for (let i = 0; i < runs; i++) if (redact(message(token)).includes(token)) throw new Error("a token was left in the message");
  return (performance.now() - began) / runs;
};
const token = many.credentials[many.credentials.length - 5]!;
const redactMany = timeRedaction(many.credentials, token);
const redactOne = timeRedaction([...one.credentials, token], token);

console.log(
  JSON.stringify({
    organizations: ORGANIZATIONS,
    integrations: many.integrations,
    connections: many.connections,
    startMs: many.ms,
    perIntegrationMs: many.ms / many.integrations,
    onePerIntegrationMs: one.ms / one.integrations,
    redactManyMs: redactMany,
    redactOneMs: redactOne,
  }),
);
