// From a deployment to the parts of a service: each spec compiled against the systems (or a
// compiled plan file read back and checked against them), its params and schedules resolved,
// each connection's connector made with its credentials from the environment. Every problem
// is found before anything runs, and all are reported at once.
import { readFileSync } from "node:fs";
import type { Connector } from "../connectors/connector.js";
import { FileConnector } from "../connectors/file-connector.js";
import { HttpConnector, type HttpConnectorOptions } from "../connectors/http-connector.js";
import { readConnectorSettings } from "../connectors/settings.js";
import { formatProblem } from "../diagnostics/input-problem.js";
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

export function assemble(deployment: Deployment, options: AssembleOptions): Assembled | { problems: string[] } {
  const { systems, env } = options;
  const show = options.show ?? ((p: string) => p);
  const problems: string[] = [];
  const where = (path: string) => `${show(deployment.file)}: ${path}`;

  const integrations: LoadedIntegration[] = [];
  const used = new Set<string>();
  for (const config of deployment.integrations.values()) {
    let text: string;
    try {
      text = readFileSync(config.spec, "utf8");
    } catch {
      problems.push(`${where(`/integrations/${config.name}/spec`)}: ${show(config.spec)} cannot be read`);
      continue;
    }
    // A spec is compiled; a plan compiled from one (`syncspec compile SPEC -o FILE`) is read
    // back, and refused when its systems' definitions have changed since.
    const loaded = specOrPlan(config.spec, text, show(config.spec), systems);
    if (!loaded.plan) {
      problems.push(...loaded.messages);
      continue;
    }
    const plan = loaded.plan;
    const routes = new Map<string, string>();
    for (const system of [plan.systems.left, plan.systems.right]) {
      const name = config.connections.get(system) ?? system;
      const connection = deployment.connections.get(name);
      if (!connection) {
        problems.push(`${where(`/integrations/${config.name}`)}: ${config.name} reaches ${system} through the connection ${JSON.stringify(name)}, which the deployment does not define; add it under connections, or name another with connections: {${system}: NAME}`);
      } else if (connection.system !== system) {
        problems.push(`${where(`/integrations/${config.name}/connections/${system}`)}: the connection ${JSON.stringify(name)} is to ${connection.system}, not ${system}`);
      }
      routes.set(system, name);
      used.add(name);
    }
    const params = resolveParams(plan, config.params, `${show(deployment.file)} (integrations.${config.name}.params)`);
    if ("problems" in params) {
      problems.push(...params.problems.map(formatProblem));
      continue;
    }
    const schedules = scheduledTriggers(plan, params);
    if ("problem" in schedules) {
      problems.push(`${where(`/integrations/${config.name}/params`)}: ${schedules.problem}`);
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
      problems.push(`${where(`/connections/${connection.name}/system`)}: there is no system ${JSON.stringify(connection.system)}; the systems are ${[...systems.keys()].join(", ")}`);
      continue;
    }
    const secret = credential(env, connection.webhookSecretEnv, `the webhook secret of ${connection.name}`);
    const malformed = secret.value !== undefined ? webhookSecretProblem(secret.value) : undefined;
    if (secret.problem || malformed) problems.push(`${where(`/connections/${connection.name}/webhookSecret`)}: ${secret.problem ?? `the variable ${connection.webhookSecretEnv} does not hold a webhook secret: ${malformed}`}`);
    webhooks.set(connection.name, { system, ...(secret.value ? { secret: secret.value } : {}) });
    if (connection.file !== undefined) {
      connections.set(connection.name, { connector: new FileConnector({ system, file: connection.file }), system: system.name });
      continue;
    }
    const settings = readConnectorSettings(system);
    if (!settings.settings) {
      problems.push(...settings.problems.map(formatProblem));
      continue;
    }
    const token = credential(env, connection.tokenEnv, `the token of ${connection.name}`);
    if (token.problem) problems.push(`${where(`/connections/${connection.name}/token`)}: ${token.problem}`);
    if (!connection.tokenEnv) problems.push(`${where(`/connections/${connection.name}`)}: an HTTP connection needs a token: {env: VARIABLE}`);
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
    return { problems };
  }
  return { integrations, connections, webhooks };
}
