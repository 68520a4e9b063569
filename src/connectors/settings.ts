// integrations/<system>/connector.yaml: how a system is reached over HTTP (its pagination
// style, page size, the bounds of a read, the actor its events show for the engine's own
// writes, and the reads its API answers beyond a whole collection). Checked with ajv against
// CONNECTOR_SETTINGS_SCHEMA, and `reads:` against the system's system.yaml; a problem names
// the file, the line and the field.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Ajv } from "ajv";
import { parseDocument } from "yaml";
import { message, type Message } from "../diagnostics/catalog.js";
import { listed } from "../diagnostics/lists.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { lineColumn, yamlProblem } from "../json/parse.js";
import { escapePointer, pointerOf, pointerPath } from "../json/pointer.js";
import { yamlKeySpan, yamlSpan } from "../source/yaml-span.js";
import type { SystemCatalog, SystemDefinition } from "../language/systems/load.js";

export const PAGINATION_STYLES = ["skip-take", "page-next-link", "offset-limit", "next-records-url"] as const;
export type PaginationStyle = (typeof PAGINATION_STYLES)[number];

/** How an API is asked for less than a whole collection: query parameters, Virtuous's Query endpoints, or SOQL. */
export const QUERY_STYLES = ["params", "virtuous", "soql"] as const;
export type QueryStyle = (typeof QUERY_STYLES)[number];

/** What an API answers about one collection beyond listing it whole. */
export interface CollectionReads {
  /** GET {collection}/{key} answers one record, 404 when there is none (what readRecord already uses). */
  readonly get: boolean;
  /** Record field -> the API's own name for filtering on it by equality ("Reference Id", "constituent_id", "AccountId"). */
  readonly by: ReadonlyMap<string, string>;
  /**
   * The API lists what changed at or after a time: its parameter, the record field it stamps (absent: a server-side
   * stamp the record does not carry, as SKY's date_modified or Salesforce's SystemModstamp), and how far back to ask.
   */
  readonly modifiedSince?: { readonly param: string; readonly field?: string; readonly lookbackSeconds: number };
}

export interface ReadSettings {
  readonly query: QueryStyle;
  /** params only: several values of one filter as "a,b" (comma) or as a repeated parameter (repeat). */
  readonly values: "comma" | "repeat";
  /** Values in one query (an IN list, Virtuous's values array, a repeated parameter); 1 = one query per value. */
  readonly maxValues: number;
  readonly collections: ReadonlyMap<string, CollectionReads>;
}

export interface ConnectorSettings {
  readonly pagination: PaginationStyle;
  /** Records asked for per page. */
  readonly pageSize: number;
  /** The actor the system's events name for a write the engine made; absent when its events carry no actor. */
  readonly writesAs?: string;
  /** Bounds of a read, over the defaults; a connection may set its own over these. */
  readonly readLimits?: Partial<ReadLimits>;
  /** What the API answers beyond a whole collection; absent: whole reads only. */
  readonly reads?: ReadSettings;
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

const SETTING_NAMES = "pagination, pageSize, writesAs, readLimits and reads";
const READ_LIMIT_NAMES = "pages, records and seconds";
const READS_NAMES = "query, values, maxValues and collections";
const COLLECTION_READS_NAMES = "get, by and modifiedSince";
const MODIFIED_SINCE_NAMES = "param, field and lookback";

/** Defaults of a `reads:` block: a repeated parameter per value, 100 values a query, five minutes back. */
export const DEFAULT_READS = { values: "repeat", maxValues: 100, lookbackSeconds: 300 } as const;

/** The query parameters each pagination style pages by: on a list request, anything else is a filter. */
export const PAGING_PARAMS: Readonly<Record<PaginationStyle, readonly string[]>> = {
  "skip-take": ["skip", "take"],
  "page-next-link": ["page", "per_page"],
  "offset-limit": ["offset", "limit"],
  "next-records-url": ["cursor"],
};

/** Every style's paging parameters: a filter of the params style may not share a name with one. */
const ANY_PAGING_PARAM: readonly string[] = Object.values(PAGING_PARAMS).flat();

/** The pagination a query style pages its answers by, where it has one of its own. */
const STYLE_PAGINATION: Partial<Record<QueryStyle, PaginationStyle>> = { virtuous: "skip-take", soql: "next-records-url" };

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

/** What an API answers beyond a whole collection (connector.yaml's `reads:`). */
export const READS_SCHEMA = {
  type: "object",
  required: ["query", "collections"],
  additionalProperties: false,
  properties: {
    query: { enum: [...QUERY_STYLES] },
    values: { enum: ["comma", "repeat"] },
    maxValues: { type: "integer", minimum: 1, maximum: 1000 },
    collections: {
      type: "object",
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        properties: {
          get: { type: "boolean" },
          by: { type: "object", additionalProperties: { type: "string", minLength: 1 } },
          modifiedSince: {
            type: "object",
            required: ["param"],
            additionalProperties: false,
            properties: {
              param: { type: "string", minLength: 1 },
              field: { type: "string", minLength: 1 },
              lookback: { type: "integer", minimum: 0, maximum: 86400 },
            },
          },
        },
      },
    },
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
    reads: READS_SCHEMA,
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
  const raw = data as { pagination: PaginationStyle; pageSize?: number; writesAs?: string; readLimits?: Partial<ReadLimits>; reads?: RawReads };
  if (raw.writesAs !== undefined && !system.actors.includes(raw.writesAs)) {
    const why =
      system.actors.length > 0
        ? message("CON001", "unknownActor", { system: system.name, actor: JSON.stringify(raw.writesAs), actors: system.actors.join(", ") })
        : message("CON001", "noActors", { system: system.name, actor: JSON.stringify(raw.writesAs) });
    problems.push(problem({ file, ...lineColumn(text, yamlSpan(doc, ["writesAs"]).start), pointer: "/writesAs" }, why));
    return { problems };
  }
  if (raw.reads !== undefined) {
    const at = (path: readonly string[], key = false) => ({
      file,
      ...lineColumn(text, (key ? yamlKeySpan(doc, path) : yamlSpan(doc, path)).start),
      pointer: pointerOf(path),
    });
    for (const found of readsProblems(raw.reads, raw.pagination, system)) problems.push(problem(at(found.path, found.key), found.message));
    if (problems.length > 0) return { problems };
  }
  return {
    settings: {
      pagination: raw.pagination,
      pageSize: raw.pageSize ?? DEFAULT_PAGE_SIZE,
      ...(raw.writesAs !== undefined ? { writesAs: raw.writesAs } : {}),
      ...(raw.readLimits !== undefined ? { readLimits: raw.readLimits } : {}),
      ...(raw.reads !== undefined ? { reads: readSettingsOf(raw.reads) } : {}),
    },
    problems,
  };
}

/** A `reads:` block as written, once it has passed READS_SCHEMA. */
interface RawReads {
  readonly query: QueryStyle;
  readonly values?: "comma" | "repeat";
  readonly maxValues?: number;
  readonly collections: Record<string, { get?: boolean; by?: Record<string, string>; modifiedSince?: { param: string; field?: string; lookback?: number } }>;
}

function readSettingsOf(raw: RawReads): ReadSettings {
  const collections = new Map<string, CollectionReads>();
  for (const [name, reads] of Object.entries(raw.collections)) {
    const since = reads.modifiedSince;
    collections.set(name, {
      get: reads.get ?? false,
      by: new Map(Object.entries(reads.by ?? {})),
      ...(since !== undefined
        ? { modifiedSince: { param: since.param, ...(since.field !== undefined ? { field: since.field } : {}), lookbackSeconds: since.lookback ?? DEFAULT_READS.lookbackSeconds } }
        : {}),
    });
  }
  return { query: raw.query, values: raw.values ?? DEFAULT_READS.values, maxValues: raw.maxValues ?? DEFAULT_READS.maxValues, collections };
}

/**
 * What a `reads:` block declares that the system cannot have: a collection or field system.yaml
 * does not define, a filter on a list or an object, a modified stamp that is not a date-time,
 * a filter parameter that is a paging one or filters two fields, a style the pagination
 * cannot serve. Each at its place (`key`: at the name, not the value).
 */
function readsProblems(reads: RawReads, pagination: PaginationStyle, system: SystemDefinition): { path: string[]; key: boolean; message: Message }[] {
  const found: { path: string[]; key: boolean; message: Message }[] = [];
  const needed = STYLE_PAGINATION[reads.query];
  if (needed !== undefined && needed !== pagination) {
    found.push({ path: ["reads", "query"], key: false, message: message("CON001", "readsStyle", { query: reads.query, needed, pagination }) });
  }
  if (reads.values !== undefined && reads.query !== "params") {
    found.push({ path: ["reads", "values"], key: true, message: message("CON001", "readsValues", { query: reads.query }) });
  }
  for (const [name, declared] of Object.entries(reads.collections)) {
    const path = ["reads", "collections", name];
    const collection = system.collections.get(name);
    if (!collection) {
      const collections = [...system.collections.keys()].join(", ");
      found.push({ path, key: true, message: message("CON001", "readsCollection", { system: system.name, collection: JSON.stringify(name), collections }) });
      continue;
    }
    const fieldProblem = (field: string, fieldPath: string[], key: boolean, datetime: boolean): void => {
      const properties = propertiesOf(collection.schema);
      const property = Object.prototype.hasOwnProperty.call(properties, field) ? properties[field] : undefined;
      if (property === undefined) {
        found.push({ path: fieldPath, key, message: message("CON001", "readsField", { collection: name, field: JSON.stringify(field), fields: Object.keys(properties).join(", ") }) });
        return;
      }
      const shape = nonScalarShape(property);
      if (shape !== undefined) found.push({ path: fieldPath, key, message: message("CON001", "readsNotScalar", { collection: name, field, shape }) });
      else if (datetime && property["format"] !== "date-time") found.push({ path: fieldPath, key, message: message("CON001", "readsNotDatetime", { collection: name, field }) });
    };
    // Parameter -> what it filters (a field, or modifiedSince) and where that is said, to find one parameter given twice.
    const uses = new Map<string, { what: string; at: string[] }[]>();
    const use = (param: string, what: string, at: string[]) => uses.set(param, [...(uses.get(param) ?? []), { what, at }]);
    for (const [field, param] of Object.entries(declared.by ?? {})) {
      fieldProblem(field, [...path, "by", field], true, false);
      use(param, field, [...path, "by", field]);
    }
    const since = declared.modifiedSince;
    if (since?.field !== undefined) fieldProblem(since.field, [...path, "modifiedSince", "field"], false, true);
    if (since !== undefined) use(since.param, "modifiedSince", [...path, "modifiedSince", "param"]);
    for (const [param, given] of uses) {
      if (reads.query === "params" && ANY_PAGING_PARAM.includes(param)) {
        found.push({ path: given[0]!.at, key: false, message: message("CON001", "readsPagingName", { param: JSON.stringify(param), names: ANY_PAGING_PARAM.join(", ") }) });
      }
      if (given.length > 1) {
        found.push({ path: given[given.length - 1]!.at, key: false, message: message("CON001", "readsSameParam", { param: JSON.stringify(param), collection: name, fields: listed(given.map((g) => g.what)) }) });
      }
    }
  }
  return found;
}

function propertiesOf(schema: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const properties = schema["properties"];
  return properties !== null && typeof properties === "object" ? (properties as Record<string, Record<string, unknown>>) : {};
}

/** "a list" or "an object" when a field's schema allows one; undefined for text, numbers, booleans and null. */
function nonScalarShape(property: Record<string, unknown>): string | undefined {
  const type = property["type"];
  const types = Array.isArray(type) ? (type as unknown[]) : [type];
  if (types.includes("array")) return "a list";
  if (types.includes("object")) return "an object";
  return undefined;
}

/** The settings of the block at `path`: the top, readLimits, reads, a collection's reads (reads/collections/NAME), its modifiedSince. */
function settingsIn(path: readonly string[]): string {
  if (path.length === 0) return SETTING_NAMES;
  if (path[0] === "readLimits") return READ_LIMIT_NAMES;
  if (path.length === 1) return READS_NAMES;
  return path.length === 3 ? COLLECTION_READS_NAMES : MODIFIED_SINCE_NAMES;
}

function settingsMessage(keyword: string, at: string, params: Record<string, unknown>, reason: string | undefined): Message {
  const styles = PAGINATION_STYLES.join(", ");
  const path = pointerPath(at);
  const dotted = path.join(".");
  if (keyword === "enum") {
    if (at === "/pagination") return message("CON001", "pagination", { styles });
    return message("CON001", "oneOf", { name: dotted, values: listed((params["allowedValues"] as unknown[]).map(String), "or") });
  }
  if (keyword === "required") {
    if (at === "") return message("CON001", "missing", { name: String(params["missingProperty"]), styles });
    return message("CON001", "missingIn", { name: String(params["missingProperty"]), where: dotted });
  }
  if (keyword === "additionalProperties") {
    const name = String(params["additionalProperty"]);
    return message("CON001", "unknownSetting", { name: at === "" ? name : `${dotted}.${name}`, where: at === "" ? "" : `in ${dotted} `, settings: settingsIn(path) });
  }
  if (keyword === "type" && params["type"] === "object" && at === "") return message("CON001", "notObject");
  // Another keyword: ajv's own words, which are data here.
  return message("CON001", "invalid", { reason: reason ?? "is invalid" });
}
