// connector.yaml: every system has one that loads, and a wrong one is reported with the
// file, the line and the setting, in words a person can act on.
import { describe, expect, it } from "vitest";
import { loadConnectorSettings, parseConnectorSettings, readConnectorSettings, readLimitsOf } from "../../src/connectors/settings.js";
import { renderProblem } from "../../src/diagnostics/render.js";
import { SYSTEMS } from "./support.js";

const virtuous = SYSTEMS.get("virtuous")!;
const vomo = SYSTEMS.get("vomo")!;
const problems = (text: string, system = virtuous) => parseConnectorSettings(text, "integrations/virtuous/connector.yaml", system).problems.map(renderProblem);

describe("connector.yaml", () => {
  it("loads for all ten systems; writesAs only where events carry actors", () => {
    const loaded = loadConnectorSettings(SYSTEMS);
    expect(loaded.problems).toEqual([]);
    expect(loaded.settings.size).toBe(10);
    const writers = [...loaded.settings].filter(([, s]) => s.writesAs !== undefined).map(([name, s]) => `${name}:${s.writesAs}`);
    expect(writers.sort()).toEqual(["raisedonors:api", "virtuous:api"]);
    for (const settings of loaded.settings.values()) expect(settings.pageSize).toBe(100);
  });

  it("defaults the page size", () => {
    expect(parseConnectorSettings("pagination: skip-take\n", "c.yaml", virtuous).settings).toEqual({ pagination: "skip-take", pageSize: 100 });
  });

  it("names the file, the line and the setting when one is wrong", () => {
    expect(problems("pagination: skip-take\npageSize: 0\n")).toEqual(["integrations/virtuous/connector.yaml:2:11: error CON001 at /pageSize: must be >= 1"]);
    expect(problems("pagination: cursor\n")).toEqual(["integrations/virtuous/connector.yaml:1:13: error CON001 at /pagination: pagination must be one of skip-take, page-next-link, offset-limit, next-records-url"]);
    expect(problems("pagination: skip-take\npage_size: 50\n")).toEqual([
      'integrations/virtuous/connector.yaml:2:1: error CON001 at /page_size: there is no setting "page_size"; the settings are pagination, pageSize, writesAs, readLimits and reads',
    ]);
    expect(problems("pageSize: 50\n")).toEqual([
      'integrations/virtuous/connector.yaml:1:1: error CON001 at the top: the setting "pagination" is missing (one of skip-take, page-next-link, offset-limit, next-records-url)',
    ]);
  });

  it("reads the bounds of a read, and checks them", () => {
    expect(parseConnectorSettings("pagination: skip-take\nreadLimits:\n  pages: 40\n  records: 2000\n  seconds: 90\n", "c.yaml", virtuous).settings).toEqual({
      pagination: "skip-take",
      pageSize: 100,
      readLimits: { pages: 40, records: 2000, seconds: 90 },
    });
    expect(problems("pagination: skip-take\nreadLimits:\n  pages: 0\n")).toEqual(["integrations/virtuous/connector.yaml:3:10: error CON001 at /readLimits/pages: must be >= 1"]);
    expect(problems("pagination: skip-take\nreadLimits:\n  minutes: 5\n")).toEqual([
      'integrations/virtuous/connector.yaml:3:3: error CON001 at /readLimits/minutes: there is no setting "readLimits.minutes"; the settings in readLimits are pages, records and seconds',
    ]);
    expect(problems("pagination: skip-take\nreadLimits: 5\n")).toEqual(["integrations/virtuous/connector.yaml:2:13: error CON001 at /readLimits: must be object"]);
  });

  it("defaults the bounds of a read: the page bound from the record bound and the page size; a connection's own first", () => {
    const settings = parseConnectorSettings("pagination: skip-take\n", "c.yaml", virtuous).settings!;
    expect(readLimitsOf(settings)).toEqual({ pages: 2527, records: 250_000, seconds: 600 });
    expect(readLimitsOf({ ...settings, pageSize: 1000, readLimits: { records: 5000, seconds: 60 } })).toEqual({ pages: 7, records: 5000, seconds: 60 });
    expect(readLimitsOf({ ...settings, readLimits: { pages: 10, seconds: 60 } }, { seconds: 5 })).toEqual({ pages: 10, records: 250_000, seconds: 5 });
  });

  it("checks writesAs against the system's actors", () => {
    expect(problems("pagination: skip-take\nwritesAs: robot\n")).toEqual(['integrations/virtuous/connector.yaml:2:11: error CON001 at /writesAs: virtuous has no actor "robot"; its actors are admin, donor, api, ncoa']);
    expect(problems("pagination: page-next-link\nwritesAs: api\n", vomo)).toEqual(['integrations/virtuous/connector.yaml:2:11: error CON001 at /writesAs: vomo has no actor "api"; its events carry no actor, so leave writesAs out']);
  });

  describe("reads", () => {
    const altru = SYSTEMS.get("altru")!;
    const reads = (body: string, pagination = "skip-take") => `pagination: ${pagination}\nreads:\n${body}`;

    it("every system declares reads, each collection with get, its filters and its modified stamp", () => {
      const loaded = loadConnectorSettings(SYSTEMS);
      const without = [...loaded.settings].filter(([, s]) => s.reads === undefined).map(([name]) => name);
      expect(without).toEqual([]);
      expect(loaded.settings.get("salesforce")!.reads).toMatchObject({ query: "soql", maxValues: 200 });
      expect(loaded.settings.get("salesforce")!.reads!.collections.get("Contact")!.modifiedSince).toEqual({ param: "SystemModstamp", lookbackSeconds: 300 });
      const virtuousReads = loaded.settings.get("virtuous")!.reads!;
      expect(virtuousReads.query).toBe("virtuous");
      expect(virtuousReads.collections.get("contacts")).toEqual({
        get: true,
        by: new Map([["id", "Contact Id"], ["referenceId", "Reference Id"], ["email", "Email"]]),
        modifiedSince: { param: "Last Modified Date", field: "modifiedDateTimeUtc", lookbackSeconds: 300 },
      });
      // Gifts carry no modified time: the system's own stamp answers.
      expect(virtuousReads.collections.get("gifts")!.modifiedSince).toEqual({ param: "Last Modified Date", lookbackSeconds: 300 });
      expect(loaded.settings.get("raisedonors")!.reads).toMatchObject({ query: "params", values: "comma", maxValues: 100 });
      expect(loaded.settings.get("altru")!.reads).toMatchObject({ query: "params", values: "repeat", maxValues: 50 });
    });

    it("defaults values, maxValues, get, by and the lookback", () => {
      const settings = parseConnectorSettings(reads("  query: params\n  collections:\n    contacts: {}\n    gifts:\n      modifiedSince: {param: since}\n"), "c.yaml", virtuous).settings!;
      expect(settings.reads).toEqual({
        query: "params",
        values: "repeat",
        maxValues: 100,
        collections: new Map([
          ["contacts", { get: false, by: new Map() }],
          ["gifts", { get: false, by: new Map(), modifiedSince: { param: "since", lookbackSeconds: 300 } }],
        ]),
      });
    });

    it("names a collection or a field the system does not define, at its name", () => {
      expect(problems(reads("  query: virtuous\n  collections:\n    pledges: {get: true}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:5:5: error CON001 at /reads/collections/pledges: virtuous has no collection "pledges"; its collections are contacts, gifts, volunteerOpportunities, volunteerAttendances, contactImports, organizationGroups',
      ]);
      expect(problems(reads("  query: virtuous\n  collections:\n    contacts:\n      by: {refId: Reference Id}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:6:12: error CON001 at /reads/collections/contacts/by/refId: contacts has no field "refId"; its fields are id, contactType, name, firstName, lastName, email, phone, address, referenceSource, referenceId, isArchived, modifiedDateTimeUtc',
      ]);
    });

    it("refuses a filter on a list or an object, and a modified stamp that is not a date-time", () => {
      expect(problems(reads("  query: virtuous\n  collections:\n    organizationGroups:\n      by: {contactIds: Contact Id}\n    contacts:\n      by: {address: Address}\n"))).toEqual([
        "integrations/virtuous/connector.yaml:6:12: error CON001 at /reads/collections/organizationGroups/by/contactIds: organizationGroups.contactIds is a list; a filter compares one value, so only text, number and boolean fields can be declared",
        "integrations/virtuous/connector.yaml:8:12: error CON001 at /reads/collections/contacts/by/address: contacts.address is an object; a filter compares one value, so only text, number and boolean fields can be declared",
      ]);
      expect(problems(reads("  query: virtuous\n  collections:\n    gifts:\n      modifiedSince: {param: Last Modified Date, field: giftDate}\n"))).toEqual([
        "integrations/virtuous/connector.yaml:6:57: error CON001 at /reads/collections/gifts/modifiedSince/field: gifts.giftDate is not a date-time (format: date-time in system.yaml), so it cannot say when a record was modified",
      ]);
      expect(problems(reads("  query: virtuous\n  collections:\n    gifts:\n      modifiedSince: {param: Last Modified Date, field: modified}\n"))[0]).toContain('gifts has no field "modified"');
    });

    it("refuses a filter parameter named like a paging one, or given to two fields", () => {
      expect(problems(reads("  query: params\n  collections:\n    constituents:\n      by: {id: limit}\n", "offset-limit"), altru)).toEqual([
        'integrations/virtuous/connector.yaml:6:16: error CON001 at /reads/collections/constituents/by/id: the filter parameter "limit" has the name of a paging parameter (skip, take, page, per_page, offset, limit, cursor); the query\'s paging and its filter would be taken for each other',
      ]);
      expect(problems(reads("  query: params\n  collections:\n    constituents:\n      modifiedSince: {param: page}\n", "offset-limit"), altru)).toEqual([
        expect.stringContaining('at /reads/collections/constituents/modifiedSince/param: the filter parameter "page" has the name of a paging parameter'),
      ]);
      expect(problems(reads("  query: params\n  collections:\n    constituents:\n      by: {id: q, lookup_id: q}\n", "offset-limit"), altru)).toEqual([
        'integrations/virtuous/connector.yaml:6:30: error CON001 at /reads/collections/constituents/by/lookup_id: "q" filters constituents by id and lookup_id at once; give each field its own parameter',
      ]);
      // Virtuous's parameters go in the body, not beside skip and take.
      expect(problems(reads("  query: virtuous\n  collections:\n    contacts:\n      by: {id: skip}\n"))).toEqual([]);
    });

    it("refuses a query style its pagination cannot serve, and values outside the params style", () => {
      expect(problems(reads("  query: virtuous\n  collections: {}\n", "page-next-link"))).toEqual([
        "integrations/virtuous/connector.yaml:3:10: error CON001 at /reads/query: query: virtuous pages its answers by skip-take, but this connector.yaml says pagination: page-next-link",
      ]);
      expect(problems(reads("  query: soql\n  collections: {}\n"))).toEqual([
        "integrations/virtuous/connector.yaml:3:10: error CON001 at /reads/query: query: soql pages its answers by next-records-url, but this connector.yaml says pagination: skip-take",
      ]);
      expect(problems(reads("  query: virtuous\n  values: comma\n  collections: {}\n"))).toEqual([
        "integrations/virtuous/connector.yaml:4:3: error CON001 at /reads/values: values says how several values are written in query parameters, so it goes with query: params, not query: virtuous",
      ]);
      expect(problems(reads("  query: params\n  values: comma\n  collections: {}\n", "next-records-url"))).toEqual([]);
    });

    it("names a wrong setting inside reads in words, at its place", () => {
      expect(problems(reads("  query: graphql\n  collections: {}\n"))).toEqual(["integrations/virtuous/connector.yaml:3:10: error CON001 at /reads/query: reads.query must be one of params, virtuous or soql"]);
      expect(problems(reads("  query: params\n  values: semicolon\n  collections: {}\n"))).toEqual(["integrations/virtuous/connector.yaml:4:11: error CON001 at /reads/values: reads.values must be one of comma or repeat"]);
      expect(problems(reads("  collections: {}\n"))).toEqual(['integrations/virtuous/connector.yaml:3:3: error CON001 at /reads: the setting "query" is missing in reads']);
      expect(problems(reads("  query: params\n  collections:\n    contacts:\n      modifiedSince: {field: modifiedDateTimeUtc}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:6:22: error CON001 at /reads/collections/contacts/modifiedSince: the setting "param" is missing in reads.collections.contacts.modifiedSince',
      ]);
      expect(problems(reads("  query: params\n  filters: {}\n  collections: {}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:4:3: error CON001 at /reads/filters: there is no setting "reads.filters"; the settings in reads are query, values, maxValues and collections',
      ]);
      expect(problems(reads("  query: params\n  collections:\n    contacts: {list: true}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:5:16: error CON001 at /reads/collections/contacts/list: there is no setting "reads.collections.contacts.list"; the settings in reads.collections.contacts are get, by and modifiedSince',
      ]);
      expect(problems(reads("  query: params\n  collections:\n    contacts: {modifiedSince: {param: since, lookback: -1, window: 5}}\n"))).toEqual([
        'integrations/virtuous/connector.yaml:5:60: error CON001 at /reads/collections/contacts/modifiedSince/window: there is no setting "reads.collections.contacts.modifiedSince.window"; the settings in reads.collections.contacts.modifiedSince are param, field and lookback',
        "integrations/virtuous/connector.yaml:5:56: error CON001 at /reads/collections/contacts/modifiedSince/lookback: must be >= 0",
      ]);
      expect(problems(reads("  query: params\n  maxValues: 0\n  collections: {}\n"))).toEqual(["integrations/virtuous/connector.yaml:4:14: error CON001 at /reads/maxValues: must be >= 1"]);
    });
  });

  it("reports YAML that does not parse at its line", () => {
    expect(problems("pagination: [skip-take\n")[0]).toMatch(/^integrations\/virtuous\/connector\.yaml:\d+:\d+: error INP003: not valid YAML: /);
  });

  it("gives each problem its code: CON001 the settings, INP004 a key written twice, INP001 a file that cannot be read", () => {
    const codes = (text: string) => parseConnectorSettings(text, "connector.yaml", virtuous).problems.map((p) => [p.code, p.severity, p.pointer]);
    expect(codes("pagination: skip-take\npageSize: 0\n")).toEqual([["CON001", "error", "/pageSize"]]);
    expect(codes("pagination: skip-take\nwritesAs: robot\n")).toEqual([["CON001", "error", "/writesAs"]]);
    expect(codes("pagination: skip-take\npage/size: 5\n")).toEqual([["CON001", "error", "/page~1size"]]);
    expect(codes("pagination: skip-take\npagination: skip-take\n")).toEqual([["INP004", "error", undefined]]);
    expect(codes("pagination: [skip-take\n")[0]).toEqual(["INP003", "error", undefined]);
    expect(readConnectorSettings(virtuous, "nowhere/connector.yaml").problems.map(renderProblem)).toEqual([
      "nowhere/connector.yaml: error INP001: cannot read the file; virtuous needs a connector.yaml beside its system.yaml to be reached over HTTP",
    ]);
  });
});
