// The schema of system.yaml is compiled without checking it against JSON Schema's own
// meta-schema at every start (src/systems/load.ts); it is checked here instead.
import { Ajv } from "ajv";
import { expect, it } from "vitest";
import { DEFINITION_SCHEMA } from "../../../src/language/systems/definition-schema.js";

it("the schema of a system definition is a valid JSON Schema", () => {
  const ajv = new Ajv({ strict: false });
  expect(ajv.validateSchema(DEFINITION_SCHEMA), JSON.stringify(ajv.errors)).toBe(true);
});
