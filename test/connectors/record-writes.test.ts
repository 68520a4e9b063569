// A run's patch as per-record writes: one write per record, in patch order, and applying the
// writes gives exactly what applying the patch gives, for the seed specs over their samples
// and for keys with "/", "~" and "__proto__" (data, never a prototype). The real runs are
// written through the HTTP connector into the sandbox and compared with the patched document.
import { afterAll, describe, expect, it } from "vitest";
import type { Document, RecordWrite } from "../../src/connectors/connector.js";
import { recordWrites } from "../../src/connectors/record-writes.js";
import { unescapePointer } from "../../src/json/pointer.js";
import type { Operation } from "../../src/engine/patch.js";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { applyAll, canonical, copy, put, run, type Docs } from "../engine/support.js";
import { connectorFor, sample, SYSTEMS, TOKEN } from "./support.js";

/** Applies writes as the sandbox would, on a copy: the reference the writes are checked by. */
function applyWrites(document: Document, writes: readonly RecordWrite[]): Document {
  const out = copy(document);
  for (const w of writes) {
    if (!Object.prototype.hasOwnProperty.call(out, w.collection)) put<Record<string, Record<string, unknown>>>(out, w.collection, {});
    const records = out[w.collection]!;
    if (w.action === "delete") delete records[w.key];
    else if (w.action === "create") put(records, w.key, copy(w.fields!));
    else for (const [name, value] of Object.entries(w.fields!)) put(records[w.key]!, name, value);
  }
  return out;
}

const DOC: Document = {
  donors: {
    "1": { id: "1", name: "Ann", tags: ["a", "b"], address: { city: "X", zip: "1" } },
    "2": { id: "2", name: "Bo", tags: [] },
  },
};

describe("recordWrites", () => {
  it("gives one write per record, in the order the patch first names it", () => {
    const ops: Operation[] = [
      { op: "replace", path: "/donors/2/name", value: "Bob" },
      { op: "add", path: "/donors/3", value: { id: "3", name: "Cy" } },
      { op: "remove", path: "/donors/1/tags/0" },
      { op: "add", path: "/donors/2/tags/-", value: "new" },
      { op: "remove", path: "/donors/1/address/zip" },
    ];
    expect(recordWrites(DOC, ops)).toEqual([
      { collection: "donors", key: "2", action: "update", fields: { name: "Bob", tags: ["new"] } },
      { collection: "donors", key: "3", action: "create", fields: { id: "3", name: "Cy" } },
      { collection: "donors", key: "1", action: "update", fields: { tags: ["b"], address: { city: "X" } } },
    ]);
    expect(DOC["donors"]!["1"]!["tags"]).toEqual(["a", "b"]);
  });

  it("folds later changes of a created record into its create, and gives a removed record's delete", () => {
    const ops: Operation[] = [
      { op: "add", path: "/donors/9", value: { id: "9", name: "New", tags: [] } },
      { op: "add", path: "/donors/9/tags/-", value: "x" },
      { op: "remove", path: "/donors/1" },
    ];
    expect(recordWrites(DOC, ops)).toEqual([
      { collection: "donors", key: "9", action: "create", fields: { id: "9", name: "New", tags: ["x"] } },
      { collection: "donors", key: "1", action: "delete" },
    ]);
  });

  it("sends a field taken away as null, and nothing for a change that changes nothing", () => {
    const ops: Operation[] = [
      { op: "remove", path: "/donors/1/name" },
      { op: "replace", path: "/donors/2/name", value: "Bo" },
    ];
    expect(recordWrites(DOC, ops)).toEqual([{ collection: "donors", key: "1", action: "update", fields: { name: null } }]);
  });

  it("unescapes pointers (~1 is /, ~0 is ~) and keeps __proto__ as data", () => {
    expect(unescapePointer("a~1b~0c~01")).toBe("a/b~c~1");
    const doc: Document = { donors: {} };
    put(doc["donors"]!, "__proto__", { id: "__proto__", name: "Proto" });
    const ops: Operation[] = [
      { op: "replace", path: "/donors/__proto__/name", value: "Still data" },
      { op: "add", path: "/donors/__proto__/__proto__", value: { polluted: true } },
      { op: "add", path: "/donors/a~1b~0c", value: { id: "a/b~c" } },
    ];
    const writes = recordWrites(doc, ops);
    expect(writes.map((w) => [w.key, w.action])).toEqual([
      ["__proto__", "update"],
      ["a/b~c", "create"],
    ]);
    const fields = writes[0]!.fields!;
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(["name", "__proto__"]);
    expect(Object.getOwnPropertyDescriptor(fields, "__proto__")!.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    // A record key __proto__ that the document does not have is no record, not Object.prototype.
    expect(recordWrites({ donors: {} }, [{ op: "add", path: "/donors/__proto__", value: { id: "__proto__" } }])).toEqual([
      { collection: "donors", key: "__proto__", action: "create", fields: put({}, "id", "__proto__") },
    ]);
  });

  it("refuses a patch that changes a record that is not there", () => {
    expect(() => recordWrites(DOC, [{ op: "replace", path: "/donors/7/name", value: "x" }])).toThrow("the patch changes /donors/7/name, but there is no such record");
  });
});

const SEED_RUNS: { spec: string; docs: () => Docs; params?: Record<string, unknown> }[] = [
  { spec: "raisedonors-virtuous", docs: () => ({ raisedonors: sample("raisedonors"), virtuous: sample("virtuous") }) },
  { spec: "vomo-virtuous", docs: () => ({ vomo: sample("vomo"), virtuous: sample("virtuous") }), params: { connected_at: "2026-01-01T00:00:00Z" } },
  { spec: "momentum-raisersedge", docs: () => ({ momentum: sample("momentum"), raisersedge: sample("raisersedge") }) },
  { spec: "momentum-salesforce", docs: () => ({ momentum: sample("momentum"), salesforce: sample("salesforce") }) },
  { spec: "momentum-virtuous", docs: () => ({ momentum: sample("momentum", "sample-virtuous.json"), virtuous: sample("virtuous") }) },
  { spec: "volunteerhub-altru", docs: () => ({ volunteerhub: sample("volunteerhub"), altru: sample("altru") }) },
  { spec: "mobilecommons-crm", docs: () => ({ mobilecommons: sample("mobilecommons"), crm: sample("crm") }) },
];

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  for (const s of sandboxes) await s.close();
});

/** Writes each system's patch as per-record writes into a sandbox serving its document; returns what the sandboxes hold after. */
async function writeThroughSandbox(docs: Docs, patches: Record<string, Operation[]>): Promise<{ after: Docs; writes: Record<string, RecordWrite[]> }> {
  const after: Docs = {};
  const writes: Record<string, RecordWrite[]> = {};
  for (const [system, document] of Object.entries(docs)) {
    const sandbox = await startSandbox({ connections: [{ name: system, system, token: TOKEN, document }], systems: SYSTEMS });
    sandboxes.push(sandbox);
    writes[system] = recordWrites(document, patches[system] ?? []);
    const connector = connectorFor(sandbox, system);
    const result = await connector.write(writes[system]!);
    await connector.close();
    expect(result.failed).toEqual([]);
    const served = sandbox.document(system);
    // The sandbox serves every collection; compare those the document had.
    after[system] = Object.fromEntries(Object.keys(document).map((c) => [c, served[c]!]));
  }
  return { after, writes };
}

describe("recordWrites on patches from real runs", () => {
  it.each(SEED_RUNS)("$spec: the writes, sent to the sandbox, make what the patch makes", async ({ spec, docs, params }) => {
    const input = docs();
    const result = run(spec, input, params ? { params } : {});
    expect(result.failure).toBeUndefined();
    const { after, writes } = await writeThroughSandbox(input, result.patches);
    expect(canonical(after)).toBe(canonical(applyAll(input, result.patches)));
    for (const list of Object.values(writes)) {
      const ids = list.map((w) => `${w.collection}/${w.key}`);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it("keys with /, ~ and __proto__ are written as the records they are", async () => {
    const raisedonors = sample("raisedonors");
    const virtuous = sample("virtuous");
    const donor = (id: string, firstName: string) => ({ id, firstName, lastName: "Key", isOrganization: false, organizationName: null, email: `${firstName.toLowerCase()}@example.org`, phone: "202-555-0199", address: null, crmKey: null, modifiedDate: "2026-10-01T00:00:00Z", isArchived: false });
    put(raisedonors["donors"]!, "a/b", donor("a/b", "Slash"));
    put(raisedonors["donors"]!, "t~1", donor("t~1", "Tilde"));
    put(raisedonors["donors"]!, "__proto__", donor("__proto__", "Proto"));
    put(raisedonors["gifts"]!, "g/~1", { id: "g/~1", donorId: "a/b", amount: 25, currency: "USD", date: "2026-10-20", status: "Succeeded", isTestMode: false });
    // A contact keyed __proto__, linked to the donor __proto__, changed later with another phone:
    // the donor __proto__ takes its phone and its id as crmKey.
    put(virtuous["contacts"]!, "__proto__", { id: "__proto__", contactType: "Household", name: "Proto Key", firstName: "Proto", lastName: "Key", email: "proto@example.org", phone: "202-555-0100", address: null, referenceSource: "RaiseDonors", referenceId: "__proto__", isArchived: false, modifiedDateTimeUtc: "2026-10-02T00:00:00Z" });
    const input = { raisedonors, virtuous };
    const result = run("raisedonors-virtuous", input);
    expect(result.failure).toBeUndefined();
    const paths = Object.values(result.patches).flat().map((o) => o.path);
    expect(paths).toEqual(expect.arrayContaining(["/contacts/rd-a~1b", "/contacts/rd-t~01", "/gifts/rd-gift-g~1~01", "/donors/__proto__/phone", "/donors/a~1b/crmKey"]));
    const { after, writes } = await writeThroughSandbox(input, result.patches);
    expect(canonical(after)).toBe(canonical(applyAll(input, result.patches)));
    const keys = writes["virtuous"]!.map((w) => `${w.action} ${w.collection}/${w.key}`);
    expect(keys).toEqual(expect.arrayContaining(["create contacts/rd-a/b", "create contacts/rd-t~1", "create gifts/rd-gift-g/~1"]));
    const proto = writes["raisedonors"]!.find((w) => w.key === "__proto__")!;
    expect(proto).toEqual({ collection: "donors", key: "__proto__", action: "update", fields: { phone: "202-555-0100", crmKey: "__proto__" } });
    const patched = applyAll(input, result.patches);
    for (const system of ["raisedonors", "virtuous"]) expect(canonical(applyWrites(input[system as "virtuous"], writes[system]!))).toBe(canonical(patched[system]));
    expect(({} as Record<string, unknown>)["phone"]).toBeUndefined();
  });
});
