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
      'integrations/virtuous/connector.yaml:2:1: error CON001 at /page_size: there is no setting "page_size"; the settings are pagination, pageSize, writesAs and readLimits',
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
