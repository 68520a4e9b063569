// Bad inputs, through parseSnapshot and through the command line (`plan` and `apply`): each
// is refused with exit 1 (2 for usage), a message that names the file and the place, no
// stack trace, and for `apply` not a byte changed on disk.
import { spawnSync } from "node:child_process";
import { constants } from "node:buffer";
import { mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { parseSnapshot, readSnapshotFile } from "../../src/input/snapshots.js";
import { renderProblem } from "../../src/diagnostics/render.js";
import { UsageError } from "../../src/source/files.js";
import { runSpec } from "../../src/cli/run.js";
import { ROOT, SYSTEMS } from "../helpers.js";

// ------------------------------------------------------------------ parseSnapshot

const DONOR = '{"id": "1", "isOrganization": false, "modifiedDate": "2026-01-01T00:00:00Z", "isArchived": false}';

function problems(text: string, file = "snapshots/raisedonors.json", system = "raisedonors"): string[] {
  const loaded = parseSnapshot(text, file, SYSTEMS.get(system)!);
  expect(loaded.snapshot).toBeUndefined();
  expect(loaded.problems.length).toBeGreaterThan(0);
  return loaded.problems.map(renderProblem);
}

describe("parseSnapshot refuses bad snapshots, naming the file and the place", () => {
  it("accepts a valid snapshot, keys such as __proto__ included, as own data", () => {
    const loaded = parseSnapshot(`{"donors": {"__proto__": ${DONOR.replace('"1"', '"__proto__"')}}, "gifts": {}}`, "rd.json", SYSTEMS.get("raisedonors")!);
    expect(loaded.problems).toEqual([]);
    expect([...loaded.snapshot!.get("donors")!.keys()]).toEqual(["__proto__"]);
    expect(loaded.snapshot!.has("gifts")).toBe(true);
    // A collection left out is unknown, not empty.
    expect(loaded.snapshot!.has("nothing")).toBe(false);
  });

  it("invalid JSON: the file, line and column", () => {
    expect(problems(`{"donors": {\n  "1": ${DONOR},\n}}`)).toEqual([expect.stringMatching(/^snapshots\/raisedonors\.json:3:1: error INP002: not valid JSON/)]);
    expect(problems(`{"donors": {"1": ${DONOR}}`)[0]).toMatch(/^snapshots\/raisedonors\.json:1:\d+: error INP002: not valid JSON/);
    expect(problems("")[0]).toMatch(/^snapshots\/raisedonors\.json:1:1: error INP002: not valid JSON/);
  });

  it("a record failing its schema: a JSON Pointer to the field", () => {
    expect(problems(`{"donors": {"1": ${DONOR.replace("false,", '"no",')}}}`)).toEqual(["snapshots/raisedonors.json: error SNP004 at /donors/1/isOrganization: must be boolean"]);
    expect(problems(`{"donors": {"1": ${DONOR.replace('"isArchived": false', '"isArchived": false, "address": {"city": 7}')}}}`)[0]).toContain("at /donors/1/address/city");
    expect(problems(`{"donors": {"a/b~c": ${DONOR.replace('"1"', '"a/b~c"').replace('"isArchived": false, ', "").replace(', "isArchived": false', "")}}}`)[0]).toMatch(
      /at \/donors\/a~1b~0c: the field "isArchived" is missing/,
    );
    expect(problems(`{"donors": {"1": ${DONOR.replace("2026-01-01T00:00:00Z", "yesterday")}}}`)[0]).toMatch(/at \/donors\/1\/modifiedDate: must be a datetime/);
    expect(problems('{"gifts": {"g": {"id": "g", "donorId": "1", "amount": 1, "currency": "USD", "date": "2026-01-01", "status": "Pending", "isTestMode": false}}}')[0]).toMatch(
      /at \/gifts\/g\/status: must be one of "Succeeded", "Failed", "Refunded"/,
    );
    expect(problems('{"donors": {"1": "not a record"}}')[0]).toContain("at /donors/1");
  });

  it("a key that differs from the record's id", () => {
    expect(problems(`{"donors": {"2": ${DONOR}}}`)).toEqual(['snapshots/raisedonors.json: error SNP005 at /donors/2/id: the record\'s id is "1", but its key is "2"; they must be equal']);
    expect(problems('{"users": {"U1": {"UserUid": "U2", "Username": "u", "EmailAllowed": true, "UserGroupUids": [], "LastUpdate": "2026-01-01T00:00:00Z"}}}', "vh.json", "volunteerhub")[0]).toContain("at /users/U1/UserUid");
  });

  it("a key written twice, as a record or as a collection, even when spelled with escapes", () => {
    expect(problems(`{"donors": {"1": ${DONOR}, "1": ${DONOR}}}`)).toEqual(["snapshots/raisedonors.json: error INP004 at /donors/1: this key is written twice; the second would silently replace the first"]);
    expect(problems(`{"donors": {"a/b": ${DONOR.replace('"1"', '"a/b"')}, "a\\/b": ${DONOR.replace('"1"', '"a/b"')}}}`)[0]).toContain("at /donors/a~1b: this key is written twice");
    expect(problems('{"donors": {}, "gifts": {}, "donors": {}}')[0]).toContain("at /donors: this key is written twice");
  });

  it("a YAML snapshot with a number key, or otherwise broken", () => {
    const yaml = "donors:\n  1001:\n    id: '1001'\n    isOrganization: false\n    modifiedDate: '2026-01-01T00:00:00Z'\n    isArchived: false\n";
    expect(problems(yaml, "snapshots/raisedonors.yaml")).toEqual(['snapshots/raisedonors.yaml: error SNP006 at /donors/1001: record keys are strings; write "1001" in quotes']);
    // (That these also give the line and column is in known-bugs.test.ts.)
    expect(problems("donors:\n  '1': {id: '1'\n", "snapshots/raisedonors.yml")[0]).toMatch(/^snapshots\/raisedonors\.yml.*: error INP003: not valid YAML/);
    expect(problems("donors:\n  '1': {}\n  '1': {}\n", "snapshots/raisedonors.yaml")[0]).toMatch(/^snapshots\/raisedonors\.yaml.*: error INP004: not valid YAML: Map keys must be unique/);
  });

  it("an unknown collection, a collection that is not an object, a document that is not an object", () => {
    expect(problems('{"donations": {}}')[0]).toMatch(/^snapshots\/raisedonors\.json: error SNP002 at \/donations: raisedonors has no collection "donations"; its collections are donors, gifts$/);
    expect(problems('{"donors": []}')[0]).toContain("at /donors: a collection is an object");
    expect(problems("[]")[0]).toContain("at the top: a snapshot is an object of collections");
  });
});

// ------------------------------------------------------------------ the command line

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real command, in a child process: what a user meets. */
function cli(args: string[], cwd: string): Ran {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same `plan`/`apply` in this process (the command's own runSpec, with its options parsed
 * as bin/syncspec.js parses them, and exit 2 for a usage error): spawning Node for every case
 * would make this file slow, so each case runs through the real command once, as `apply`.
 */
function inProcess(args: string[], cwd: string): Ran {
  const [command, ...rest] = args;
  let stdout = "";
  let stderr = "";
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { snapshot: { type: "string", multiple: true }, state: { type: "string" }, now: { type: "string" }, param: { type: "string", multiple: true }, event: { type: "string" }, json: { type: "boolean" } },
  });
  const abs = (f: string) => (isAbsolute(f) ? f : join(cwd, f));
  try {
    const status = runSpec(
      {
        spec: positionals[0]!,
        snapshots: (values.snapshot ?? []).map((s) => (s.includes("=") ? `${s.slice(0, s.indexOf("="))}=${abs(s.slice(s.indexOf("=") + 1))}` : s)),
        params: values.param ?? [],
        json: values.json ?? false,
        ...(values.state !== undefined ? { state: abs(values.state) } : {}),
        ...(values.now !== undefined ? { now: values.now } : {}),
        ...(values.event !== undefined ? { event: abs(values.event) } : {}),
      },
      command === "apply",
      (t) => void (stdout += t),
      (t) => void (stderr += t),
    );
    return { status, stdout, stderr };
  } catch (error) {
    if (error instanceof UsageError) return { status: 2, stdout, stderr: `${stderr}syncspec: ${error.message}\n` };
    throw error;
  }
}

const RD_SPEC = join(ROOT, "specs/raisedonors-virtuous.sync");
const VOMO_SPEC = join(ROOT, "specs/vomo-virtuous.sync");
const RE_SPEC = join(ROOT, "specs/momentum-raisersedge.sync");

const GOOD_RD = `{"donors": {"1": ${DONOR}}, "gifts": {}}\n`;
const GOOD_V = '{"contacts": {}, "gifts": {}}\n';

/** A folder of input files; returns it with a way to read every file's bytes. */
function folder(files: Record<string, string>): { dir: string; bytes: () => Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-inputs-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const bytes = () => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f)).toString("base64")]));
  return { dir, bytes };
}

/**
 * `plan` and `apply` with the same arguments over the same files, in this process, and
 * (unless `cli` is false) `apply` through the real command: each refused with `status`, a
 * message matching `message`, no stack trace, and no file changed or created.
 */
function refused(files: Record<string, string>, args: string[], status: 1 | 2, message: RegExp, cli_ = true): void {
  const { dir, bytes } = folder(files);
  const before = bytes();
  const runs: [string, Ran][] = [
    ["plan (in process)", inProcess(["plan", ...args], dir)],
    ["apply (in process)", inProcess(["apply", ...args], dir)],
  ];
  if (cli_) runs.push(["syncspec apply", cli(["apply", ...args], dir)]);
  for (const [what, r] of runs) {
    expect(r.stderr, `${what} ${args.join(" ")}`).toMatch(message);
    expect(r.status, `${what}: ${r.stderr}`).toBe(status);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(bytes(), `${what} changed no file`).toEqual(before);
  }
}

const rdArgs = (...more: string[]) => [RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json", "--now", "2026-11-01T14:05:00Z", ...more];

describe("the command line refuses bad inputs: exit 1 (2 for usage), the file and the place, nothing written", () => {
  it("invalid JSON in a snapshot: file:line:column", () => {
    refused({ "rd.json": `{"donors": {\n  "1": ${DONOR},\n}}`, "v.json": GOOD_V }, rdArgs("--state", "state.json"), 1, /rd\.json:3:1: error INP002: not valid JSON/);
  });

  it("a record failing its schema: the JSON Pointer", () => {
    refused({ "rd.json": `{"donors": {"1": ${DONOR.replace('"isArchived": false', '"isArchived": "no"')}}}`, "v.json": GOOD_V }, rdArgs(), 1, /rd\.json: error SNP004 at \/donors\/1\/isArchived: must be boolean/);
  });

  it("a key that differs from the record's id", () => {
    refused({ "rd.json": GOOD_RD, "v.json": '{"contacts": {"c1": {"id": "c2", "contactType": "Household", "name": "A", "isArchived": false, "modifiedDateTimeUtc": "2026-01-01T00:00:00Z"}}}' }, rdArgs(), 1, /v\.json: error SNP005 at \/contacts\/c1\/id: the record's id is "c2", but its key is "c1"/);
  });

  it("a duplicate key in JSON", () => {
    refused({ "rd.json": `{"donors": {"1": ${DONOR}, "1": ${DONOR}}}`, "v.json": GOOD_V }, rdArgs(), 1, /rd\.json: error INP004 at \/donors\/1: this key is written twice/);
  });

  it("a value a snapshot cannot hold as written: a list nested 100,000 deep (which `apply` once stopped on with an internal error), a number out of range", () => {
    // In this process only: `syncspec` runs the command's build (dist/), and these are about src/.
    const deep = DONOR.replace('"isArchived": false', `"isArchived": false, "notes": ${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    refused({ "rd.json": `{"donors": {"1": ${deep}}}`, "v.json": GOOD_V }, rdArgs("--state", "state.json"), 1, /rd\.json: error INP002 at \/donors\/1\/notes(\/0){97}: nested more than 100 levels deep/, false);
    const huge = DONOR.replace('"isArchived": false', '"isArchived": false, "score": 1e400');
    refused({ "rd.json": `{"donors": {"1": ${huge}}}`, "v.json": GOOD_V }, rdArgs("--state", "state.json"), 1, /rd\.json: error INP002 at \/donors\/1\/score: this number is out of range/, false);
  });

  it("a YAML snapshot with a number key", () => {
    const yaml = "donors:\n  1:\n    id: '1'\n    isOrganization: false\n    modifiedDate: '2026-01-01T00:00:00Z'\n    isArchived: false\n";
    refused({ "rd.yaml": yaml, "v.json": GOOD_V }, [RD_SPEC, "--snapshot", "raisedonors=rd.yaml", "--snapshot", "virtuous=v.json"], 1, /rd\.yaml: error SNP006 at \/donors\/1: record keys are strings; write "1" in quotes/);
  });

  it("an unknown collection", () => {
    refused({ "rd.json": GOOD_RD, "v.json": '{"contacts": {}, "donations": {}}' }, rdArgs(), 1, /v\.json: error SNP002 at \/donations: virtuous has no collection "donations"/);
  });

  it("an unknown --param", () => {
    refused({ "rd.json": GOOD_RD, "v.json": GOOD_V }, rdArgs("--param", "mode=liberal"), 1, /--param: error PAR001: raisedonors-virtuous has no param "mode"/);
  });

  it("a param value outside its allowed set, or of the wrong type", () => {
    const files = { "re.json": '{"fundraiser_assignments": {}}', "m.json": '{"fundraisers": {}, "donors": {}, "portfolios": {}}' };
    refused(files, [RE_SPEC, "--snapshot", "raisersedge=re.json", "--snapshot", "momentum=m.json", "--param", "removals=kept"], 1, /--param: error PAR002: removals must be one of "remove", "keep".* \(given: kept\)/);
    refused(files, [RE_SPEC, "--snapshot", "raisersedge=re.json", "--snapshot", "momentum=m.json", "--param", "primary_types=Primary"], 1, /--param: error PAR002: primary_types must be a list/, false);
    refused(files, [RE_SPEC, "--snapshot", "raisersedge=re.json", "--snapshot", "momentum=m.json", "--param", "schedule=whenever"], 1, /--param: error PAR002: schedule /, false);
  });

  it("a missing required param", () => {
    const files = { "vomo.json": '{"users": {}}', "v.json": '{"contactImports": {}}' };
    refused(files, [VOMO_SPEC, "--snapshot", "vomo=vomo.json", "--snapshot", "virtuous=v.json"], 1, /--param: error PAR003: vomo-virtuous needs the param connected_at \(datetime\)/);
    refused(files, [VOMO_SPEC, "--snapshot", "vomo=vomo.json", "--snapshot", "virtuous=v.json", "--param", "connected_at=last week"], 1, /--param: error PAR002: connected_at must be a datetime/, false);
  });

  it("a malformed event file", () => {
    const files = { "rd.json": GOOD_RD, "v.json": GOOD_V };
    refused({ ...files, "event.json": '{"system": "raisedonors",\n "type": "donor.updated" "recordId": "1"}' }, rdArgs("--event", "event.json"), 1, /event\.json:2:\d+: error INP002: not valid JSON/);
    refused({ ...files, "event.json": '{"system": "raisedonors", "type": "donor.updated"}' }, rdArgs("--event", "event.json"), 1, /event\.json: error EVT001 at \/recordId: "recordId" must be a non-empty string/, false);
    refused({ ...files, "event.json": '{"system": "raisedonors", "type": "donor.updated", "recordId": "1", "user": "x"}' }, rdArgs("--event", "event.json"), 1, /event\.json: error EVT001 at \/user: an event has no "user"/, false);
    refused({ ...files, "event.json": '{"system": "vomo", "type": "user.joined", "recordId": "1"}' }, rdArgs("--event", "event.json"), 1, /event\.json: error EVT002 at \/system: raisedonors-virtuous joins raisedonors and virtuous, not vomo/, false);
    refused({ ...files, "event.json": '{"system": "raisedonors", "type": "donor.updatd", "recordId": "1"}' }, rdArgs("--event", "event.json"), 1, /event\.json: error EVT002 at \/type: raisedonors has no event "donor\.updatd"; did you mean "donor\.updated"\?/, false);
    refused({ ...files, "event.json": '["donor.updated"]' }, rdArgs("--event", "event.json"), 1, /event\.json: error EVT001 at the top: an event is an object/, false);
  });

  it("a malformed state file", () => {
    const files = { "rd.json": GOOD_RD, "v.json": GOOD_V };
    refused({ ...files, "state.json": '{"syncspec": "state",\n  "version": 1,,\n}' }, rdArgs("--state", "state.json"), 1, /state\.json:2:\d+: error INP002: not valid JSON/);
    refused({ ...files, "state.json": '{"syncspec": "state", "version": 9, "integration": "raisedonors-virtuous", "lastRun": null, "links": {}}' }, rdArgs("--state", "state.json"), 1, /state\.json: error STA002 at \/version: this state file is version 9/, false);
    refused({ ...files, "state.json": '{"syncspec": "state", "version": 1, "integration": "vomo-virtuous", "lastRun": null, "links": {}}' }, rdArgs("--state", "state.json"), 1, /state\.json: error STA003 at \/integration: this state belongs to "vomo-virtuous"/, false);
    refused({ ...files, "state.json": '{"syncspec": "state", "version": 1, "integration": "raisedonors-virtuous", "lastRun": "soon", "links": {}}' }, rdArgs("--state", "state.json"), 1, /state\.json: error STA004 at \/lastRun: must be a datetime or null/, false);
    refused({ ...files, "state.json": '{"syncspec": "state", "version": 1, "integration": "raisedonors-virtuous", "lastRun": null, "links": {"x": [["a"]]}}' }, rdArgs("--state", "state.json"), 1, /state\.json: error STA004 at \/links\/x\/0: must be \[left key, right key/, false);
    // Version 2, as apply writes it: a presence that does not fit the mappings, a value too few, mappings named twice.
    const v2 = (link: string) => `{"syncspec": "state", "version": 2, "integration": "raisedonors-virtuous", "lastRun": null, "links": {"a/b": ${link}}}`;
    refused({ ...files, "state.json": v2('{"mappings": ["phone<->phone"], "pairs": [["d1", "c1", "11", "1"]]}') }, rdArgs("--state", "state.json"), 1, /state\.json: error STA004 at \/links\/a~1b\/pairs\/0: must be \[left key, right key, presence, \.\.\.values\]: presence has a "1" or "0" for each of the 1 mappings/);
    refused({ ...files, "state.json": v2('{"mappings": ["phone<->phone", "email->email"], "pairs": [["d1", "c1", "11", "1"]]}') }, rdArgs("--state", "state.json"), 1, /error STA004 at \/links\/a~1b\/pairs\/0: must be \[left key, right key, presence/, false);
    refused({ ...files, "state.json": v2('{"mappings": ["phone<->phone", "phone<->phone"], "pairs": []}') }, rdArgs("--state", "state.json"), 1, /error STA004 at \/links\/a~1b\/mappings: must be a list of the link's two-way mappings, each once/, false);
    refused({ ...files, "state.json": v2('[["d1", "c1", {}]]') }, rdArgs("--state", "state.json"), 1, /error STA004 at \/links\/a~1b: must be \{"mappings": \[\.\.\.\], "pairs": \[\.\.\.\]\}/, false);
  });

  it("a bad --now", () => {
    refused({ "rd.json": GOOD_RD, "v.json": GOOD_V }, [RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json", "--now", "tomorrow"], 1, /--now: error INP005: tomorrow is not a datetime/);
  });

  it("usage errors exit 2: a missing --snapshot, a system the spec does not join, a snapshot given twice, a missing event file", () => {
    const files = { "rd.json": GOOD_RD, "v.json": GOOD_V };
    refused(files, [RD_SPEC, "--snapshot", "raisedonors=rd.json"], 2, /give a snapshot for each system of raisedonors-virtuous: --snapshot virtuous=FILE/);
    refused(files, [RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json", "--snapshot", "vomo=v.json"], 2, /--snapshot vomo: raisedonors-virtuous joins raisedonors and virtuous, not vomo/, false);
    refused(files, [RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json"], 2, /--snapshot raisedonors is given twice/, false);
    refused(files, [RD_SPEC, "--snapshot", "rd.json", "--snapshot", "virtuous=v.json"], 2, /--snapshot takes SYSTEM=FILE/, false);
    refused(files, rdArgs("--event", "no-such-event.json"), 2, /no-such-event\.json: no such file/, false);
  });

  it("a missing snapshot file is exit 1 naming it", () => {
    refused({ "v.json": GOOD_V }, rdArgs(), 1, /rd\.json: error INP001: cannot read the file/);
  });

  it("a safety rule that stops the run: exit 1 naming the spec line, nothing written", () => {
    const m = {
      fundraisers: { f1: { id: "f1", name: "F", crm_user_id: "re1", user_id: "u1" } },
      donors: { d1: { id: "d1", crm_id: "c1", name: "D" }, d2: { id: "d2", crm_id: "c2", name: "D" } },
      portfolios: { "f1-crm-assignments": { id: "f1-crm-assignments", fundraiser_id: "f1", name: "CRM Assignments", system_managed: true, donor_ids: ["d1", "d2"] } },
    };
    refused({ "re.json": '{"fundraiser_assignments": {}}', "m.json": JSON.stringify(m) }, [RE_SPEC, "--snapshot", "raisersedge=re.json", "--snapshot", "momentum=m.json", "--state", "state.json"], 1, /momentum-raisersedge\.sync:\d+:\d+: error RUN002: the run would remove 2 of the 2 donor_ids/);
  });
});

describe("the command line with good inputs", () => {
  it("plan --json prints the patches and outcomes; apply writes them and the state; plan again is empty", () => {
    const { dir, bytes } = folder({ "rd.json": GOOD_RD, "v.json": GOOD_V });
    const before = bytes();
    const plan = cli(["plan", ...rdArgs("--state", "state.json", "--json")], dir);
    expect(plan.status).toBe(0);
    expect(bytes()).toEqual(before);
    const out = JSON.parse(plan.stdout) as { integration: string; patches: Record<string, unknown[]>; outcomes: { action: string }[] };
    expect(out.integration).toBe("raisedonors-virtuous");
    expect(Object.keys(out.patches).sort()).toEqual(["raisedonors", "virtuous"]);
    expect(out.patches["raisedonors"]).toEqual([{ op: "add", path: "/donors/1/crmKey", value: "rd-1" }]);
    expect(out.outcomes.map((o) => o.action)).toEqual(["update", "create"]);

    const apply = cli(["apply", ...rdArgs("--state", "state.json")], dir);
    expect(apply.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "rd.json"), "utf8"))).toMatchObject({ donors: { "1": { crmKey: "rd-1" } } });
    expect(JSON.parse(readFileSync(join(dir, "v.json"), "utf8"))).toMatchObject({ contacts: { "rd-1": { id: "rd-1", referenceId: "1" } } });
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8"))).toMatchObject({ syncspec: "state", version: 2, integration: "raisedonors-virtuous", lastRun: "2026-11-01T14:05:00Z" });

    const again = cli(["plan", RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json", "--state", "state.json", "--now", "2026-11-01T15:00:00Z", "--json"], dir);
    expect(again.status).toBe(0);
    expect((JSON.parse(again.stdout) as { patches: unknown }).patches).toEqual({ raisedonors: [], virtuous: [] });

    // Applying a run with nothing to do leaves the snapshot files byte for byte.
    const snapshots = () => [readFileSync(join(dir, "rd.json")), readFileSync(join(dir, "v.json"))].map((b) => b.toString("base64"));
    const kept = snapshots();
    const idle = cli(["apply", RD_SPEC, "--snapshot", "raisedonors=rd.json", "--snapshot", "virtuous=v.json", "--state", "state.json", "--now", "2026-11-01T16:00:00Z"], dir);
    expect(idle.status).toBe(0);
    expect(snapshots()).toEqual(kept);
    expect(JSON.parse(readFileSync(join(dir, "state.json"), "utf8"))).toMatchObject({ lastRun: "2026-11-01T16:00:00Z" });
  });

  it("an event no trigger accepts: exit 0, empty patches and a skip saying why", () => {
    const { dir } = folder({ "rd.json": GOOD_RD, "v.json": GOOD_V, "event.json": '{"system": "raisedonors", "type": "donor.updated", "actor": "api", "recordId": "1"}' });
    const r = cli(["plan", ...rdArgs("--event", "event.json", "--json")], dir);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { patches: unknown; outcomes: { action: string; reason: string }[] };
    expect(out.patches).toEqual({ raisedonors: [], virtuous: [] });
    expect(out.outcomes).toHaveLength(1);
    expect(out.outcomes[0]!.action).toBe("skip");
    expect(out.outcomes[0]!.reason).toMatch(/no trigger/);
  });

  it("apply keeps a YAML snapshot YAML", () => {
    const yaml = "donors:\n  '1':\n    id: '1'\n    isOrganization: false\n    modifiedDate: '2026-01-01T00:00:00Z'\n    isArchived: false\ngifts: {}\n";
    const { dir } = folder({ "rd.yaml": yaml, "v.json": GOOD_V });
    const r = cli(["apply", RD_SPEC, "--snapshot", "raisedonors=rd.yaml", "--snapshot", "virtuous=v.json", "--now", "2026-11-01T14:05:00Z"], dir);
    expect(r.status).toBe(0);
    const text = readFileSync(join(dir, "rd.yaml"), "utf8");
    expect(text).toMatch(/crmKey: rd-1/);
    const again = cli(["plan", RD_SPEC, "--snapshot", "raisedonors=rd.yaml", "--snapshot", "virtuous=v.json", "--json"], dir);
    expect(again.status).toBe(0);
    expect((JSON.parse(again.stdout) as { patches: unknown }).patches).toEqual({ raisedonors: [], virtuous: [] });
  });
});

// ------------------------------------------------------------------ large snapshots

/**
 * A Virtuous snapshot of about 17 MB: from 16 MB on, the command reads a JSON snapshot with a
 * worker thread outlining it while the main thread parses its records a batch at a time
 * (src/runtime/outlined-snapshot.ts). In this process the worker is not built, so each case below
 * compares that path, through the real command, with the plain one.
 */
function largeVirtuous(edit: (contacts: Record<string, unknown>[]) => void = () => {}): string {
  const contacts: Record<string, unknown>[] = [];
  for (let i = 0; i < 40_000; i++) {
    contacts.push({
      id: `c${i}`, contactType: "Household", name: `Ann Lee ${i}`, firstName: "Ann", lastName: `Lee ${i}`, email: `ann${i}@example.org`, phone: "202-555-0100",
      address: { address1: `${i} Main St, a line long enough to make the file large`, address2: null, city: "Springfield", state: "IL", postal: "62701", country: "US" },
      referenceSource: i === 7 ? "RaiseDonors" : null, referenceId: i === 7 ? "1" : null, isArchived: false, modifiedDateTimeUtc: "2026-10-01T10:00:00Z",
    });
  }
  edit(contacts);
  const body = contacts.map((c) => `\n${JSON.stringify(c["id"])}: ${JSON.stringify(c)}`).join(",");
  const text = `{"contacts": {${body}\n}, "gifts": {}}\n`;
  expect(text.length).toBeGreaterThan(16 * 1024 * 1024);
  return text;
}

describe("snapshots of 16 MB or more, read beside a worker thread, are checked as small ones are", () => {
  it("a record key written twice far into the file", () => {
    const text = largeVirtuous((contacts) => {
      contacts[39_000]!["id"] = "c123";
    });
    refused({ "rd.json": GOOD_RD, "v.json": text }, rdArgs("--state", "state.json"), 1, /v\.json: error INP004 at \/contacts\/c123: this key is written twice/);
  });

  it("a record failing its schema, and a key that differs from the record's id", () => {
    refused({ "rd.json": GOOD_RD, "v.json": largeVirtuous((c) => void (c[38_000]!["isArchived"] = "no")) }, rdArgs(), 1, /v\.json: error SNP004 at \/contacts\/c38000\/isArchived: must be boolean/);
    const renamed = largeVirtuous().replace('"c38000": {"id":"c38000"', '"c38000": {"id":"c99"');
    refused({ "rd.json": GOOD_RD, "v.json": renamed }, rdArgs(), 1, /v\.json: error SNP005 at \/contacts\/c38000\/id: the record's id is "c99", but its key is "c38000"/);
  });

  it("one file given for both systems is read for each: each reading is used once", () => {
    const { dir } = folder({ "v.json": largeVirtuous() });
    const r = cli(["plan", RD_SPEC, "--snapshot", "raisedonors=v.json", "--snapshot", "virtuous=v.json"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/v\.json: error SNP002 at \/contacts: raisedonors has no collection "contacts"/);
  });

  it("a valid one: the command's plan is the plain reading's, and apply then plan again is empty", () => {
    const { dir } = folder({ "rd.json": GOOD_RD, "v.json": largeVirtuous() });
    const args = ["plan", ...rdArgs("--state", "state.json", "--json")];
    const viaWorker = cli(args, dir);
    expect(viaWorker.status, viaWorker.stderr).toBe(0);
    expect(JSON.parse(viaWorker.stdout)).toEqual(JSON.parse(inProcess(args, dir).stdout));
    const out = JSON.parse(viaWorker.stdout) as { patches: Record<string, unknown[]> };
    // Donor 1 pairs with contact c7 (referenced from RaiseDonors): its fields flow, nothing is created.
    expect(out.patches["virtuous"]!.length).toBeGreaterThan(0);
    expect(JSON.stringify(out.patches)).not.toMatch(/rd-1/);
    expect(cli(["apply", ...rdArgs("--state", "state.json")], dir).status).toBe(0);
    const again = cli(["plan", ...rdArgs("--state", "state.json", "--json")], dir);
    expect((JSON.parse(again.stdout) as { patches: unknown }).patches).toEqual({ raisedonors: [], virtuous: [] });
  });
});

describe("a snapshot larger than the longest text Node.js holds", () => {
  it("is refused by its size, naming the file, before any of it is read", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-huge-"));
    const file = join(dir, "virtuous.json");
    writeFileSync(file, "");
    truncateSync(file, constants.MAX_STRING_LENGTH + 1); // sparse: no disk is used
    const loaded = readSnapshotFile(file, SYSTEMS.get("virtuous")!);
    expect(loaded.snapshot).toBeUndefined();
    const most = Math.floor(constants.MAX_STRING_LENGTH / 2 ** 20); // 511 on Node.js 20 to 24
    expect(loaded.problems.map(renderProblem)).toEqual([expect.stringMatching(new RegExp(`virtuous\\.json: error INP001: the file is ${most + 1} MiB; syncspec reads a snapshot of up to ${most} MiB`))]);
  });
});
