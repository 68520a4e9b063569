// The format of integrations/<system>/system.yaml, as a JSON Schema that ajv checks before
// anything reads a definition. Record schemas are checked further by schema-types.ts.

export const DEFINITION_SCHEMA = {
  type: "object",
  required: ["system", "collections"],
  additionalProperties: false,
  properties: {
    system: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
    title: { type: "string" },
    actors: { type: "array", items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, uniqueItems: true },
    collections: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      additionalProperties: {
        type: "object",
        required: ["key", "schema"],
        additionalProperties: false,
        properties: {
          key: { type: "string" },
          schema: { type: "object", required: ["type", "properties"], properties: { type: { const: "object" }, properties: { type: "object" } } },
        },
      },
    },
    events: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$" },
      additionalProperties: {
        type: "object",
        required: ["collection"],
        additionalProperties: false,
        properties: { collection: { type: "string" } },
      },
    },
    connector: { type: "object" },
  },
} as const;
