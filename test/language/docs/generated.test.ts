import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED } from "../../../src/language/generated-docs.js";

describe("generated files", () => {
  for (const file of GENERATED) {
    it(`${file.path} matches its generator (run \`npm run generate\` after changing it)`, () => {
      const made = file.make();
      expect(made.split("\n")[0]).toContain("npm run generate");
      expect(readFileSync(file.path, "utf8")).toBe(made);
    });
  }
});
