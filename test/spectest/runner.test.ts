// `syncspec test`: the seed specs' cases, each its own vitest case, and the runner itself:
// what a failing case prints, where a malformed test file is wrong, and the command's exit.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergePatch } from "../../src/spectest/merge-patch.js";
import { readTestFile } from "../../src/spectest/format.js";
import { failureText, renderJson, renderText } from "../../src/spectest/render.js";
import { findTestFiles, loadSuiteFile, runSuite, SpecCache } from "../../src/spectest/suite.js";
import { ROOT, SYSTEMS } from "../helpers.js";

const seedSpecs = new SpecCache(SYSTEMS);

// Every case written beside the seed specs, as a vitest case of its own.
for (const path of findTestFiles([join(ROOT, "specs")])) {
  const file = loadSuiteFile(path, seedSpecs);
  describe(`${file.integration} (${file.file})`, () => {
    if (file.problems.length > 0) it("is a well-formed test file", () => expect(file.problems).toEqual([]));
    for (const testCase of file.cases) {
      it(testCase.name, () => {
        const result = testCase.run();
        expect(result.failures.map(failureText)).toEqual([]);
      });
    }
  });
}

describe("the seed test files", () => {
  it("cover the articles with enough cases", () => {
    const count = (name: string) => loadSuiteFile(join(ROOT, `specs/${name}.test.yaml`), seedSpecs).cases.length;
    expect(count("raisedonors-virtuous")).toBeGreaterThanOrEqual(6);
    expect(count("momentum-raisersedge")).toBeGreaterThanOrEqual(4);
  });
});

/** A folder with the systems and one seed spec, for test files of our own. */
function workspace(spec = "raisedonors-virtuous"): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-test-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  mkdirSync(join(dir, "specs"));
  copyFileSync(join(ROOT, `specs/${spec}.sync`), join(dir, `specs/${spec}.sync`));
  return dir;
}

const ANN = `{id: "1001", firstName: Ann, lastName: Lee, isOrganization: false, email: ann@example.org, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false}`;

const PASSING = `cases:
  - name: an unlinked donor becomes a household contact
    now: "2026-11-05T00:00:00Z"
    snapshots:
      raisedonors: {donors: {"1001": ${ANN}}}
      virtuous: {contacts: {}}
    runs:
      - expect:
          records:
            virtuous: {contacts: {rd-1001: {name: Ann Lee, contactType: Household}}}
`;

const FAILING = `cases:
  - name: the contact is named after the donor
    now: "2026-11-05T00:00:00Z"
    snapshots:
      raisedonors: {donors: {"1001": ${ANN}}, gifts: {}}
      virtuous: {contacts: {}, gifts: {}}
    runs:
      - expect:
          records:
            virtuous: {contacts: {rd-1001: {name: Ann, email: ann@example.org}}}
      - edit:
          raisedonors: {donors: {"1001": {phone: "202-555-0199", modifiedDate: "2026-11-05T00:30:00Z"}}}
        expect:
          outcomes:
            - {action: skip, key: rd-1001, reason: "not in the snapshot"}
`;

function suiteOf(dir: string, name: string, text: string) {
  const path = join(dir, "specs", name);
  writeFileSync(path, text);
  return runSuite([loadSuiteFile(path, new SpecCache(SYSTEMS))]);
}

describe("a failing case", () => {
  it("says what differed, run by run, record by record, field by field", () => {
    const result = suiteOf(workspace(), "raisedonors-virtuous.test.yaml", FAILING);
    expect(result).toMatchObject({ passed: 0, failed: 1 });
    const text = renderText(result);
    expect(text).toContain("  ✗ raisedonors-virtuous › the contact is named after the donor\n");
    expect(text).toContain('    run 1: virtuous.contacts rd-1001 name: expected "Ann", got "Ann Lee"\n');
    // The field that matched is not mentioned.
    expect(text).not.toContain("email");
    expect(text).toContain('    run 2: expected an outcome {action: skip, key: rd-1001, reason ~ "not in the snapshot"}; the outcomes for rd-1001 were:\n');
    expect(text).toMatch(/\n {8}update virtuous\.contacts rd-1001: phone set by /);
    expect(text.endsWith("\n0 passed, 1 failed\n")).toBe(true);
  });

  it("lists a set's missing and unexpected items, and a nested object's field by its path", () => {
    const text = renderText(
      suiteOf(
        workspace(),
        "raisedonors-virtuous.test.yaml",
        `cases:
  - name: addresses
    now: "2026-11-05T00:00:00Z"
    snapshots:
      raisedonors: {donors: {"1001": {id: "1001", isOrganization: false, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false, address: {line1: 1 Main St, city: Washington}}}}
      virtuous: {contacts: {}}
    runs:
      - expect:
          records:
            virtuous: {contacts: {rd-1001: {address: {address1: 1 Main St, city: Boston}}, rd-2: {}}}
`,
      ),
    );
    expect(text).toContain('run 1: virtuous.contacts rd-1001 address.city: expected "Boston", got "Washington"');
    expect(text).toContain("run 1: virtuous.contacts rd-2: expected the record, but there is none (virtuous.contacts has rd-1001)");
  });

  it("fails when a run fails that should not, and when one that should fail does not", () => {
    const dir = workspace("momentum-raisersedge");
    const momentum = `{fundraisers: {f1: {id: f1, name: Dana, crm_user_id: R1, user_id: u1}}, donors: {d1: {id: d1, crm_id: "1", name: A}, d2: {id: d2, crm_id: "2", name: B}},
                 portfolios: {f1-crm-assignments: {id: f1-crm-assignments, fundraiser_id: f1, name: CRM Assignments, system_managed: true, donor_ids: [d1, d2]}}}`;
    const result = suiteOf(
      dir,
      "momentum-raisersedge.test.yaml",
      `cases:
  - name: every assignment ends
    now: "2026-11-05T00:00:00Z"
    snapshots:
      momentum: ${momentum}
      raisersedge: {fundraiser_assignments: {}}
    runs:
      - expect: {}
      - expect: {}
  - name: nothing ends
    now: "2026-11-05T00:00:00Z"
    snapshots:
      momentum: ${momentum}
      raisersedge: {fundraiser_assignments: {a1: {id: a1, constituent_id: "1", fundraiser_id: R1, type: Primary}, a2: {id: a2, constituent_id: "2", fundraiser_id: R1, type: Primary}}}
    runs:
      - expect: {fails: "more than the 50%"}
`,
    );
    const [first, second] = result.files[0]!.results;
    expect(first!.failures.map(failureText)).toEqual([expect.stringMatching(/^run 1: the run failed: the run would remove 2 of the 2 donor_ids entries .* more than the 50%/), "run 1: run 2 did not run"]);
    expect(second!.failures.map(failureText)).toEqual(['run 1: expected the run to fail with "more than the 50%", but it did not fail']);
  });

  it("fails every case of a file whose spec does not compile, with the spec's diagnostics", () => {
    const dir = workspace();
    writeFileSync(join(dir, "specs/raisedonors-virtuous.sync"), "sync raisedonors <-> virtuos\n");
    const result = suiteOf(dir, "raisedonors-virtuous.test.yaml", PASSING);
    expect(result).toMatchObject({ passed: 0, failed: 1 });
    expect(renderText(result)).toMatch(/raisedonors-virtuous\.sync:1:\d+: error NAM001: unknown system `virtuos`/);
  });
});

describe("a malformed test file", () => {
  it("is reported at its line and column, with what was meant", () => {
    const text = `cases:
  - name: a case
    now: "2026-11-05T00:00:00Z"
    snapshot: {}
    runs:
      - expect:
          outcomes:
            - {action: skipped, key: 3}
`;
    const read = readTestFile(text, "specs/x.test.yaml");
    const problems = read.testFile!.cases[0]!.problems;
    expect(problems).toEqual([
      { code: "TST003", severity: "error", file: "specs/x.test.yaml", line: 2, column: 5, message: expect.stringContaining("a case needs `snapshots`") },
      { code: "TST002", severity: "error", file: "specs/x.test.yaml", line: 4, column: 5, message: expect.stringContaining('a case has no "snapshot"; did you mean "snapshots"?') },
      { code: "TST001", severity: "error", file: "specs/x.test.yaml", line: 8, column: 24, message: expect.stringContaining('did you mean "skip"?') },
    ]);
  });

  it("reports YAML that does not parse, and a case without a name, at their lines", () => {
    expect(readTestFile("cases:\n  - name: a\n    runs: [\n", "t.test.yaml").problems[0]).toMatchObject({ code: "INP003", line: 4, message: expect.stringContaining("not valid YAML") });
    const read = readTestFile("cases:\n  - name: a\n    runs: []\n  - covers: b\n", "t.test.yaml");
    expect(read.problems).toEqual([{ code: "TST003", severity: "error", file: "t.test.yaml", line: 4, column: 5, message: "a case needs a `name`, a sentence that says what it proves" }]);
  });

  it("is checked against the spec: systems, collections, fields, records, params, events", () => {
    const dir = workspace();
    const result = suiteOf(
      dir,
      "raisedonors-virtuous.test.yaml",
      `cases:
  - name: names that the spec does not have
    now: "2026-11-05T00:00:00Z"
    params: {removals: keep}
    snapshots:
      raisedonors: {donors: {"1001": {id: "1001", isOrganization: "no", modifiedDate: "2026-11-01T00:00:00Z", isArchived: false}}}
      salesforce: {Contact: {}}
    runs:
      - event: {system: raisedonors, type: donor.updatd, actor: admin, recordId: "1001"}
        expect:
          records:
            virtuous: {contacts: {c1: {nmae: Ann}}}
`,
    );
    const failures = result.files[0]!.results[0]!.failures.map(failureText);
    const file = result.files[0]!.file.file;
    expect(file.endsWith("specs/raisedonors-virtuous.test.yaml")).toBe(true);
    expect(failures).toEqual([
      `${file}:4:13: error PAR001: raisedonors-virtuous has no param "removals"; it declares none`,
      `${file}:5:5: error TST003: give a snapshot for each system of raisedonors-virtuous: virtuous is missing ({} is a snapshot that knows no collection)`,
      `${file}:6:67: error SNP004: raisedonors.donors 1001 isOrganization: must be boolean`,
      `${file}:7:7: error TST006: raisedonors-virtuous joins raisedonors and virtuous, not salesforce`,
      `${file}:9:44: error EVT002: raisedonors has no event "donor.updatd"; did you mean "donor.updated"? (its events are donor.updated and gift.created)`,
      `${file}:12:40: error TST006: a virtuous.contacts record has no field "nmae"; did you mean "name"?`,
    ]);
    // The closing line counts the case; --json gives CI its line, and each problem with its code.
    const problems = [
      { file, line: 4, column: 13, code: "PAR001", severity: "error", message: expect.stringContaining('no param "removals"') },
      { file, line: 5, column: 5, code: "TST003", severity: "error", message: expect.stringContaining("give a snapshot for each system") },
      { file, line: 6, column: 67, code: "SNP004", severity: "error", message: "raisedonors.donors 1001 isOrganization: must be boolean" },
      { file, line: 7, column: 7, code: "TST006", severity: "error", message: expect.stringContaining("not salesforce") },
      { file, line: 9, column: 44, code: "EVT002", severity: "error", message: expect.stringContaining('no event "donor.updatd"') },
      { file, line: 12, column: 40, code: "TST006", severity: "error", message: expect.stringContaining('no field "nmae"') },
    ];
    expect(renderJson(result)).toEqual({
      passed: 0,
      failed: 1,
      cases: [{ file, line: 2, name: "names that the spec does not have", status: "failed", failures, problems }],
    });
  });
});

describe("each problem's code", () => {
  const codes = (text: string) => {
    const read = readTestFile(text, "t.test.yaml");
    return [...read.problems, ...(read.testFile?.cases.flatMap((c) => c.problems) ?? [])].map((p) => `${p.line}:${p.column} ${p.code}`);
  };

  it("says what the mistake in a test file is, wherever it is", () => {
    expect(codes("cases: [\n")).toEqual([expect.stringMatching(/ INP003$/)]);
    expect(codes("cases:\n  - name: a\n    name: b\n")).toEqual(["3:5 INP004"]);
    expect(codes("cases:\n")).toEqual(["1:7 TST003"]);
    expect(codes("cases: 3\n")).toEqual(["1:8 TST001"]);
    expect(
      codes(`fixtures: {a: {<<: 3}}
cases:
  - name: a
    now: 2026
    snapshots: {}
    runs: [{event: {system: x}, expect: {recordz: {}, outcomes: [{action: create}]}}]
  - name: a
    snapshots: {}
    runs: [{now: "2026-11-05T00:00:00Z", expect: {}}]
    1: x
`),
    ).toEqual(["1:15 TST005", "4:10 TST001", "6:12 TST003", "6:20 EVT001", "6:42 TST002", "6:66 TST003", "7:11 TST004", "10:5 TST005"]);
  });

  it("keeps the code of a snapshot's problem found after an edit", () => {
    const result = suiteOf(
      workspace(),
      "raisedonors-virtuous.test.yaml",
      `cases:
  - name: an edit that breaks a record
    now: "2026-11-05T00:00:00Z"
    snapshots: {raisedonors: {donors: {"1001": ${ANN}}}, virtuous: {contacts: {}}}
    runs:
      - expect: {}
      - edit: {raisedonors: {donors: {"1001": {isOrganization: "no"}}}}
        expect: {}
`,
    );
    const [failure] = result.files[0]!.results[0]!.failures;
    expect(failure!.problem).toMatchObject({ code: "SNP004", line: 7, column: 29 });
    expect(failureText(failure!)).toMatch(/^run 2: .*raisedonors-virtuous\.test\.yaml:7:29: error SNP004: the edit of raisedonors leaves a record invalid: raisedonors\.donors 1001 isOrganization: must be boolean$/);
  });
});

describe("the format", () => {
  it("merges edits as JSON merge patches (RFC 7386), keys such as __proto__ included", () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null, e: 3 }, d: [2] })).toEqual({ a: { c: 2, e: 3 }, d: [2] });
    const merged = mergePatch({}, JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(Object.prototype.hasOwnProperty.call(merged, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>)["x"]).toBeUndefined();
  });

  it("shares fixtures through YAML anchors and << merges, each case getting its own copy", () => {
    const dir = workspace();
    const result = suiteOf(
      dir,
      "raisedonors-virtuous.test.yaml",
      `fixtures:
  ann: &ann ${ANN}
cases:
  - name: first
    now: "2026-11-05T00:00:00Z"
    snapshots: {raisedonors: {donors: {"1001": *ann}}, virtuous: {contacts: {}}}
    runs:
      - expect: {records: {raisedonors: {donors: {"1001": {crmKey: rd-1001}}}}}
  - name: second, with a field of its own
    now: "2026-11-05T00:00:00Z"
    snapshots: {raisedonors: {donors: {"1001": {<<: *ann, firstName: Annie}}}, virtuous: {contacts: {}}}
    runs:
      - expect: {records: {virtuous: {contacts: {rd-1001: {name: Annie Lee}}}}}
`,
    );
    expect(result.files[0]!.results.flatMap((r) => r.failures.map(failureText))).toEqual([]);
    expect(result).toMatchObject({ passed: 2, failed: 0 });
  });
});

describe("snapshots given by file", () => {
  it("are read relative to the test file, JSON or YAML, and never written", () => {
    const dir = workspace();
    mkdirSync(join(dir, "fixtures"));
    const donors = JSON.stringify({ donors: { "1001": { id: "1001", firstName: "Ann", lastName: "Lee", isOrganization: false, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false } } });
    writeFileSync(join(dir, "fixtures/raisedonors.json"), donors);
    writeFileSync(join(dir, "fixtures/virtuous.yaml"), "contacts: {}\n");
    const result = suiteOf(
      dir,
      "raisedonors-virtuous.test.yaml",
      `cases:
  - name: from files
    now: "2026-11-05T00:00:00Z"
    snapshots:
      raisedonors: {file: ../fixtures/raisedonors.json}
      virtuous: {file: ../fixtures/virtuous.yaml}
    runs:
      - expect: {records: {virtuous: {contacts: {rd-1001: {name: Ann Lee}}}}}
      - expect: {unchanged: [raisedonors, virtuous]}
`,
    );
    expect(result.files[0]!.results.flatMap((r) => r.failures.map(failureText))).toEqual([]);
    expect(readFileSync(join(dir, "fixtures/raisedonors.json"), "utf8")).toBe(donors);
  });

  it("report a problem in the file with the file, and where the case gave it", () => {
    const dir = workspace();
    writeFileSync(join(dir, "specs/rd.json"), JSON.stringify({ donors: { "1": { id: "2", isOrganization: false, modifiedDate: "2026-11-01T00:00:00Z", isArchived: false } } }));
    const result = suiteOf(
      dir,
      "raisedonors-virtuous.test.yaml",
      `cases:
  - name: a file with a bad record
    now: "2026-11-05T00:00:00Z"
    snapshots:
      raisedonors: {file: rd.json}
      virtuous: {}
    runs:
      - expect: {}
`,
    );
    expect(result.files[0]!.results[0]!.failures.map(failureText)).toEqual([
      expect.stringMatching(/rd\.json: error SNP005 at \/donors\/1\/id: the record's id is "2", but its key is "1"; they must be equal \(the raisedonors snapshot of this case, given at .*raisedonors-virtuous\.test\.yaml:5:27\)$/),
    ]);
  });
});

describe("YAML that cannot be data", () => {
  it("reports an alias inside the node it names instead of recursing forever", () => {
    const read = readTestFile("fixtures:\n  a: &a [1, *a]\ncases:\n  - name: x\n    runs: [{expect: {}}]\n", "t.test.yaml");
    expect(read.problems).toEqual([{ code: "TST005", severity: "error", file: "t.test.yaml", line: 2, column: 13, message: "the alias *a is inside the node it names" }]);
  });
});

function syncspec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// These run the built command: `npm run build` first.
describe("syncspec test", () => {
  it("passes the seed specs' cases with exit 0", () => {
    const r = syncspec(["test"], ROOT);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/\n\n[1-9]\d* passed, 0 failed\n$/);
    expect(r.status).toBe(0);
  });

  it("prints a line per case and `N passed, N failed`, and exits 1 when one fails", () => {
    const dir = workspace();
    copyFileSync(join(ROOT, "specs/momentum-raisersedge.sync"), join(dir, "specs/momentum-raisersedge.sync"));
    writeFileSync(join(dir, "specs/raisedonors-virtuous.test.yaml"), PASSING);
    writeFileSync(join(dir, "specs/momentum-raisersedge.test.yaml"), "cases:\n  - name: broken\n    now: 2026\n");
    const r = syncspec(["test"], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("  ✓ raisedonors-virtuous › an unlinked donor becomes a household contact\n");
    expect(r.stdout).toContain("  ✗ momentum-raisersedge › broken\n");
    expect(r.stdout).toContain('    specs/momentum-raisersedge.test.yaml:3:10: error TST001: 2026 is not a datetime; write it like "2026-11-01T14:05:00Z"\n');
    expect(r.stdout.endsWith("\n\n1 passed, 1 failed\n")).toBe(true);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);

    const json = syncspec(["test", "--json", "specs/momentum-raisersedge.sync"], dir);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      passed: 0,
      failed: 1,
      cases: [
        {
          file: "specs/momentum-raisersedge.test.yaml",
          line: 2,
          name: "broken",
          status: "failed",
          failures: expect.arrayContaining([expect.stringContaining(":3:10: error TST001: 2026 is not a datetime")]),
          problems: expect.arrayContaining([{ file: "specs/momentum-raisersedge.test.yaml", line: 3, column: 10, code: "TST001", severity: "error", message: expect.stringContaining("2026 is not a datetime") }]),
        },
      ],
    });

    const one = syncspec(["test", "specs/raisedonors-virtuous.test.yaml"], dir);
    expect(one.status).toBe(0);
    expect(one.stdout.endsWith("\n\n1 passed, 0 failed\n")).toBe(true);
  });

  it("is a usage error (exit 2) for a path that does not exist", () => {
    const r = syncspec(["test", "no/such/folder"], ROOT);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no/such/folder: no such file or folder");
  });
});
