// integrations/<system>/connector.yaml: how a system is reached over HTTP (its pagination
// style, page size, and the actor its events show for the engine's own writes). Checked with
// ajv against CONNECTOR_SETTINGS_SCHEMA; a problem names the file, the line and the field.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { parseDocument } from "yaml";
import { problem, type Problem } from "../diagnostics/problem.js";
import { lineColumn } from "../json/parse.js";
import { escapePointer, pointerPath } from "../json/pointer.js";
import { yamlKeySpan, yamlSpan } from "../source/yaml-span.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";

export const PAGINATION_STYLES = ["skip-take", "page-next-link", "offset-limit", "next-records-url"] as const;
export type PaginationStyle = (typeof PAGINATION_STYLES)[number];

export interface ConnectorSettings {
  readonly pagination: PaginationStyle;
  /** Records asked for per page. */
  readonly pageSize: number;
  /** The actor the system's events name for a write the engine made; absent when its events carry no actor. */
  readonly writesAs?: string;
}

export const DEFAULT_PAGE_SIZE = 100;

export const CONNECTOR_SETTINGS_SCHEMA = {
  type: "object",
  required: ["pagination"],
  additionalProperties: false,
  properties: {
    pagination: { enum: [...PAGINATION_STYLES] },
    pageSize: { type: "integer", minimum: 1, maximum: 10000 },
    writesAs: { type: "string", minLength: 1 },
  },
} as const;

const validateSettings = new Ajv({ allErrors: true, strict: false }).compile(CONNECTOR_SETTINGS_SCHEMA);

/** Where a system's connector.yaml is: beside its system.yaml. */
export function connectorSettingsFile(system: SystemDefinition): string {
  return join(dirname(system.file), "connector.yaml");
}

/** Every system's settings; a system whose connector.yaml is missing or wrong is left out and reported. */
export function loadConnectorSettings(systems: SystemCatalog): { settings: Map<string, ConnectorSettings>; problems: Problem[] } {
  const settings = new Map<string, ConnectorSettings>();
  const problems: Problem[] = [];
  for (const system of systems.values()) {
    const read = readConnectorSettings(system);
    problems.push(...read.problems);
    if (read.settings) settings.set(system.name, read.settings);
  }
  return { settings, problems };
}

export function readConnectorSettings(system: SystemDefinition, file = connectorSettingsFile(system)): { settings?: ConnectorSettings; problems: Problem[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { problems: [problem("INP001", { file }, `cannot read the file; ${system.name} needs a connector.yaml beside its system.yaml to be reached over HTTP`)] };
  }
  return parseConnectorSettings(text, file, system);
}

export function parseConnectorSettings(text: string, file: string, system: SystemDefinition): { settings?: ConnectorSettings; problems: Problem[] } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => problem(e.code === "DUPLICATE_KEY" ? "INP004" : "INP003", { file, ...lineColumn(text, e.pos[0]) }, `not valid YAML: ${e.message.split("\n")[0]!}`)),
    };
  }
  const data = (doc.toJS() as unknown) ?? {};
  const problems: Problem[] = [];
  if (!validateSettings(data)) {
    for (const error of validateSettings.errors ?? []) {
      const path = pointerPath(error.instancePath);
      const extra = error.keyword === "additionalProperties" ? String(error.params["additionalProperty"]) : undefined;
      // A setting that does not exist is shown at its own name, not at the whole file.
      const at = extra !== undefined ? lineColumn(text, yamlKeySpan(doc, [extra]).start) : lineColumn(text, yamlSpan(doc, path).start);
      problems.push(problem("CON001", { file, ...at, pointer: extra !== undefined ? `${error.instancePath}/${escapePointer(extra)}` : error.instancePath }, settingsMessage(error.keyword, error.params, error.message)));
    }
    return { problems };
  }
  const raw = data as { pagination: PaginationStyle; pageSize?: number; writesAs?: string };
  if (raw.writesAs !== undefined && !system.actors.includes(raw.writesAs)) {
    const actors = system.actors.length > 0 ? `its actors are ${system.actors.join(", ")}` : "its events carry no actor, so leave writesAs out";
    problems.push(problem("CON001", { file, ...lineColumn(text, yamlSpan(doc, ["writesAs"]).start), pointer: "/writesAs" }, `${system.name} has no actor ${JSON.stringify(raw.writesAs)}; ${actors}`));
    return { problems };
  }
  return {
    settings: { pagination: raw.pagination, pageSize: raw.pageSize ?? DEFAULT_PAGE_SIZE, ...(raw.writesAs !== undefined ? { writesAs: raw.writesAs } : {}) },
    problems,
  };
}

function settingsMessage(keyword: string, params: Record<string, unknown>, message: string | undefined): string {
  if (keyword === "enum") return `pagination must be one of ${PAGINATION_STYLES.join(", ")}`;
  if (keyword === "required") return `the setting "${String(params["missingProperty"])}" is missing (one of ${PAGINATION_STYLES.join(", ")})`;
  if (keyword === "additionalProperties") return `there is no setting "${String(params["additionalProperty"])}"; the settings are pagination, pageSize and writesAs`;
  if (keyword === "type" && params["type"] === "object") return "connector.yaml holds settings such as `pagination: skip-take`";
  return `${message ?? "is invalid"}`;
}
