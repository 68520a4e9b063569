// A system kept in a snapshot file: read as `syncspec plan` reads it, written record by
// record and replaced whole; what is written reads back the same, in JSON and in YAML.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { FileConnector } from "../../src/connectors/file-connector.js";
import { sample, SYSTEMS } from "./support.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "syncspec-file-connector-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const momentum = SYSTEMS.get("momentum")!;

describe("the file connector", () => {
  it("reads the collections asked for; one the file leaves out is incomplete, not empty", async () => {
    const file = join(dir, "momentum.json");
    const data = sample("momentum");
    delete data["groupAssignments"];
    writeFileSync(file, JSON.stringify(data));
    const read = await new FileConnector({ system: momentum, file }).read(["donors", "portfolios", "groupAssignments"]);
    expect(read.document).toEqual({ donors: data["donors"], portfolios: data["portfolios"] });
    expect(read.incomplete.get("groupAssignments")).toMatch(/momentum\.json has no collection "groupAssignments"; a collection left out is unknown, not empty/);
  });

  it("round-trips writes, keys with / ~ and __proto__ included, in JSON", async () => {
    const file = join(dir, "momentum.json");
    writeFileSync(file, JSON.stringify(sample("momentum"), null, 2));
    const connector = new FileConnector({ system: momentum, file });
    const applied: string[] = [];
    const result = await connector.write(
      [
        { collection: "donors", key: "a/b~c", action: "create", fields: { id: "a/b~c", crm_id: "x1", name: "Slash" } },
        { collection: "donors", key: "__proto__", action: "create", fields: { id: "__proto__", crm_id: "x2", name: "Proto" } },
        { collection: "portfolios", key: "f1-crm-assignments", action: "update", fields: { donor_ids: ["d1"] } },
        { collection: "portfolios", key: "f2-spring-appeal", action: "delete" },
      ],
      (w) => void applied.push(w.key),
    );
    expect(result.failed).toEqual([]);
    expect(applied).toEqual(["a/b~c", "__proto__", "f1-crm-assignments", "f2-spring-appeal"]);
    const read = await connector.read(["donors", "portfolios"]);
    expect([...read.incomplete]).toEqual([]);
    const donors = read.document["donors"]!;
    expect(donors["a/b~c"]).toEqual({ id: "a/b~c", crm_id: "x1", name: "Slash" });
    expect(Object.getOwnPropertyDescriptor(donors, "__proto__")?.value).toEqual({ id: "__proto__", crm_id: "x2", name: "Proto" });
    expect(read.document["portfolios"]!["f1-crm-assignments"]!["donor_ids"]).toEqual(["d1"]);
    expect(read.document["portfolios"]!["f2-spring-appeal"]).toBeUndefined();
    expect(readFileSync(file, "utf8")).toMatch(/^\{\n {2}"fundraisers"/);
  });

  it("keeps a YAML file YAML", async () => {
    const file = join(dir, "momentum.yaml");
    writeFileSync(file, toYaml(sample("momentum")));
    const connector = new FileConnector({ system: momentum, file });
    await connector.write([{ collection: "donors", key: "d1", action: "update", fields: { name: "Ann Lee-Park" } }]);
    const data = parseYaml(readFileSync(file, "utf8")) as Record<string, Record<string, Record<string, unknown>>>;
    expect(data["donors"]!["d1"]!["name"]).toBe("Ann Lee-Park");
    const read = await connector.read(["donors"]);
    expect(read.document["donors"]!["d1"]!["name"]).toBe("Ann Lee-Park");
  });

  it("refuses a record its schema refuses, applies the rest, and leaves the file whole", async () => {
    const file = join(dir, "momentum.json");
    writeFileSync(file, JSON.stringify(sample("momentum")));
    const connector = new FileConnector({ system: momentum, file });
    const result = await connector.write([
      { collection: "donors", key: "d1", action: "update", fields: { crm_id: null } },
      { collection: "donors", key: "d2", action: "update", fields: { name: "Bo Chen Jr" } },
      { collection: "donors", key: "d9", action: "create", fields: { id: "d8", crm_id: "1", name: "Wrong key" } },
    ]);
    expect(result.applied.map((w) => w.key)).toEqual(["d2"]);
    expect(result.failed.map((f) => f.reason)).toEqual([
      expect.stringMatching(/momentum\.json at \/donors\/d1: crm_id must be string$/),
      expect.stringMatching(/momentum\.json at \/donors\/d9: the record's id is "d8", but its key is "d9"; they must be equal$/),
    ]);
    const read = await connector.read(["donors"]);
    expect(read.document["donors"]!["d1"]!["crm_id"]).toBe("280");
    expect(read.document["donors"]!["d2"]!["name"]).toBe("Bo Chen Jr");
  });

  it("reports a collection with a bad record by file and JSON Pointer, and reads the others", async () => {
    const file = join(dir, "momentum.json");
    const data = sample("momentum");
    data["donors"]!["d1"]!["name"] = 7;
    writeFileSync(file, JSON.stringify(data));
    const read = await new FileConnector({ system: momentum, file }).read(["donors", "fundraisers"]);
    expect(Object.keys(read.document)).toEqual(["fundraisers"]);
    expect(read.incomplete.get("donors")).toBe(`${file}: error SNP004 at /donors/d1/name: must be string`);
  });

  it("reports every collection when the file is not there", async () => {
    const file = join(dir, "missing.json");
    const connector = new FileConnector({ system: momentum, file });
    const read = await connector.read(["donors"]);
    expect(read.incomplete.get("donors")).toBe(`${file}: error INP001: cannot read the file`);
    const written = await connector.write([{ collection: "donors", key: "d1", action: "delete" }]);
    expect(written.failed[0]!.reason).toBe(`not written: ${file}: error INP001: cannot read the file`);
  });
});
