// A run's changes as the writes a connector sends: one write per record, in the change set's
// order, and sending them gives exactly what applying the rendered patch gives (with
// fast-json-patch), for the seed specs over their samples and for keys with "/", "~" and
// "__proto__" (data, never a prototype). The real runs are written through the HTTP connector
// into the sandbox. A run that read incompletely sends its changes without their removals.
import { afterAll, describe, expect, it } from "vitest";
import type { Document, RecordWrite } from "../../src/connectors/connector.js";
import { listChange, withoutRemovals, type RecordChange } from "../../src/engine/changes.js";
import type { RunResult } from "../../src/engine/run.js";
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

const TYPES = SYSTEMS.get("raisedonors")!;

/** An update of a raisedonors donor, as the engine would make it: `after` keeps `before`'s list elements first. */
function update(before: Record<string, unknown>, after: Record<string, unknown>, changedFields: string[]): RecordChange {
  const fields = Object.fromEntries(changedFields.map((f) => [f, after[f]]));
  return { system: "raisedonors", collection: "donors", key: "1", action: "update", before, after, changedFields, fields, outcome: { system: "raisedonors", collection: "donors", key: "1", action: "update", reason: "test" } };
}

describe("a change without its removals (a run that read incompletely)", () => {
  it("drops a delete and keeps a create whole", () => {
    const outcome = { system: "raisedonors", collection: "donors", key: "9", action: "delete" as const, reason: "test" };
    const gone: RecordChange = { system: "raisedonors", collection: "donors", key: "9", action: "delete", before: { id: "9" }, after: null, changedFields: [], outcome };
    expect(withoutRemovals(gone, SYSTEMS)).toBeUndefined();
    const made: RecordChange = { ...gone, action: "create", before: null, after: { id: "9" }, changedFields: ["id"], fields: { id: "9" } };
    expect(withoutRemovals(made, SYSTEMS)).toBe(made);
  });

  it("keeps the object members an update would take away, and gives nothing when only removals were left", () => {
    expect(TYPES.collections.get("donors")!.type.fields.get("address")?.kind).toBe("object");
    const before = { id: "1", phone: "1", address: { line1: "A", city: "X" } };
    const kept = withoutRemovals(update(before, { id: "1", phone: "2", address: { line1: "B" } }, ["phone", "address"]), SYSTEMS)!;
    expect(kept.after).toEqual({ id: "1", phone: "2", address: { line1: "B", city: "X" } });
    expect(kept.fields).toEqual({ phone: "2", address: { line1: "B", city: "X" } });
    expect(withoutRemovals(update(before, { id: "1", phone: "1", address: { line1: "A" } }, ["address"]), SYSTEMS)).toBeUndefined();
  });
});

describe("a list change", () => {
  it("removes by index what `after` does not keep and adds what follows the kept elements, in their order", () => {
    expect(listChange(["a", "b", "c"], ["a", "c", "d", "b2"])).toEqual({ removed: [1], added: ["d", "b2"] });
    expect(listChange(["a", "a"], ["a", "x", "a"])).toEqual({ removed: [], added: ["a"] });
    expect(listChange([{ id: 1 }], [])).toEqual({ removed: [0], added: [] });
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
async function writeThroughSandbox(docs: Docs, run: RunResult): Promise<{ after: Docs; writes: Record<string, RecordWrite[]> }> {
  const after: Docs = {};
  const writes: Record<string, RecordWrite[]> = {};
  for (const [system, document] of Object.entries(docs)) {
    const sandbox = await startSandbox({ connections: [{ name: system, system, token: TOKEN, document }], systems: SYSTEMS });
    sandboxes.push(sandbox);
    writes[system] = run.changes.filter((c) => c.system === system);
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

describe("the writes of real runs' changes", () => {
  it.each(SEED_RUNS)("$spec: the writes, sent to the sandbox, make what the patch makes", async ({ spec, docs, params }) => {
    const input = docs();
    const result = run(spec, input, params ? { params } : {});
    expect(result.failure).toBeUndefined();
    const { after, writes } = await writeThroughSandbox(input, result);
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
    const { after, writes } = await writeThroughSandbox(input, result);
    expect(canonical(after)).toBe(canonical(applyAll(input, result.patches)));
    const keys = writes["virtuous"]!.map((w) => `${w.action} ${w.collection}/${w.key}`);
    expect(keys).toEqual(expect.arrayContaining(["create contacts/rd-a/b", "create contacts/rd-t~1", "create gifts/rd-gift-g/~1"]));
    const proto = writes["raisedonors"]!.find((w) => w.key === "__proto__")!;
    expect([proto.collection, proto.key, proto.action, proto.fields]).toEqual(["donors", "__proto__", "update", { phone: "202-555-0100", crmKey: "__proto__" }]);
    const patched = applyAll(input, result.patches);
    for (const system of ["raisedonors", "virtuous"]) expect(canonical(applyWrites(input[system as "virtuous"], writes[system]!))).toBe(canonical(patched[system]));
    expect(({} as Record<string, unknown>)["phone"]).toBeUndefined();
  });
});
