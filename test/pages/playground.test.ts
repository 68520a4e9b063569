// The playground in a real browser: it opens with a seed spec and its sample data, shows a
// mistake where it is typed, shows the plan again once it is fixed and changes it as the
// inputs change, and exports a case that `syncspec test` then passes.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import type { ChildProcess } from "node:child_process";
import { ROOT } from "../helpers.js";
import { expectScreenshot, openBrowser, startSyncspec, stop } from "./browser.js";
import { analyze, systemsOf } from "../../src/pages/playground/analyze.js";

describe("syncspec playground", () => {
  let child: ChildProcess;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let requests: string[];

  beforeAll(async () => {
    ({ child, url } = await startSyncspec(["playground", "--port", "0"], /syncspec playground: (http:\/\/\S+)/));
    ({ context, page, errors, requests } = await openBrowser());
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    if (child) await stop(child);
  });

  const status = () => page.locator("#status");
  /** The page analyses again after each edit: wait until it has, and the status says this. */
  const statusBecomes = async (pattern: RegExp) => expect.poll(async () => (await status().textContent()) ?? "", { timeout: 15_000 }).toMatch(pattern);

  it("opens with the first seed spec, its sample data, and the plan's outcomes per record", async () => {
    await page.goto(url);
    await statusBecomes(/^plan: /);
    expect(await page.locator("#seed").inputValue()).toBe("mobilecommons-crm");
    expect(await status().textContent()).toBe("plan: 3 create, 6 update, 2 skip");
    // A record before and after, its changed field marked; a skip with its reason; the patches.
    const c2 = page.locator('[data-record="crm.constituents/c2"]');
    await expect.poll(() => c2.locator("tr.changed th").allTextContents()).toEqual(["mobile_opt_in"]);
    expect(await c2.locator("tr.changed td.before").textContent()).toBe("true");
    expect(await c2.locator("tr.changed td.after").textContent()).toBe("false");
    expect(await page.locator(".record.skip .reasons li").first().textContent()).toMatch(/\S/);
    const patches = JSON.parse((await page.locator("#patches").textContent())!) as Record<string, { op: string; path: string }[]>;
    expect(patches["crm"]).toContainEqual(expect.objectContaining({ op: "replace", path: "/constituents/c2/mobile_opt_in" }));
    expect(errors).toEqual([]);
    // Its own page, script, style sheet and data; nothing from elsewhere (it works offline).
    expect(requests.filter((r) => !r.startsWith(url))).toEqual([]);
    expect(requests.map((r) => r.slice(url.length)).sort()).toEqual(["", "data.json", "pages.css", "playground.js"]);
    await expectScreenshot(page, "playground");
  });

  it("shows a mistake where it is typed, and the plan again once it is fixed", async () => {
    const before = await status().textContent();
    const editor = page.locator("#spec .cm-content");
    await editor.click();
    await page.keyboard.press("Control+End");
    // The spec ends with a line break: the cursor is on an empty last line.
    const typed = "link broken in";
    await page.keyboard.type(typed);
    await statusBecomes(/^1 error in the spec: no plan$/);
    const problem = page.locator("#problems li.error").first();
    expect(await problem.textContent()).toMatch(/specs\/mobilecommons-crm\.sync SYN\d{3}: /);
    // In the editor, underlined where it is.
    await expect.poll(() => page.locator("#spec .cm-lintRange-error, #spec .cm-lintPoint-error").count()).toBeGreaterThan(0);
    expect(await page.locator("#spec .cm-lint-marker-error").count()).toBe(1);

    for (let i = 0; i < typed.length; i++) await page.keyboard.press("Backspace");
    await statusBecomes(/^plan: /);
    expect(await status().textContent()).toBe(before);
    expect(await page.locator("#problems li").count()).toBe(0);
  });

  it("changes the plan as a param and a snapshot change", async () => {
    await page.locator("#params").fill("mode=conservative");
    await statusBecomes(/^plan: (?!3 create, 6 update, 2 skip$)/);
    const conservative = await status().textContent();

    // The CRM has no constituents yet: every profile becomes one, and nothing is matched.
    const right = page.locator("#right .cm-content");
    await right.click();
    await page.keyboard.press("Control+a");
    await page.keyboard.type('{"constituents": {}}');
    await expect.poll(async () => await status().textContent(), { timeout: 15_000 }).not.toBe(conservative);
    expect(await status().textContent()).toMatch(/^plan: \d+ create/);
    expect(await page.locator("[data-record^='crm.constituents/mc-']").count()).toBeGreaterThan(0);
  });

  it("exports the case as a spec test that `syncspec test` passes", async () => {
    await page.locator("#export").click();
    const exported = await page.locator("#exported").inputValue();
    expect(exported).toMatch(/^# Exported from the syncspec playground/);
    const dir = mkdtempSync(join(tmpdir(), "syncspec-playground-case-"));
    mkdirSync(join(dir, "specs"));
    copyFileSync(join(ROOT, "specs", "mobilecommons-crm.sync"), join(dir, "specs", "mobilecommons-crm.sync"));
    writeFileSync(join(dir, "specs", "mobilecommons-crm.test.yaml"), exported);
    const run = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "test", join(dir, "specs"), "--systems", join(ROOT, "integrations")], { encoding: "utf8" });
    expect(run.stdout).toMatch(/1 passed, 0 failed\n$/);
    expect(run.status).toBe(0);
    expect(errors).toEqual([]);
  });

  it("applies a run and runs again: nothing left to do; then an edit on both sides is a conflict, with its reason", async () => {
    await page.locator("#seed").selectOption("raisedonors-virtuous");
    await statusBecomes(/^plan: 4 create, 3 update, 1 skip$/);
    await page.locator("#apply").click();
    // Applying a run's patches and planning again gives nothing (but the skip, which stays).
    await statusBecomes(/^plan: 1 skip$/);
    expect(await page.locator("#state-text").textContent()).toMatch(/^The run starts from the state the applied run left/);

    // The same phone changed on both sides since: the newer side wins, and the page says why.
    const data = (await (await fetch(`${url}data.json`)).json()) as { systems: Record<string, string>; seeds: { name: string; spec: string; snapshots: Record<string, string>; now: string }[] };
    const seed = data.seeds.find((s) => s.name === "raisedonors-virtuous")!;
    const first = analyze({ specName: "specs/raisedonors-virtuous.sync", spec: seed.spec, snapshots: seed.snapshots, params: "", now: seed.now }, systemsOf(data.systems));
    const docs = first.run!.applied.documents as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    Object.assign(docs["raisedonors"]!["donors"]!["1001"]!, { phone: "202-555-0111", modifiedDate: "2026-11-05T09:00:00Z" });
    Object.assign(docs["virtuous"]!["contacts"]!["c1"]!, { phone: "202-555-0122", modifiedDateTimeUtc: "2026-11-05T10:00:00Z" });
    for (const [editor, system] of [["#left", "raisedonors"], ["#right", "virtuous"]] as const) {
      await page.locator(`${editor} .cm-content`).click();
      await page.keyboard.press("Control+a");
      await page.keyboard.insertText(JSON.stringify(docs[system], null, 2));
    }
    await statusBecomes(/conflict/);
    const conflict = page.locator('[data-record="raisedonors.donors/1001"]');
    await expect.poll(() => conflict.locator(".badge").allTextContents()).toContain("conflict");
    expect(await conflict.locator(".reasons li.conflict").first().textContent()).toMatch(/phone/);
    expect(await conflict.locator("tr.changed th").allTextContents()).toContain("phone");
    expect(await conflict.locator("tr.changed td.after").first().textContent()).toBe('"202-555-0122"');

    await page.locator("#forget").click();
    expect(await page.locator("#state-note").isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });

  it("opens any seed spec with its sample data", async () => {
    await page.locator("#seed").selectOption("vomo-virtuous");
    await statusBecomes(/^plan: /);
    expect(await page.locator("#spec-title").textContent()).toBe("specs/vomo-virtuous.sync");
    expect(await page.locator("#params").inputValue()).toMatch(/^connected_at=/);
    expect(await page.locator("[data-record^='virtuous.volunteerAttendances/']").count()).toBeGreaterThan(0);
  });
});
