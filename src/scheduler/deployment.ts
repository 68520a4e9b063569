// The deployment file: which specs run, with which params, and how each of their systems is
// reached (an HTTP API or a snapshot file). Credentials are named by environment variable and
// read from the environment, never written in the file. Every problem names the file, the
// line and the place (a JSON Pointer), and nothing runs until the file is whole.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { StoreLocation } from "../stores/open-store.js";
import { Ajv } from "ajv";
import { parseDocument } from "yaml";
import { parseSchedule, type Schedule } from "../language/schedule/schedule.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Place, type Problem } from "../diagnostics/problem.js";
import { READ_LIMITS_SCHEMA, type ReadLimits } from "../connectors/settings.js";
import { yamlProblem } from "../json/parse.js";
import { pointerOf, pointerPath } from "../json/pointer.js";
import { SourceFile } from "../source/source-file.js";
import { yamlKeySpan } from "../source/yaml-span.js";

export interface ConnectionConfig {
  readonly name: string;
  readonly system: string;
  /** An HTTP API's base URL, or a snapshot file; exactly one. */
  readonly url?: string;
  readonly file?: string;
  /** Environment variables holding the credentials. */
  readonly tokenEnv?: string;
  readonly webhookSecretEnv?: string;
  /** Hosts the connector may call besides the URL's own (a vendor's second API host). */
  readonly extraHosts: readonly string[];
  /** The data `--sandbox` serves for this connection (default: the system's sample.json). */
  readonly sample?: string;
  /** Records asked for per page, over the system's connector.yaml. */
  readonly pageSize?: number;
  /** The bounds of one whole read, over the system's connector.yaml. */
  readonly readLimits?: Partial<ReadLimits>;
}

export interface IntegrationConfig {
  readonly name: string;
  /**
   * The spec file, or a plan compiled from one (`syncspec compile SPEC -o FILE`: a .json file),
   * resolved against the deployment file's folder.
   */
  readonly spec: string;
  /** Param values as the command line would give them (`--param NAME=VALUE`). */
  readonly params: readonly (readonly [string, string])[];
  /** System -> the connection it is reached through (by default, the connection named as the system). */
  readonly connections: ReadonlyMap<string, string>;
  /** When a run reads everything, to catch what runs that read what changed cannot see (deletes, missed edits); null: never. */
  readonly reconcile: Schedule | null;
}

/**
 * Where the service keeps its state: a SQLite file (resolved against the deployment file's
 * folder), or a PostgreSQL database for several machines, by URL (no password in the file)
 * or by the environment variable that holds the URL.
 */
export type StateLocation = { readonly file: string } | { readonly postgres: string } | { readonly postgresEnv: string };

export interface Deployment {
  readonly file: string;
  readonly state: StateLocation;
  readonly server: { readonly host: string; readonly port: number };
  readonly connections: ReadonlyMap<string, ConnectionConfig>;
  readonly integrations: ReadonlyMap<string, IntegrationConfig>;
  /**
   * The place of a setting in the file, by its path (["integrations", "donors", "spec"]): the
   * file, the JSON Pointer and the line and column of its key (or of its nearest ancestor
   * written), for problems found after the file is read (names that do not resolve).
   */
  readonly place: (path: readonly string[]) => Place;
}

const NAME = "^[a-z][a-z0-9_-]*$";
const ENV_REF = { type: "object", required: ["env"], additionalProperties: false, properties: { env: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" } } };

const SCHEMA = {
  type: "object",
  required: ["integrations", "connections"],
  additionalProperties: false,
  properties: {
    state: { oneOf: [{ type: "string", minLength: 1 }, ENV_REF] },
    reconcile: { type: "string", minLength: 1 },
    server: {
      type: "object",
      additionalProperties: false,
      properties: { host: { type: "string", minLength: 1 }, port: { type: "integer", minimum: 0, maximum: 65535 } },
    },
    connections: {
      type: "object",
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          system: { type: "string", pattern: NAME },
          url: { type: "string", pattern: "^https?://" },
          file: { type: "string", minLength: 1 },
          token: ENV_REF,
          webhookSecret: ENV_REF,
          hosts: { type: "array", items: { type: "string", minLength: 1 } },
          sample: { type: "string", minLength: 1 },
          pageSize: { type: "integer", minimum: 1, maximum: 10000 },
          // Over the system's connector.yaml: the bounds of one whole read of this connection.
          readLimits: READ_LIMITS_SCHEMA,
        },
      },
    },
    integrations: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: "object",
        required: ["spec"],
        additionalProperties: false,
        properties: {
          spec: { type: "string", minLength: 1 },
          params: { type: "object" },
          connections: { type: "object", additionalProperties: { type: "string", pattern: NAME } },
          reconcile: { type: "string", minLength: 1 },
        },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);

interface RawConnection {
  system?: string;
  url?: string;
  file?: string;
  token?: { env: string } | string;
  webhookSecret?: { env: string } | string;
  hosts?: string[];
  sample?: string;
  pageSize?: number;
  readLimits?: Partial<ReadLimits>;
}

interface RawDeployment {
  state?: string | { env: string };
  reconcile?: string;
  server?: { host?: string; port?: number };
  connections: Record<string, RawConnection>;
  integrations: Record<string, { spec: string; params?: Record<string, unknown>; connections?: Record<string, string>; reconcile?: string }>;
}

export function loadDeployment(file: string): Deployment | { problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === "ENOENT" || code === "ENOTDIR"
        ? message("INP001", "noDeployment")
        : code === "EISDIR"
          ? message("INP001", "deploymentIsFolder")
          : code === "EACCES" || code === "EPERM"
            ? message("INP001", "deploymentDenied")
            : message("INP001", "deploymentUnreadable", { reason: (error as Error).message });
    return { problems: [problem({ file }, why)] };
  }
  return parseDeployment(text, file);
}

/** A reconciliation every night unless the deployment says otherwise: drift is caught within a day. */
export const DEFAULT_RECONCILE = "nightly at 03:00";

/** A `reconcile:` setting read as a schedule ("never": none); a problem at `path` when it is not one. */
function reconcileSchedule(text: string, path: readonly string[], at: (path: readonly string[], why: Message) => void): Schedule | undefined {
  if (text.trim() === "never") return undefined;
  const parsed = parseSchedule(text);
  if ("error" in parsed) {
    at(path, message("DEP001", "badReconcile", { reason: parsed.error }));
    return undefined;
  }
  return parsed.schedule;
}

export function parseDeployment(text: string, file: string): Deployment | { problems: Problem[] } {
  const source = new SourceFile(file, text);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const problems: Problem[] = [];
  const place = (path: readonly string[]): Place => ({ file, ...source.position(yamlKeySpan(doc, path).start), pointer: pointerOf(path) });
  const at = (path: readonly string[], why: Message): void => {
    problems.push(problem(place(path), why));
  };
  for (const error of doc.errors) problems.push(yamlProblem(error, { file, ...source.position(error.pos[0]) }));
  if (problems.length > 0) return { problems };
  const data = doc.toJS() as unknown;

  // Secrets written into the file are refused before anything else, with the fix.
  if (data && typeof data === "object") {
    const connections = (data as { connections?: unknown }).connections;
    if (connections && typeof connections === "object") {
      for (const [name, connection] of Object.entries(connections)) {
        for (const secret of ["token", "webhookSecret"]) {
          const value = (connection as Record<string, unknown> | null)?.[secret];
          // A number (an unquoted PIN or numeric key) is a credential written in the file as much as a string is.
          if (typeof value === "string" || typeof value === "number") {
            at(["connections", name, secret], message("DEP002", "inFile", { setting: secret, variable: `${name.toUpperCase().replace(/-/g, "_")}_${secret === "token" ? "TOKEN" : "WEBHOOK_SECRET"}` }));
          }
        }
      }
    }
  }
  if (problems.length > 0) return { problems };

  if (!validate(data)) {
    for (const error of validate.errors ?? []) {
      const path = pointerPath(error.instancePath);
      const name = error.keyword === "additionalProperties" ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
      const why =
        name !== undefined
          ? message("DEP001", "notASetting", { name: JSON.stringify(name), allowed: allowedHere(path) })
          : error.keyword === "propertyNames"
            ? message("DEP001", "badName")
            : // Another keyword: ajv's own words, which are data here.
              message("DEP001", "invalid", { reason: error.message ?? "is invalid" });
      at(name !== undefined ? [...path, name] : path, why);
    }
    return { problems };
  }
  const raw = data as RawDeployment;
  const dir = dirname(resolve(file));

  const connections = new Map<string, ConnectionConfig>();
  for (const [name, c] of Object.entries(raw.connections)) {
    const url = c.url !== undefined && URL.canParse(c.url) ? new URL(c.url) : undefined;
    if (c.url !== undefined && !url) at(["connections", name, "url"], message("DEP001", "notUrl"));
    // A URL is shown in messages and logs; a credential in it would be too.
    if (url && (url.username !== "" || url.password !== "" || url.search !== "")) {
      at(["connections", name, "url"], message("DEP002", "inUrl"));
    }
    if ((c.url === undefined) === (c.file === undefined)) {
      at(["connections", name], message("DEP001", "urlOrFile"));
      continue;
    }
    connections.set(name, {
      name,
      system: c.system ?? name,
      ...(c.url !== undefined ? { url: c.url } : {}),
      ...(c.file !== undefined ? { file: resolve(dir, c.file) } : {}),
      ...(typeof c.token === "object" ? { tokenEnv: c.token.env } : {}),
      ...(typeof c.webhookSecret === "object" ? { webhookSecretEnv: c.webhookSecret.env } : {}),
      extraHosts: c.hosts ?? [],
      ...(c.sample !== undefined ? { sample: resolve(dir, c.sample) } : {}),
      ...(c.pageSize !== undefined ? { pageSize: c.pageSize } : {}),
      ...(c.readLimits !== undefined ? { readLimits: c.readLimits } : {}),
    });
  }

  if (typeof raw.state === "string" && POSTGRES_URL.test(raw.state)) {
    // The file is reviewed and committed: a password belongs in the environment.
    if (!URL.canParse(raw.state)) at(["state"], message("DEP001", "notPostgresUrl"));
    else if (new URL(raw.state).password !== "") at(["state"], message("DEP002", "stateUrl"));
  }

  const integrations = new Map<string, IntegrationConfig>();
  for (const [name, i] of Object.entries(raw.integrations)) {
    const routes = new Map<string, string>(Object.entries(i.connections ?? {}));
    for (const [system, connection] of routes) {
      if (!connections.has(connection)) at(["integrations", name, "connections", system], message("DEP003", "noConnection", { name: JSON.stringify(connection), connections: [...connections.keys()].join(", ") }));
    }
    const params = Object.entries(i.params ?? {}).map(([param, value]) => [param, typeof value === "string" ? value : JSON.stringify(value)] as const);
    const reconcile = reconcileSchedule(i.reconcile ?? raw.reconcile ?? DEFAULT_RECONCILE, i.reconcile !== undefined ? ["integrations", name, "reconcile"] : ["reconcile"], at);
    integrations.set(name, { name, spec: resolve(dir, i.spec), params, connections: routes, reconcile: reconcile ?? null });
  }
  if (problems.length > 0) return { problems };

  return {
    file,
    state: stateLocation(raw.state, dir),
    server: { host: raw.server?.host ?? "127.0.0.1", port: raw.server?.port ?? 8787 },
    connections,
    integrations,
    place,
  };
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

function stateLocation(raw: RawDeployment["state"], dir: string): StateLocation {
  if (typeof raw === "object") return { postgresEnv: raw.env };
  if (raw !== undefined && POSTGRES_URL.test(raw)) return { postgres: raw };
  return { file: resolve(dir, raw ?? ".syncspec/state.db") };
}

/**
 * The store a run uses: the deployment's own, or beside it for the sandbox (which starts from
 * sample data every time and so from an empty state, and must never touch the real one): a
 * file of its own, or a schema of its own. A URL from the environment is read here; a
 * variable that is not set, or holds no PostgreSQL URL, is a problem naming the variable.
 */
export function storeLocation(deployment: Deployment, sandbox: boolean, env: Readonly<Record<string, string | undefined>>): StoreLocation | { problem: Problem } {
  const state = deployment.state;
  if ("file" in state) return { file: sandbox ? state.file.replace(/(\.[^./\\]*)?$/, ".sandbox$1") : state.file };
  let url: string;
  if ("postgres" in state) url = state.postgres;
  else {
    const value = env[state.postgresEnv];
    if (value === undefined || value === "") return { problem: problem(deployment.place(["state"]), message("DEP004", "unset", { what: message("DEP004", "stateOf").text, variable: state.postgresEnv })) };
    if (!POSTGRES_URL.test(value) || !URL.canParse(value)) return { problem: problem(deployment.place(["state"]), message("DEP004", "notPostgresUrl", { variable: state.postgresEnv })) };
    url = value;
  }
  const parsed = new URL(url);
  const schema = parsed.searchParams.get("schema") ?? "syncspec";
  parsed.searchParams.delete("schema");
  return { postgres: parsed.toString(), schema: sandbox ? `${schema}_sandbox` : schema };
}

/** Reads a credential named by an environment variable; the message names the variable, never a value. */
export function credential(env: Readonly<Record<string, string | undefined>>, variable: string | undefined, what: string): { value?: string; problem?: string } {
  if (variable === undefined) return {};
  const value = env[variable];
  if (value === undefined || value === "") return { problem: message("DEP004", "unset", { what, variable }).text };
  return { value };
}

function allowedHere(path: readonly string[]): string {
  if (path.length === 0) return message("DEP001", "deploymentHas").text;
  if (path[0] === "server") return message("DEP001", "serverHas").text;
  if (path[0] === "connections" && path[2] === "readLimits") return message("DEP001", "readLimitsHas").text;
  if (path[0] === "connections") return message("DEP001", "connectionHas").text;
  return message("DEP001", "integrationHas").text;
}
