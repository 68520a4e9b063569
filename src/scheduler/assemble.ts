// From a deployment to the parts of a service: each spec compiled against the systems (or a
// compiled plan file read back and checked against them), its params and schedules resolved,
// each connection's connector made with its credentials from the environment. Every problem
// is found before anything runs, and all are reported at once.
import { readFileSync } from "node:fs";
import type { Connector } from "../connectors/connector.js";
import { FileConnector } from "../connectors/file-connector.js";
import { HttpConnector, type HttpConnectorOptions } from "../connectors/http-connector.js";
import type { RetryWait } from "../connectors/http-client.js";
import { redactor, type Redact } from "../connectors/redact.js";
import { readConnectorSettings } from "../connectors/settings.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { renderProblem } from "../diagnostics/render.js";
import { counted } from "../diagnostics/lists.js";
import { specOrPlan } from "../language/plan-file.js";
import { resolveParams } from "../input/params.js";
import type { WebhookConnection } from "../connectors/webhook-event.js";
import { webhookSecretProblem } from "../connectors/webhook-signature.js";
import type { SystemCatalog } from "../language/systems/load.js";
import type { Deployment } from "./deployment.js";
import { credentialsOf, readSecret, secretPlace, type NamedValues } from "./secrets.js";
import type { LoadedIntegration } from "./run-integration.js";
import { reconciliation, scheduledTriggers } from "./schedules.js";

export interface ServiceConnection {
  readonly connector: Connector;
  readonly system: string;
  readonly writesAs?: string;
}

export interface Assembled {
  readonly integrations: LoadedIntegration[];
  readonly connections: Map<string, ServiceConnection>;
  readonly webhooks: Map<string, WebhookConnection>;
  /** Every credential of the deployment out of a text: for the service (ServiceOptions.redact) and all it prints. */
  readonly redact: Redact;
}

export interface AssembleOptions {
  readonly systems: SystemCatalog;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Connection -> a URL that stands in for the deployment's (the sandbox's servers). */
  readonly urls?: ReadonlyMap<string, string>;
  /** Connection -> credentials that stand in for the ones the deployment names (the sandbox's own). */
  readonly credentials?: ReadonlyMap<string, NamedValues>;
  /** Over the HTTP connectors' defaults (retries, timeouts): for embedding and tests. */
  readonly http?: Pick<HttpConnectorOptions, "retry" | "timeouts" | "sleep">;
  /** How a path is shown in messages (relative to the working folder). */
  readonly show?: (path: string) => string;
  /** Told of each wait an HTTP connection makes before a retry (a 429's Retry-After, a backoff). */
  readonly onWait?: (connection: string, wait: RetryWait) => void;
}

/**
 * Why a deployment cannot run: every problem with its code and place, and what to print, in
 * order: each problem rendered, and after a spec's DEP005 the spec's own diagnostics.
 */
export interface AssemblyProblems {
  readonly problems: Problem[];
  readonly report: string[];
}

export function assemble(deployment: Deployment, options: AssembleOptions): Assembled | AssemblyProblems {
  const { systems, env } = options;
  const show = options.show ?? ((p: string) => p);
  const problems: Problem[] = [];
  const report: string[] = [];
  const file = show(deployment.file);
  const add = (p: Problem): void => {
    problems.push(p);
    report.push(renderProblem(p));
  };
  // A problem at a setting of the deployment (or of an organization's file), by its path: the line of the setting an author would change.
  const at = (path: readonly string[], why: Message): void => {
    const where = deployment.place(path);
    add(problem({ ...where, file: show(where.file) }, why));
  };

  const integrations: LoadedIntegration[] = [];
  const used = new Set<string>();
  // Each spec is read and compiled once, however many organizations run it.
  const compiled = new Map<string, { loaded: ReturnType<typeof specOrPlan> } | { unreadable: "folder" | "file" }>();
  const reported = new Set<string>();
  for (const config of deployment.integrations.values()) {
    let found = compiled.get(config.spec);
    if (!found) {
      try {
        found = { loaded: specOrPlan(config.spec, readFileSync(config.spec, "utf8"), show(config.spec), systems) };
      } catch (error) {
        found = { unreadable: (error as { code?: string }).code === "EISDIR" ? "folder" : "file" };
      }
      compiled.set(config.spec, found);
    }
    if ("unreadable" in found) {
      // A folder is named where a spec belongs: the name does not resolve to a spec; anything else is a file that cannot be read.
      if (found.unreadable === "folder") at(config.pathOf("spec"), message("DEP003", "specIsFolder", { spec: show(config.spec) }));
      else at(config.pathOf("spec"), message("INP001", "specUnreadable", { spec: show(config.spec) }));
      continue;
    }
    // A spec is compiled; a plan compiled from one (`syncspec compile SPEC -o FILE`) is read
    // back, and refused when its systems' definitions have changed since.
    const loaded = found.loaded;
    if (!loaded.plan) {
      // The spec's own problems once, after the first integration that runs it.
      const first = !reported.has(config.spec);
      reported.add(config.spec);
      if (loaded.kind === "plan") {
        at(config.pathOf("spec"), message("DEP005", "planRefused", { integration: config.name, spec: show(config.spec), problems: counted(loaded.problems.length, "problem") }));
        if (first) for (const p of loaded.problems) add(p);
      } else {
        const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
        at(config.pathOf("spec"), message("DEP005", "doesNotCompile", { integration: config.name, spec: show(config.spec), errors: counted(errors, "error") }));
        if (first) report.push(...loaded.messages);
      }
      continue;
    }
    const plan = loaded.plan;
    const routes = new Map<string, string>();
    for (const system of [plan.systems.left, plan.systems.right]) {
      const name = config.connectionOf(system);
      const connection = deployment.connections.get(name);
      if (!connection) {
        at(config.pathOf(), message("DEP003", "undefinedConnection", { integration: config.name, system, name: JSON.stringify(name) }));
      } else if (connection.system !== system) {
        at([...config.pathOf("connections"), system], message("DEP003", "otherSystem", { name: JSON.stringify(name), to: connection.system, system }));
      }
      routes.set(system, name);
      used.add(name);
    }
    const params = resolveParams(plan, config.params, `${file} (${config.pathOf("params").join(".")})`);
    if ("problems" in params) {
      // Their codes (PAR) and messages as resolveParams gives them, placed at the integration's params in the file.
      const where = deployment.place(config.pathOf("params"));
      for (const p of params.problems) add({ ...p, ...where, file: show(where.file) });
      continue;
    }
    const schedules = scheduledTriggers(plan, params);
    if ("problem" in schedules) {
      at(config.pathOf("params"), schedules.problem);
      continue;
    }
    const reconcile = config.reconcile ? [reconciliation(plan, config.reconcile)] : [];
    integrations.push({
      name: config.name,
      plan,
      params,
      connections: routes,
      schedules: [...schedules.triggers, ...reconcile],
      ...(config.organization !== undefined && config.maxRuns !== undefined ? { limit: { organization: config.organization, maxRuns: config.maxRuns } } : {}),
    });
  }

  const connections = new Map<string, ServiceConnection>();
  // Each system's connector.yaml read once, however many organizations' connections reach it.
  const settingsOf = new Map<string, ReturnType<typeof readConnectorSettings>>();
  const webhooks = new Map<string, WebhookConnection>();
  for (const connection of deployment.connections.values()) {
    if (!used.has(connection.name)) continue;
    const system = systems.get(connection.system);
    if (!system) {
      at([...connection.path, "system"], message("DEP003", "noSystem", { name: JSON.stringify(connection.system), systems: [...systems.keys()].join(", ") }));
      continue;
    }
    const given = options.credentials?.get(connection.name);
    const secret = given?.webhookSecret !== undefined ? { value: given.webhookSecret } : readSecret(connection.webhookSecret, env, message("DEP004", "webhookSecretOf", { connection: connection.name }).text);
    const malformed = secret.value !== undefined ? webhookSecretProblem(secret.value) : undefined;
    if (secret.problem) at([...connection.path, "webhookSecret"], secret.problem);
    else if (malformed) at([...connection.path, "webhookSecret"], message("DEP004", "notASecret", { where: connection.webhookSecret ? secretPlace(connection.webhookSecret) : "the sandbox", reason: malformed }));
    webhooks.set(connection.name, { system, ...(secret.value ? { secret: secret.value } : {}) });
    if (connection.file !== undefined) {
      connections.set(connection.name, { connector: new FileConnector({ system, file: connection.file }), system: system.name });
      continue;
    }
    let settings = settingsOf.get(system.name);
    const first = !settings;
    if (!settings) settingsOf.set(system.name, (settings = readConnectorSettings(system)));
    if (!settings.settings) {
      if (first) for (const p of settings.problems) add({ ...p, file: show(p.file) });
      continue;
    }
    const token = given?.token !== undefined ? { value: given.token } : readSecret(connection.token, env, message("DEP004", "tokenOf", { connection: connection.name }).text);
    if (token.problem) at([...connection.path, "token"], token.problem);
    if (!connection.token) at(connection.path, message("DEP001", "noToken"));
    if (!token.value) continue;
    const url = options.urls?.get(connection.name) ?? connection.url!;
    const host = new URL(url).host;
    connections.set(connection.name, {
      connector: new HttpConnector({
        ...options.http,
        system,
        settings: { ...settings.settings, ...(connection.pageSize ? { pageSize: connection.pageSize } : {}) },
        ...(connection.readLimits ? { readLimits: connection.readLimits } : {}),
        baseUrl: url,
        token: token.value,
        allowedHosts: [host, ...connection.extraHosts],
        ...(options.onWait ? { onWait: (wait: RetryWait) => options.onWait!(connection.name, wait) } : {}),
      }),
      system: system.name,
      ...(settings.settings.writesAs !== undefined ? { writesAs: settings.settings.writesAs } : {}),
    });
  }
  if (problems.length > 0) {
    for (const c of connections.values()) void c.connector.close();
    return { problems, report };
  }
  return { integrations, connections, webhooks, redact: redactor(credentialsOf(deployment.connections.values(), env, options.credentials)) };
}

