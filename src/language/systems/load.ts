// Loads the system definitions under integrations/: one folder per system, each with a
// system.yaml. A problem in a definition is reported at its line in that YAML file.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parseDocument } from "yaml";
import { message } from "../../diagnostics/catalog.js";
import { diagnostic, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { pointerPath } from "../../json/pointer.js";
import { SourceFile } from "../../source/source-file.js";
import { yamlSpan } from "../../source/yaml-span.js";
import type { ObjectType } from "../types/type.js";
import { DEFINITION_SCHEMA } from "./definition-schema.js";
import { schemaToType, type SchemaProblem } from "./schema-types.js";

export interface CollectionDefinition {
  readonly name: string;
  readonly key: string;
  /** The record's JSON Schema, as written. */
  readonly schema: Record<string, unknown>;
  readonly type: ObjectType;
}

export interface SystemDefinition {
  readonly name: string;
  readonly title: string;
  readonly file: string;
  readonly actors: readonly string[];
  readonly collections: ReadonlyMap<string, CollectionDefinition>;
  /** Event type -> the collection whose record the event names. */
  readonly events: ReadonlyMap<string, string>;
  readonly connector?: Record<string, unknown>;
}

export type SystemCatalog = ReadonlyMap<string, SystemDefinition>;

export interface FileDiagnostics {
  readonly source: SourceFile;
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadedSystems {
  readonly systems: SystemCatalog;
  /** Definitions with errors are left out of `systems` and reported here. */
  readonly problems: readonly FileDiagnostics[];
}

// The definition schema is this project's own, checked against JSON Schema's meta-schema by a
// test (test/systems/definition-schema.test.ts) rather than at every start: compiling the
// meta-schema costs a tenth of a second of every command.
// Compiled at its first use, and only where a definition's shape is checked: the playground's
// page reads definitions its server checked already (readDefinition's `checked`).
let definitionValidator: ValidateFunction | undefined;
const validateDefinition = (): ValidateFunction => (definitionValidator ??= new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(DEFINITION_SCHEMA));

export function loadSystems(root: string): LoadedSystems {
  const systems = new Map<string, SystemDefinition>();
  const problems: FileDiagnostics[] = [];
  let entries: string[];
  try {
    entries = readdirSync(root).sort();
  } catch {
    return { systems, problems };
  }
  for (const entry of entries) {
    const file = join(root, entry, "system.yaml");
    try {
      if (!statSync(join(root, entry)).isDirectory()) continue;
      statSync(file);
    } catch {
      continue;
    }
    const source = new SourceFile(file, readFileSync(file, "utf8"));
    const result = readDefinition(source, entry);
    if (result.diagnostics.length > 0) problems.push({ source, diagnostics: result.diagnostics });
    else if (result.definition) systems.set(result.definition.name, result.definition);
  }
  return { systems, problems };
}

/**
 * A system.yaml's text as a definition, with its problems. `checked`: the text is one that was
 * read without problems already (the playground's, from its server), so its shape is not checked again.
 */
export function readDefinition(source: SourceFile, folder: string, checked = false): { definition?: SystemDefinition; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const doc = parseDocument(source.text, { prettyErrors: false });
  for (const error of doc.errors) {
    diagnostics.push(diagnostic({ start: error.pos[0], end: error.pos[1] }, message("SYS001", "notYaml", { reason: error.message.split("\n")[0]! })));
  }
  if (diagnostics.length > 0) return { diagnostics };
  const data = doc.toJS() as unknown;
  const validate = checked ? undefined : validateDefinition();
  if (validate && !validate(data)) {
    for (const error of validate.errors ?? []) {
      const path = pointerPath(error.instancePath);
      // Ajv's words for what is wrong, after the place in the definition.
      const problem = error.message ?? message("SYS001", "isInvalid").text;
      const invalid = error.instancePath === "" ? message("SYS001", "definitionInvalid", { problem }) : message("SYS001", "valueInvalid", { path: path.join("/"), problem });
      diagnostics.push(diagnostic(yamlSpan(doc, path), invalid));
    }
    return { diagnostics };
  }
  const raw = data as {
    system: string;
    title?: string;
    actors?: string[];
    collections: Record<string, { key: string; schema: Record<string, unknown> }>;
    events?: Record<string, { collection: string }>;
    connector?: Record<string, unknown>;
  };
  if (raw.system !== folder) {
    diagnostics.push(diagnostic(yamlSpan(doc, ["system"]), message("SYS001", "folderName", { name: JSON.stringify(raw.system), folder: JSON.stringify(folder) })));
  }
  const collections = new Map<string, CollectionDefinition>();
  for (const [name, collection] of Object.entries(raw.collections)) {
    const problems: SchemaProblem[] = [];
    const type = schemaToType(collection.schema, problems, [], { system: raw.system, collection: name, key: collection.key });
    for (const problem of problems) {
      diagnostics.push(diagnostic(yamlSpan(doc, ["collections", name, "schema", ...problem.path.map(String)]), problem.message));
    }
    if (type.kind !== "object") continue;
    if (!type.fields.has(collection.key)) {
      diagnostics.push(diagnostic(yamlSpan(doc, ["collections", name, "key"]), message("SYS001", "keyNotProperty", { key: JSON.stringify(collection.key) })));
    }
    collections.set(name, { name, key: collection.key, schema: collection.schema, type });
  }
  const events = new Map<string, string>();
  for (const [event, { collection }] of Object.entries(raw.events ?? {})) {
    if (!collections.has(collection)) {
      diagnostics.push(diagnostic(yamlSpan(doc, ["events", event, "collection"]), message("SYS001", "eventCollection", { collection: JSON.stringify(collection) })));
    }
    events.set(event, collection);
  }
  if (diagnostics.length > 0) return { diagnostics };
  return {
    definition: {
      name: raw.system,
      title: raw.title ?? raw.system,
      file: source.path,
      actors: raw.actors ?? [],
      collections,
      events,
      ...(raw.connector ? { connector: raw.connector } : {}),
    },
    diagnostics,
  };
}

// A definition's fingerprint: sha256 over a canonical JSON of what a compiled plan relies on
// (the system's name, actors, events, and each collection's key and record schema), not of
// the file's text, so comments, layout, key order, the title and the connector settings do
// not change it, and it is the same on every machine. A plan records the fingerprints of its
// two systems; a plan file whose systems' fingerprints differ was compiled against other
// definitions and is refused.
const fingerprints = new WeakMap<SystemDefinition, string>();

export function systemFingerprint(system: SystemDefinition): string {
  let fingerprint = fingerprints.get(system);
  if (fingerprint === undefined) {
    const data = {
      system: system.name,
      actors: [...system.actors].sort(),
      collections: Object.fromEntries([...system.collections.values()].map((c) => [c.name, { key: c.key, schema: c.schema }])),
      events: Object.fromEntries([...system.events].map(([event, collection]) => [event, { collection }])),
    };
    fingerprint = `sha256:${createHash("sha256").update(canonicalJson(data)).digest("hex")}`;
    fingerprints.set(system, fingerprint);
  }
  return fingerprint;
}

/** JSON with every object's keys in code-unit order, and no spaces: the same data, the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
