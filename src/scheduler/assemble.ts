// From a deployment to the parts of a service: each spec compiled against the systems (or a
// compiled plan file read back and checked against them), its params and schedules resolved,
// each connection's connector made with its credentials from the environment. Every problem
// is found before anything runs, and all are reported at once.
import { readFileSync } from "node:fs";
import type { Connector } from "../connectors/connector.js";
import { FileConnector } from "../connectors/file-connector.js";
import { HttpConnector, type HttpConnectorOptions } from "../connectors/http-connector.js";
import { readConnectorSettings } from "../connectors/settings.js";
import type { Code } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { renderProblem } from "../diagnostics/render.js";
import { specOrPlan } from "../language/plan-file.js";
import { resolveParams } from "../input/params.js";
import type { WebhookConnection } from "../connectors/webhook-event.js";
import { webhookSecretProblem } from "../connectors/webhook-signature.js";
import type { SystemCatalog } from "../language/systems/load.js";
import { credential, type Deployment } from "./deployment.js";
import type { LoadedIntegration } from "./run-integration.js";
import { scheduledTriggers } from "./schedules.js";

export interface ServiceConnection {
  readonly connector: Connector;
  readonly system: string;
  readonly writesAs?: string;
}

export interface Assembled {
  readonly integrations: LoadedIntegration[];
  readonly connections: Map<string, ServiceConnection>;
  readonly webhooks: Map<string, WebhookConnection>;
}

export interface AssembleOptions {
  readonly systems: SystemCatalog;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Connection -> a URL that stands in for the deployment's (the sandbox's servers). */
  readonly urls?: ReadonlyMap<string, string>;
  /** Over the HTTP connectors' defaults (retries, timeouts): for embedding and tests. */
  readonly http?: Pick<HttpConnectorOptions, "retry" | "timeouts" | "sleep">;
  /** How a path is shown in messages (relative to the working folder). */
  readonly show?: (path: string) => string;
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
  // A problem at a setting of the deployment file, by its path: the line of the setting an author would change.
  const at = (code: Code, path: readonly string[], message: string): void => add(problem(code, { ...deployment.place(path), file }, message));

  const integrations: LoadedIntegration[] = [];
  const used = new Set<string>();
  for (const config of deployment.integrations.values()) {
    let text: string;
    try {
      text = readFileSync(config.spec, "utf8");
    } catch (error) {
      // A folder is named where a spec belongs: the name does not resolve to a spec; anything else is a file that cannot be read.
      if ((error as { code?: string }).code === "EISDIR") at("DEP003", ["integrations", config.name, "spec"], `${show(config.spec)} is a folder, not a spec or a plan file`);
      else at("INP001", ["integrations", config.name, "spec"], `${show(config.spec)} cannot be read`);
      continue;
    }
    // A spec is compiled; a plan compiled from one (`syncspec compile SPEC -o FILE`) is read
    // back, and refused when its systems' definitions have changed since.
    const loaded = specOrPlan(config.spec, text, show(config.spec), systems);
    if (!loaded.plan) {
      if (loaded.kind === "plan") {
        at("DEP005", ["integrations", config.name, "spec"], `${config.name} cannot run: the plan file ${show(config.spec)} is refused (${count(loaded.problems.length, "problem")} below)`);
        for (const p of loaded.problems) add(p);
      } else {
        const errors = loaded.diagnostics.filter((d) => d.severity === "error").length;
        at("DEP005", ["integrations", config.name, "spec"], `${config.name} cannot run: ${show(config.spec)} does not compile (${count(errors, "error")} below)`);
        report.push(...loaded.messages);
      }
      continue;
    }
    const plan = loaded.plan;
    const routes = new Map<string, string>();
    for (const system of [plan.systems.left, plan.systems.right]) {
      const name = config.connections.get(system) ?? system;
      const connection = deployment.connections.get(name);
      if (!connection) {
        at("DEP003", ["integrations", config.name], `${config.name} reaches ${system} through the connection ${JSON.stringify(name)}, which the deployment does not define; add it under connections, or name another with connections: {${system}: NAME}`);
      } else if (connection.system !== system) {
        at("DEP003", ["integrations", config.name, "connections", system], `the connection ${JSON.stringify(name)} is to ${connection.system}, not ${system}`);
      }
      routes.set(system, name);
      used.add(name);
    }
    const params = resolveParams(plan, config.params, `${file} (integrations.${config.name}.params)`);
    if ("problems" in params) {
      // Their codes (PAR) and messages as resolveParams gives them, placed at the integration's params in the file.
      for (const p of params.problems) add({ ...p, ...deployment.place(["integrations", config.name, "params"]), file });
      continue;
    }
    const schedules = scheduledTriggers(plan, params);
    if ("problem" in schedules) {
      at("PAR002", ["integrations", config.name, "params"], schedules.problem);
      continue;
    }
    integrations.push({ name: config.name, plan, params, connections: routes, schedules: schedules.triggers });
  }

  const connections = new Map<string, ServiceConnection>();
  const webhooks = new Map<string, WebhookConnection>();
  for (const connection of deployment.connections.values()) {
    if (!used.has(connection.name)) continue;
    const system = systems.get(connection.system);
    if (!system) {
      at("DEP003", ["connections", connection.name, "system"], `there is no system ${JSON.stringify(connection.system)}; the systems are ${[...systems.keys()].join(", ")}`);
      continue;
    }
    const secret = credential(env, connection.webhookSecretEnv, `the webhook secret of ${connection.name}`);
    const malformed = secret.value !== undefined ? webhookSecretProblem(secret.value) : undefined;
    if (secret.problem || malformed) at("DEP004", ["connections", connection.name, "webhookSecret"], secret.problem ?? `the variable ${connection.webhookSecretEnv} does not hold a webhook secret: ${malformed}`);
    webhooks.set(connection.name, { system, ...(secret.value ? { secret: secret.value } : {}) });
    if (connection.file !== undefined) {
      connections.set(connection.name, { connector: new FileConnector({ system, file: connection.file }), system: system.name });
      continue;
    }
    const settings = readConnectorSettings(system);
    if (!settings.settings) {
      for (const p of settings.problems) add({ ...p, file: show(p.file) });
      continue;
    }
    const token = credential(env, connection.tokenEnv, `the token of ${connection.name}`);
    if (token.problem) at("DEP004", ["connections", connection.name, "token"], token.problem);
    if (!connection.tokenEnv) at("DEP001", ["connections", connection.name], "an HTTP connection needs a token: {env: VARIABLE}");
    if (!token.value) continue;
    const url = options.urls?.get(connection.name) ?? connection.url!;
    const host = new URL(url).host;
    connections.set(connection.name, {
      connector: new HttpConnector({
        ...options.http,
        system,
        settings: { ...settings.settings, ...(connection.pageSize ? { pageSize: connection.pageSize } : {}) },
        baseUrl: url,
        token: token.value,
        allowedHosts: [host, ...connection.extraHosts],
      }),
      system: system.name,
      ...(settings.settings.writesAs !== undefined ? { writesAs: settings.settings.writesAs } : {}),
    });
  }
  if (problems.length > 0) {
    for (const c of connections.values()) void c.connector.close();
    return { problems, report };
  }
  return { integrations, connections, webhooks };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}
