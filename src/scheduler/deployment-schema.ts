// The shape of a deployment file, and of an organization's settings (inline under
// `organizations:`, or in a file of their own), as JSON Schemas; and the words that say which
// settings belong where, for the author who wrote one that does not.
import { Ajv, type ErrorObject } from "ajv";
import { message, type Message } from "../diagnostics/catalog.js";
import { READ_LIMITS_SCHEMA, type ReadLimits } from "../connectors/settings.js";
import { pointerPath } from "../json/pointer.js";

export const NAME = "^[a-z][a-z0-9_-]*$";
const VARIABLE = "^[A-Za-z_][A-Za-z0-9_]*$";
/** A credential's place: an environment variable, or a file that holds it; one of the two. */
const SECRET_REF = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  properties: { env: { type: "string", pattern: VARIABLE }, file: { type: "string", minLength: 1 } },
};
const ENV_REF = { type: "object", required: ["env"], additionalProperties: false, properties: { env: { type: "string", pattern: VARIABLE } } };
const MAX_RUNS = { type: "integer", minimum: 1, maximum: 1000 };

const CONNECTIONS = {
  type: "object",
  propertyNames: { pattern: NAME },
  additionalProperties: {
    type: "object",
    additionalProperties: false,
    properties: {
      system: { type: "string", pattern: NAME },
      url: { type: "string", pattern: "^https?://" },
      file: { type: "string", minLength: 1 },
      token: SECRET_REF,
      webhookSecret: SECRET_REF,
      hosts: { type: "array", items: { type: "string", minLength: 1 } },
      sample: { type: "string", minLength: 1 },
      pageSize: { type: "integer", minimum: 1, maximum: 10000 },
      // Over the system's connector.yaml: the bounds of one whole read of this connection.
      readLimits: READ_LIMITS_SCHEMA,
    },
  },
};

const INTEGRATION = {
  type: "object",
  additionalProperties: false,
  properties: {
    spec: { type: "string", minLength: 1 },
    params: { type: "object" },
    connections: { type: "object", additionalProperties: { type: "string", pattern: NAME } },
    reconcile: { type: "string", minLength: 1 },
  },
};

/** An organization's settings: its connections, and its integrations over (or besides) the ones every organization runs. */
const ORGANIZATION = {
  type: "object",
  additionalProperties: false,
  properties: {
    maxRuns: MAX_RUNS,
    reconcile: { type: "string", minLength: 1 },
    connections: CONNECTIONS,
    integrations: {
      type: "object",
      propertyNames: { pattern: NAME },
      // false: one that every organization runs, which this one does not.
      additionalProperties: { type: ["object", "boolean"], if: { type: "boolean" }, then: { const: false }, else: INTEGRATION },
    },
  },
};

const DEPLOYMENT = {
  type: "object",
  additionalProperties: false,
  properties: {
    state: { type: ["string", "object"], minLength: 1, if: { type: "object" }, then: ENV_REF },
    reconcile: { type: "string", minLength: 1 },
    server: {
      type: "object",
      additionalProperties: false,
      properties: { host: { type: "string", minLength: 1 }, port: { type: "integer", minimum: 0, maximum: 65535 } },
    },
    connections: CONNECTIONS,
    integrations: { type: "object", propertyNames: { pattern: NAME }, additionalProperties: { ...INTEGRATION, required: ["spec"] } },
    maxRunsPerOrganization: MAX_RUNS,
    // A map of organizations, each inline or a file of its own; or a folder with one file for each.
    organizations: {
      type: ["string", "object"],
      minLength: 1,
      propertyNames: { pattern: NAME },
      additionalProperties: { type: ["string", "object"], minLength: 1, if: { type: "object" }, then: ORGANIZATION },
    },
  },
} as const;

export type RawSecretRef = { env: string } | { file: string };

export interface RawConnection {
  system?: string;
  url?: string;
  file?: string;
  token?: RawSecretRef;
  webhookSecret?: RawSecretRef;
  hosts?: string[];
  sample?: string;
  pageSize?: number;
  readLimits?: Partial<ReadLimits>;
}

export interface RawIntegration {
  spec?: string;
  params?: Record<string, unknown>;
  connections?: Record<string, string>;
  reconcile?: string;
}

export interface RawOrganization {
  maxRuns?: number;
  reconcile?: string;
  connections?: Record<string, RawConnection>;
  integrations?: Record<string, RawIntegration | false>;
}

export interface RawDeployment {
  state?: string | { env: string };
  reconcile?: string;
  server?: { host?: string; port?: number };
  connections?: Record<string, RawConnection>;
  integrations?: Record<string, RawIntegration & { spec: string }>;
  maxRunsPerOrganization?: number;
  organizations?: string | Record<string, string | RawOrganization>;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validateDeployment = ajv.compile(DEPLOYMENT);
const validateOrganization = ajv.compile(ORGANIZATION);

/** A problem of shape, at a path from the deployment's top (an organization's file's paths start at ["organizations", NAME]). */
export interface ShapeProblem {
  readonly path: readonly string[];
  readonly why: Message<"DEP001">;
}

/** The shape problems of a deployment file's data (none when it fits). */
export function deploymentShape(data: unknown): ShapeProblem[] {
  if (validateDeployment(data)) return [];
  return shapeProblems(validateDeployment.errors ?? [], []);
}

/** The shape problems of an organization's settings, at ["organizations", NAME, ...]. */
export function organizationShape(data: unknown, name: string): ShapeProblem[] {
  if (validateOrganization(data)) return [];
  return shapeProblems(validateOrganization.errors ?? [], ["organizations", name]);
}

function shapeProblems(errors: readonly ErrorObject[], under: readonly string[]): ShapeProblem[] {
  const found: ShapeProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // An if/then says "must match then schema" beside the errors of its branch, which say what is wrong;
    // a name's pattern, beside the propertyNames error that says it in words.
    if (error.keyword === "if" || (error.propertyName !== undefined && error.keyword !== "propertyNames")) continue;
    const path = [...under, ...pointerPath(error.instancePath)];
    const name = error.keyword === "additionalProperties" ? (error.params as { additionalProperty: string }).additionalProperty : undefined;
    const forms = error.keyword === "type" || error.keyword === "const" || error.keyword === "minProperties" || error.keyword === "maxProperties" ? formsOf(path) : undefined;
    const why =
      name !== undefined
        ? message("DEP001", "notASetting", { name: JSON.stringify(name), allowed: allowedHere(path) })
        : error.keyword === "propertyNames"
          ? message("DEP001", "badName")
          : forms !== undefined
            ? message("DEP001", "invalid", { reason: forms })
            : // Another keyword: ajv's own words, which are data here.
              message("DEP001", "invalid", { reason: error.message ?? "is invalid" });
    // A name refused is pointed at where it is written.
    const named = name ?? (error.keyword === "propertyNames" ? (error.params as { propertyName?: string }).propertyName : undefined);
    const at = named !== undefined ? [...path, named] : path;
    const key = `${at.join("\0")}\0${why.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ path: at, why });
  }
  return found;
}

/** What a setting that takes several forms should be, where the value is none of them. */
function formsOf(path: readonly string[]): string | undefined {
  const last = path.at(-1);
  if (path.at(-3) === "connections" || path[0] === "connections") if (last === "token" || last === "webhookSecret") return message("DEP001", "secretRef").text;
  if (path.length === 1 && path[0] === "state") return message("DEP001", "stateForms").text;
  if (path.length === 1 && path[0] === "organizations") return message("DEP001", "organizationsForms").text;
  if (path[0] === "organizations" && path.length === 2) return message("DEP001", "organizationForms").text;
  if (path[0] === "organizations" && path.length === 4 && path[2] === "integrations") return message("DEP001", "orgIntegrationForms").text;
  return undefined;
}

/** The settings allowed at a path, in words. */
export function allowedHere(path: readonly string[]): string {
  if (path.length === 0) return message("DEP001", "deploymentHas").text;
  if (path[0] === "organizations") {
    const inner = path.slice(2);
    if (inner.length === 0) return message("DEP001", "organizationHas").text;
    return allowedHere(inner);
  }
  if (path[0] === "server") return message("DEP001", "serverHas").text;
  if (path[0] === "connections" && path[2] === "readLimits") return message("DEP001", "readLimitsHas").text;
  if (path[0] === "connections" && (path[2] === "token" || path[2] === "webhookSecret")) return message("DEP001", "secretRef").text;
  if (path[0] === "connections") return message("DEP001", "connectionHas").text;
  return message("DEP001", "integrationHas").text;
}
