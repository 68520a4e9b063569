// integrations/<system>/connector.yaml: how a system is reached over HTTP (its pagination
// style, page size, the bounds of a read, and the actor its events show for the engine's own
// writes). Checked with ajv against CONNECTOR_SETTINGS_SCHEMA; a problem names the file, the
// line and the field.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { parseDocument } from "yaml";
import { message, type Message } from "../diagnostics/catalog.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { lineColumn, yamlProblem } from "../json/parse.js";
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
  /** Bounds of a read, over the defaults; a connection may set its own over these. */
  readonly readLimits?: Partial<ReadLimits>;
}

/**
 * How far one read may go. A system that keeps giving next pages or records, or answers ever
 * so slowly, would otherwise hold a read (and the integration's runs behind it) without end;
 * a read stopped by a bound is incomplete, never taken as whole.
 */
export interface ReadLimits {
  /** Pages one pass over a collection may follow. */
  readonly pages: number;
  /** Records one collection may hold. */
  readonly records: number;
  /** The whole read of a system, every collection, retries and waits included. */
  readonly seconds: number;
}

export const DEFAULT_PAGE_SIZE = 100;

/**
 * Records: above the largest collection the seed systems hold for the organizations these
 * integrations serve (tens of thousands of constituents), below what a run holds in memory
 * with room to spare. Seconds: the seed schedules run every 5 to 10 minutes; a read held
 * longer only delays the runs queued behind it. Pages follow from records (below).
 */
export const DEFAULT_READ_LIMITS: Omit<ReadLimits, "pages"> = { records: 250_000, seconds: 600 };

/**
 * A connection's bounds: its own, then its system's connector.yaml, then the defaults. Pages
 * default to as many as the record bound needs at the page size (where pages overlap, each
 * brings one record fewer: see pagination.ts), and one more for the page that says there is
 * no more.
 */
export function readLimitsOf(settings: ConnectorSettings, own: Partial<ReadLimits> = {}): ReadLimits {
  const records = own.records ?? settings.readLimits?.records ?? DEFAULT_READ_LIMITS.records;
  const seconds = own.seconds ?? settings.readLimits?.seconds ?? DEFAULT_READ_LIMITS.seconds;
  const pages = own.pages ?? settings.readLimits?.pages ?? Math.ceil(records / Math.max(settings.pageSize - 1, 1)) + 1;
  return { pages, records, seconds };
}

const SETTING_NAMES = "pagination, pageSize, writesAs and readLimits";
const READ_LIMIT_NAMES = "pages, records and seconds";

/** The bounds of one whole read, as connector.yaml and a deployment's connection give them. */
export const READ_LIMITS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    pages: { type: "integer", minimum: 1 },
    records: { type: "integer", minimum: 1 },
    seconds: { type: "integer", minimum: 1 },
  },
} as const;

export const CONNECTOR_SETTINGS_SCHEMA = {
  type: "object",
  required: ["pagination"],
  additionalProperties: false,
  properties: {
    pagination: { enum: [...PAGINATION_STYLES] },
    pageSize: { type: "integer", minimum: 1, maximum: 10000 },
    writesAs: { type: "string", minLength: 1 },
    readLimits: READ_LIMITS_SCHEMA,
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
    return { problems: [problem({ file }, message("INP001", "noSettings", { system: system.name }))] };
  }
  return parseConnectorSettings(text, file, system);
}

export function parseConnectorSettings(text: string, file: string, system: SystemDefinition): { settings?: ConnectorSettings; problems: Problem[] } {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => yamlProblem(e, { file, ...lineColumn(text, e.pos[0]) })),
    };
  }
  const data = (doc.toJS() as unknown) ?? {};
  const problems: Problem[] = [];
  if (!validateSettings(data)) {
    for (const error of validateSettings.errors ?? []) {
      const path = pointerPath(error.instancePath);
      const extra = error.keyword === "additionalProperties" ? String(error.params["additionalProperty"]) : undefined;
      // A setting that does not exist is shown at its own name, not at the whole file.
      const at = extra !== undefined ? lineColumn(text, yamlKeySpan(doc, [...path, extra]).start) : lineColumn(text, yamlSpan(doc, path).start);
      problems.push(problem({ file, ...at, pointer: extra !== undefined ? `${error.instancePath}/${escapePointer(extra)}` : error.instancePath }, settingsMessage(error.keyword, error.instancePath, error.params, error.message)));
    }
    return { problems };
  }
  const raw = data as { pagination: PaginationStyle; pageSize?: number; writesAs?: string; readLimits?: Partial<ReadLimits> };
  if (raw.writesAs !== undefined && !system.actors.includes(raw.writesAs)) {
    const why =
      system.actors.length > 0
        ? message("CON001", "unknownActor", { system: system.name, actor: JSON.stringify(raw.writesAs), actors: system.actors.join(", ") })
        : message("CON001", "noActors", { system: system.name, actor: JSON.stringify(raw.writesAs) });
    problems.push(problem({ file, ...lineColumn(text, yamlSpan(doc, ["writesAs"]).start), pointer: "/writesAs" }, why));
    return { problems };
  }
  return {
    settings: {
      pagination: raw.pagination,
      pageSize: raw.pageSize ?? DEFAULT_PAGE_SIZE,
      ...(raw.writesAs !== undefined ? { writesAs: raw.writesAs } : {}),
      ...(raw.readLimits !== undefined ? { readLimits: raw.readLimits } : {}),
    },
    problems,
  };
}

function settingsMessage(keyword: string, at: string, params: Record<string, unknown>, reason: string | undefined): Message {
  const styles = PAGINATION_STYLES.join(", ");
  if (keyword === "enum") return message("CON001", "pagination", { styles });
  if (keyword === "required") return message("CON001", "missing", { name: String(params["missingProperty"]), styles });
  if (keyword === "additionalProperties") {
    const name = String(params["additionalProperty"]);
    const inside = at === "/readLimits";
    return message("CON001", "unknownSetting", { name: inside ? `readLimits.${name}` : name, where: inside ? "in readLimits " : "", settings: inside ? READ_LIMIT_NAMES : SETTING_NAMES });
  }
  if (keyword === "type" && params["type"] === "object" && at === "") return message("CON001", "notObject");
  // Another keyword: ajv's own words, which are data here.
  return message("CON001", "invalid", { reason: reason ?? "is invalid" });
}
