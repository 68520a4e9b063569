// A record's JSON Schema, read as the language's types. Only the JSON Schema a definition
// needs is understood (type, format, enum, properties, items); anything else is an error
// here rather than a silent `any` later.
import { message, type Message } from "../../diagnostics/catalog.js";
import { ANY, BOOL, DATE, DATETIME, INT, NUM, STR, list, type RecordOrigin, type Type } from "../types/type.js";

export interface SchemaProblem {
  /** Path of keys from the record schema to the problem. */
  readonly path: readonly (string | number)[];
  readonly message: Message<"SYS001">;
}

type JsonSchema = Record<string, unknown>;

export function schemaToType(schema: JsonSchema, problems: SchemaProblem[], path: (string | number)[] = [], record?: RecordOrigin): Type {
  if (Array.isArray(schema["enum"])) {
    const values = (schema["enum"] as unknown[]).filter((v) => v !== null);
    if (values.every((v) => typeof v === "string")) return { kind: "enum", values: values as string[] };
    if (values.every((v) => Number.isInteger(v))) return INT;
    problems.push({ path: [...path, "enum"], message: message("SYS001", "enumValues") });
    return ANY;
  }
  const declared = schema["type"];
  const types = (Array.isArray(declared) ? declared : [declared]).filter((t) => t !== "null");
  if (types.length !== 1 || typeof types[0] !== "string") {
    problems.push({ path: [...path, "type"], message: message("SYS001", "oneType") });
    return ANY;
  }
  switch (types[0]) {
    case "string":
      if (schema["format"] === "date") return DATE;
      if (schema["format"] === "date-time") return DATETIME;
      if (schema["format"] !== undefined) {
        problems.push({ path: [...path, "format"], message: message("SYS001", "unknownFormat", { format: JSON.stringify(schema["format"]) }) });
      }
      return STR;
    case "integer":
      return INT;
    case "number":
      return NUM;
    case "boolean":
      return BOOL;
    case "array": {
      const items = schema["items"];
      if (!items || typeof items !== "object") {
        problems.push({ path: [...path, "items"], message: message("SYS001", "arrayItems") });
        return list(ANY);
      }
      return list(schemaToType(items as JsonSchema, problems, [...path, "items"]));
    }
    case "object": {
      const properties = schema["properties"];
      if (!properties || typeof properties !== "object") {
        problems.push({ path: [...path, "properties"], message: message("SYS001", "objectProperties") });
        return ANY;
      }
      const fields = new Map<string, Type>();
      for (const [name, sub] of Object.entries(properties as Record<string, unknown>)) {
        if (!sub || typeof sub !== "object") {
          problems.push({ path: [...path, "properties", name], message: message("SYS001", "fieldSchema") });
          continue;
        }
        fields.set(name, schemaToType(sub as JsonSchema, problems, [...path, "properties", name]));
      }
      return record ? { kind: "object", fields, record } : { kind: "object", fields };
    }
    default:
      problems.push({ path: [...path, "type"], message: message("SYS001", "unknownType", { type: JSON.stringify(types[0]) }) });
      return ANY;
  }
}
