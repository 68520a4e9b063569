// The deployment file: which specs run, with which params, and how each of their systems is
// reached (an HTTP API or a snapshot file); for a consultancy, the organizations it serves,
// each with its own connections, running the integrations every organization runs and its
// own. Credentials are named (an environment variable, a secret file), never written in the
// file. Every problem names the file (an organization's own where it has one), the line and
// the place (a JSON Pointer), and nothing runs until every file is whole.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { StoreLocation } from "../stores/open-store.js";
import { parseDocument } from "yaml";
import { parseSchedule, type Schedule } from "../language/schedule/schedule.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Place, type Problem } from "../diagnostics/problem.js";
import type { ReadLimits } from "../connectors/settings.js";
import { yamlProblem } from "../json/parse.js";
import { pointerOf } from "../json/pointer.js";
import { SourceFile } from "../source/source-file.js";
import { yamlKeySpan } from "../source/yaml-span.js";
import { deploymentShape, NAME, organizationShape, type RawConnection, type RawDeployment, type RawIntegration, type RawOrganization, type RawSecretRef } from "./deployment-schema.js";
import type { SecretRef } from "./secrets.js";

export interface ConnectionConfig {
  /** Its name; an organization's connection is named `ORGANIZATION/NAME`. */
  readonly name: string;
  readonly organization?: string;
  readonly system: string;
  /** An HTTP API's base URL, or a snapshot file; exactly one. */
  readonly url?: string;
  readonly file?: string;
  /** Where the credentials are: an environment variable, or a file that holds one. */
  readonly token?: SecretRef;
  readonly webhookSecret?: SecretRef;
  /** Hosts the connector may call besides the URL's own (a vendor's second API host). */
  readonly extraHosts: readonly string[];
  /** The data `--sandbox` serves for this connection (default: the system's sample.json). */
  readonly sample?: string;
  /** Records asked for per page, over the system's connector.yaml. */
  readonly pageSize?: number;
  /** The bounds of one whole read, over the system's connector.yaml. */
  readonly readLimits?: Partial<ReadLimits>;
  /** Where its settings are written: a path for Deployment.place. */
  readonly path: readonly string[];
}

export type IntegrationSetting = "spec" | "params" | "connections" | "reconcile";

export interface IntegrationConfig {
  /** Its name; an organization's integration is named `ORGANIZATION/NAME`. */
  readonly name: string;
  readonly organization?: string;
  /**
   * The spec file, or a plan compiled from one (`syncspec compile SPEC -o FILE`: a .json file),
   * resolved against the folder of the file that names it.
   */
  readonly spec: string;
  /** Param values as the command line would give them (`--param NAME=VALUE`). */
  readonly params: readonly (readonly [string, string])[];
  /** System -> the connection the deployment routes it through, where it names one. */
  readonly connections: ReadonlyMap<string, string>;
  /** When a run reads everything, to catch what runs that read what changed cannot see (deletes, missed edits); null: never. */
  readonly reconcile: Schedule | null;
  /**
   * The connection a system is reached through: the route named, else the organization's own
   * connection named as the system, else the deployment's.
   */
  readonly connectionOf: (system: string) => string;
  /** Where a setting of it is written (an organization's own, or the one every organization runs): a path for Deployment.place. */
  readonly pathOf: (setting?: IntegrationSetting) => readonly string[];
  /** Runs of its organization under way at once, across the cluster; undefined outside organizations. */
  readonly maxRuns?: number;
}

export interface OrganizationConfig {
  readonly name: string;
  /** Runs of its integrations under way at once, across every worker: one organization's storm cannot take every worker. */
  readonly maxRuns: number;
  /** The file its settings are in, when not in the deployment file. */
  readonly file?: string;
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
  /** Every connection, the organizations' among them, by name. */
  readonly connections: ReadonlyMap<string, ConnectionConfig>;
  /** Every integration, each organization's among them, by name. */
  readonly integrations: ReadonlyMap<string, IntegrationConfig>;
  readonly organizations: ReadonlyMap<string, OrganizationConfig>;
  /**
   * The place of a setting, by its path (["integrations", "donors", "spec"]; an organization's
   * from ["organizations", NAME], in its own file where it has one): the file, the JSON Pointer
   * and the line and column of its key (or of its nearest ancestor written), for problems
   * found after the file is read (names that do not resolve).
   */
  readonly place: (path: readonly string[]) => Place;
}

/** Runs of one organization under way at once unless the deployment says otherwise: two of its seven integrations. */
export const DEFAULT_MAX_RUNS = 2;

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

/** A YAML file read: its data, and the place of a path in it. */
interface YamlFile {
  readonly file: string;
  readonly dir: string;
  readonly data: unknown;
  readonly place: (path: readonly string[]) => Place;
}

function readYaml(text: string, file: string): YamlFile | { problems: Problem[] } {
  const source = new SourceFile(file, text);
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) return { problems: doc.errors.map((error) => yamlProblem(error, { file, ...source.position(error.pos[0]) })) };
  return {
    file,
    dir: dirname(resolve(file)),
    data: doc.toJS() as unknown,
    place: (path) => ({ file, ...source.position(yamlKeySpan(doc, path).start), pointer: pointerOf(path) }),
  };
}

/** What an organization's settings come to: from the deployment file, or a file of their own. */
interface ReadOrganization {
  readonly raw: RawOrganization;
  /** The folder its paths are resolved against. */
  readonly dir: string;
  readonly file?: string;
}

export function parseDeployment(text: string, file: string): Deployment | { problems: Problem[] } {
  const main = readYaml(text, file);
  if ("problems" in main) return main;
  const problems: Problem[] = [];
  const orgFiles = new Map<string, YamlFile>();
  const place = (path: readonly string[]): Place => {
    const own = path[0] === "organizations" && path.length >= 2 ? orgFiles.get(path[1]!) : undefined;
    return own ? own.place(path.slice(2)) : main.place(path);
  };
  const at = (path: readonly string[], why: Message): void => {
    problems.push(problem(place(path), why));
  };
  const dir = main.dir;

  // Secrets written into the file are refused before anything else, with the fix.
  const data = main.data as Partial<Record<keyof RawDeployment, unknown>> | null;
  refuseWrittenSecrets(data?.connections, ["connections"], at);
  if (data?.organizations && typeof data.organizations === "object") {
    for (const [name, org] of Object.entries(data.organizations)) refuseWrittenSecrets((org as RawOrganization | null)?.connections, ["organizations", name, "connections"], at);
  }
  if (problems.length > 0) return { problems };
  for (const shape of deploymentShape(data)) at(shape.path, shape.why);
  if (problems.length > 0) return { problems };
  const raw = data as RawDeployment;
  if (raw.organizations === undefined) {
    for (const setting of ["connections", "integrations"] as const) if (raw[setting] === undefined) at([], message("DEP001", "missing", { setting }));
    if (problems.length > 0) return { problems };
  }

  // Each organization's settings, from this file or from a file of their own.
  const organizations = new Map<string, ReadOrganization>();
  const readOrganization = (name: string, orgFile: string): void => {
    let orgText: string;
    try {
      orgText = readFileSync(orgFile, "utf8");
    } catch (error) {
      at(["organizations", name], message("DEP003", "organizationUnreadable", { organization: name, file: orgFile, reason: unreadable(error) }));
      return;
    }
    const read = readYaml(orgText, orgFile);
    if ("problems" in read) {
      problems.push(...read.problems);
      return;
    }
    orgFiles.set(name, read);
    const before = problems.length;
    refuseWrittenSecrets((read.data as RawOrganization | null)?.connections, ["organizations", name, "connections"], at);
    if (problems.length === before) for (const shape of organizationShape(read.data ?? {}, name)) at(shape.path, shape.why);
    if (problems.length === before) organizations.set(name, { raw: (read.data ?? {}) as RawOrganization, dir: read.dir, file: orgFile });
  };
  if (typeof raw.organizations === "string") {
    const folder = resolve(dir, raw.organizations);
    let names: string[] = [];
    try {
      names = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch (error) {
      at(["organizations"], message("DEP003", "organizationsUnreadable", { folder, reason: unreadable(error) }));
    }
    for (const orgFile of names) {
      const name = orgFile.replace(/\.ya?ml$/, "");
      if (!new RegExp(NAME).test(name) || organizations.has(name) || orgFiles.has(name)) at(["organizations"], message("DEP001", "organizationFileName", { file: join(folder, orgFile) }));
      else readOrganization(name, join(folder, orgFile));
    }
  } else {
    for (const [name, org] of Object.entries(raw.organizations ?? {})) {
      if (typeof org === "string") readOrganization(name, resolve(dir, org));
      else organizations.set(name, { raw: org, dir });
    }
  }
  if (problems.length > 0) return { problems };

  const connections = new Map<string, ConnectionConfig>();
  const addConnection = (name: string, c: RawConnection, from: string, path: readonly string[], organization?: string): void => {
    const url = c.url !== undefined && URL.canParse(c.url) ? new URL(c.url) : undefined;
    if (c.url !== undefined && !url) at([...path, "url"], message("DEP001", "notUrl"));
    // A URL is shown in messages and logs; a credential in it would be too.
    if (url && (url.username !== "" || url.password !== "" || url.search !== "")) at([...path, "url"], message("DEP002", "inUrl"));
    if ((c.url === undefined) === (c.file === undefined)) {
      at(path, message("DEP001", "urlOrFile"));
      return;
    }
    connections.set(name, {
      name,
      ...(organization !== undefined ? { organization } : {}),
      system: c.system ?? path.at(-1)!,
      ...(c.url !== undefined ? { url: c.url } : {}),
      ...(c.file !== undefined ? { file: resolve(from, c.file) } : {}),
      ...(c.token ? { token: secretRef(c.token, from) } : {}),
      ...(c.webhookSecret ? { webhookSecret: secretRef(c.webhookSecret, from) } : {}),
      extraHosts: c.hosts ?? [],
      ...(c.sample !== undefined ? { sample: resolve(from, c.sample) } : {}),
      ...(c.pageSize !== undefined ? { pageSize: c.pageSize } : {}),
      ...(c.readLimits !== undefined ? { readLimits: c.readLimits } : {}),
      path,
    });
  };
  for (const [name, c] of Object.entries(raw.connections ?? {})) addConnection(name, c, dir, ["connections", name]);
  for (const [org, { raw: o, dir: from }] of organizations) {
    for (const [name, c] of Object.entries(o.connections ?? {})) addConnection(`${org}/${name}`, c, from, ["organizations", org, "connections", name], org);
  }

  if (typeof raw.state === "string" && POSTGRES_URL.test(raw.state)) {
    // The file is reviewed and committed: a password belongs in the environment.
    if (!URL.canParse(raw.state)) at(["state"], message("DEP001", "notPostgresUrl"));
    else if (new URL(raw.state).password !== "") at(["state"], message("DEP002", "stateUrl"));
  }

  // Schedules as written, read once each: two thousand organizations write the same few.
  const schedules = new Map<string, Schedule | null | { error: string }>();
  const badSchedules = new Set<string>();
  const reconcileOf = (text: string, path: readonly string[]): Schedule | null => {
    let read = schedules.get(text);
    if (read === undefined) {
      const parsed = text.trim() === "never" ? null : parseSchedule(text);
      read = parsed === null ? null : "error" in parsed ? { error: parsed.error } : parsed.schedule;
      schedules.set(text, read);
    }
    // A schedule that is not one is reported wherever it is written, once.
    if (read !== null && "error" in read) {
      const where = path.join("\0");
      if (!badSchedules.has(where)) at(path, message("DEP001", "badReconcile", { reason: read.error }));
      badSchedules.add(where);
      return null;
    }
    return read;
  };

  const integrations = new Map<string, IntegrationConfig>();
  const templates = raw.integrations ?? {};
  const addIntegration = (name: string, template: RawIntegration | undefined, own: RawIntegration | undefined, organization?: { readonly name: string } & ReadOrganization): void => {
    const qualified = organization ? `${organization.name}/${name}` : name;
    const templatePath = ["integrations", name];
    const ownPath = organization ? ["organizations", organization.name, "integrations", name] : templatePath;
    const pathOf = (setting?: IntegrationSetting): readonly string[] => {
      if (setting === undefined) return own ? ownPath : templatePath;
      return own?.[setting] !== undefined ? [...ownPath, setting] : template?.[setting] !== undefined ? [...templatePath, setting] : own ? ownPath : templatePath;
    };
    const spec = own?.spec !== undefined ? resolve(organization?.dir ?? dir, own.spec) : resolve(dir, template!.spec!);
    const params = Object.entries({ ...template?.params, ...own?.params }).map(([param, value]) => [param, typeof value === "string" ? value : JSON.stringify(value)] as const);
    // A connection named in a route: the organization's own, else the deployment's.
    const scoped = (target: string): string | undefined => (organization && connections.has(`${organization.name}/${target}`) ? `${organization.name}/${target}` : connections.has(target) && connections.get(target)!.organization === undefined ? target : undefined);
    const routes = new Map<string, string>();
    for (const [system, target] of Object.entries({ ...template?.connections, ...own?.connections })) {
      const found = scoped(target);
      if (found) routes.set(system, found);
      else {
        // Where this route is written: the organization's own, or the one every organization takes.
        const path = own?.connections?.[system] !== undefined ? [...ownPath, "connections", system] : [...templatePath, "connections", system];
        const available = [...new Set([...connections.values()].filter((c) => c.organization === undefined || c.organization === organization?.name).map((c) => c.path.at(-1)!))].join(", ") || "none";
        const name = JSON.stringify(target);
        at(path, organization ? message("DEP003", "noConnectionFor", { name, organization: organization.name, connections: available }) : message("DEP003", "noConnection", { name, connections: available }));
      }
    }
    // The most particular setting: the organization's integration, the organization, the integration every organization runs, the deployment.
    const written =
      own?.reconcile !== undefined
        ? ([own.reconcile, [...ownPath, "reconcile"]] as const)
        : organization?.raw.reconcile !== undefined
          ? ([organization.raw.reconcile, ["organizations", organization.name, "reconcile"]] as const)
          : template?.reconcile !== undefined
            ? ([template.reconcile, [...templatePath, "reconcile"]] as const)
            : ([raw.reconcile ?? DEFAULT_RECONCILE, ["reconcile"]] as const);
    integrations.set(qualified, {
      name: qualified,
      ...(organization ? { organization: organization.name } : {}),
      spec,
      params,
      connections: routes,
      reconcile: reconcileOf(written[0], written[1]),
      connectionOf: (system) => routes.get(system) ?? scoped(system) ?? system,
      pathOf,
      ...(organization ? { maxRuns: organization.raw.maxRuns ?? raw.maxRunsPerOrganization ?? DEFAULT_MAX_RUNS } : {}),
    });
  };
  if (raw.organizations === undefined) {
    for (const [name, template] of Object.entries(templates)) addIntegration(name, template, undefined);
  } else {
    for (const [org, read] of organizations) {
      const own = read.raw.integrations ?? {};
      for (const name of new Set([...Object.keys(templates), ...Object.keys(own)])) {
        const mine = own[name];
        if (mine === false) {
          // Turning off what no organization runs is a misspelling, not a choice.
          if (!Object.hasOwn(templates, name)) at(["organizations", org, "integrations", name], message("DEP003", "noneToTurnOff", { organization: org, name, integrations: Object.keys(templates).join(", ") || "none" }));
          continue;
        }
        if (mine !== undefined && mine.spec === undefined && !Object.hasOwn(templates, name)) {
          at(["organizations", org, "integrations", name], message("DEP003", "noTemplate", { organization: org, name, integrations: Object.keys(templates).join(", ") || "none" }));
          continue;
        }
        addIntegration(name, templates[name], mine, { name: org, ...read });
      }
    }
  }
  if (integrations.size === 0 && problems.length === 0) at(raw.organizations === undefined ? ["integrations"] : ["organizations"], message("DEP001", "noIntegrations"));
  if (problems.length > 0) return { problems };

  return {
    file,
    state: stateLocation(raw.state, dir),
    server: { host: raw.server?.host ?? "127.0.0.1", port: raw.server?.port ?? 8787 },
    connections,
    integrations,
    organizations: new Map(
      [...organizations].map(([name, o]) => [name, { name, maxRuns: o.raw.maxRuns ?? raw.maxRunsPerOrganization ?? DEFAULT_MAX_RUNS, ...(o.file !== undefined ? { file: o.file } : {}) }]),
    ),
    place,
  };
}

/** A credential written into the file, as a string or a number (an unquoted PIN or numeric key): refused, with how to name it instead. */
function refuseWrittenSecrets(connections: unknown, path: readonly string[], at: (path: readonly string[], why: Message) => void): void {
  if (!connections || typeof connections !== "object") return;
  for (const [name, connection] of Object.entries(connections)) {
    for (const secret of ["token", "webhookSecret"]) {
      const value = (connection as Record<string, unknown> | null)?.[secret];
      if (typeof value === "string" || typeof value === "number") {
        const variable = `${[...path.slice(1, -1), name].join("_").toUpperCase().replace(/-/g, "_")}_${secret === "token" ? "TOKEN" : "WEBHOOK_SECRET"}`;
        at([...path, name, secret], message("DEP002", "inFile", { setting: secret, variable }));
      }
    }
  }
}

function secretRef(ref: RawSecretRef, from: string): SecretRef {
  return "env" in ref ? { env: ref.env } : { file: resolve(from, ref.file) };
}

function unreadable(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === "ENOENT" || code === "ENOTDIR") return "there is no such file or folder";
  if (code === "EACCES" || code === "EPERM") return "this user may not read it";
  if (code === "EISDIR") return "it is a folder";
  return (error as Error).message;
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
