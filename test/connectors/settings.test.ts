// connector.yaml: every system has one that loads, and a wrong one is reported with the
// file, the line and the setting, in words a person can act on.
import { describe, expect, it } from "vitest";
import { loadConnectorSettings, parseConnectorSettings } from "../../src/connectors/settings.js";
import { formatProblem } from "../../src/diagnostics/input-problem.js";
import { SYSTEMS } from "./support.js";

const virtuous = SYSTEMS.get("virtuous")!;
const vomo = SYSTEMS.get("vomo")!;
const problems = (text: string, system = virtuous) => parseConnectorSettings(text, "integrations/virtuous/connector.yaml", system).problems.map(formatProblem);

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
    expect(problems("pagination: skip-take\npageSize: 0\n")).toEqual(["integrations/virtuous/connector.yaml:2:11: error at /pageSize: must be >= 1"]);
    expect(problems("pagination: cursor\n")).toEqual(["integrations/virtuous/connector.yaml:1:13: error at /pagination: pagination must be one of skip-take, page-next-link, offset-limit, next-records-url"]);
    expect(problems("pagination: skip-take\npage_size: 50\n")).toEqual([
      'integrations/virtuous/connector.yaml:2:1: error at /page_size: there is no setting "page_size"; the settings are pagination, pageSize and writesAs',
    ]);
    expect(problems("pageSize: 50\n")).toEqual([
      'integrations/virtuous/connector.yaml:1:1: error at the top: the setting "pagination" is missing (one of skip-take, page-next-link, offset-limit, next-records-url)',
    ]);
  });

  it("checks writesAs against the system's actors", () => {
    expect(problems("pagination: skip-take\nwritesAs: robot\n")).toEqual(['integrations/virtuous/connector.yaml:2:11: error at /writesAs: virtuous has no actor "robot"; its actors are admin, donor, api, ncoa']);
    expect(problems("pagination: page-next-link\nwritesAs: api\n", vomo)).toEqual(['integrations/virtuous/connector.yaml:2:11: error at /writesAs: vomo has no actor "api"; its events carry no actor, so leave writesAs out']);
  });

  it("reports YAML that does not parse at its line", () => {
    expect(problems("pagination: [skip-take\n")[0]).toMatch(/^integrations\/virtuous\/connector\.yaml:\d+:\d+: error: not valid YAML: /);
  });
});
