// The service's own page in a real browser: opened while `syncspec run --watch` makes its
// first runs, it shows them as they end, then a run a webhook starts, and the sandbox's
// rate-limit waits, without being reloaded.
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";
import { sendWebhook } from "../../src/sandbox/webhook-sender.js";
import { expectScreenshot, openBrowser, startSyncspec, stop } from "./browser.js";

/** A copy of the specs and systems, with the state the test's own. */
function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-service-page-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  cpSync(join(ROOT, "specs"), join(dir, "specs"), { recursive: true });
  return dir;
}

const PAGE_URL = /the service's page: (http:\/\/\S+?)\/\n/;

describe("the service's page", () => {
  it("shows each integration's runs as they end, and a run a webhook starts, live", async () => {
    const dir = checkout();
    for (const system of ["raisedonors", "virtuous", "mobilecommons", "crm", "volunteerhub", "altru"]) cpSync(join(dir, "integrations", system, "sample.json"), join(dir, `${system}.json`));
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    writeFileSync(
      join(dir, "specs/files.deploy.yaml"),
      [
        "state: ../state.db",
        "server: {host: 127.0.0.1, port: 0}",
        "connections:",
        "  raisedonors: {file: ../raisedonors.json, webhookSecret: {env: RD_WEBHOOK_SECRET}}",
        ...["virtuous", "mobilecommons", "crm", "volunteerhub", "altru"].map((s) => `  ${s}: {file: ../${s}.json}`),
        "integrations:",
        "  raisedonors-virtuous: {spec: raisedonors-virtuous.sync}",
        "  mobilecommons-crm: {spec: mobilecommons-crm.sync}",
        "  volunteerhub-altru: {spec: volunteerhub-altru.sync}",
        "",
      ].join("\n"),
    );
    const { child, url } = await startSyncspec(["run", "specs/files.deploy.yaml", "--watch"], PAGE_URL, { cwd: dir, env: { ...process.env, RD_WEBHOOK_SECRET: secret } });
    const { context, page, errors, requests } = await openBrowser();
    try {
      await page.goto(`${url}/`);
      const marks = (integration: string) => page.locator(`.timeline[data-integration="${integration}"] .run`);
      await expect.poll(async () => [await marks("raisedonors-virtuous").count(), await marks("mobilecommons-crm").count(), await marks("volunteerhub-altru").count()], { timeout: 30_000 }).toEqual([1, 1, 1]);
      await expect.poll(() => page.locator(".timeline .run.ok").count(), { timeout: 30_000 }).toBe(3);
      const card = page.locator('.card[data-integration="raisedonors-virtuous"]');
      expect(await card.locator("dd").first().textContent()).toMatch(/^ok .+: 4 created, 3 updated, 1 skipped$/);
      // No schedule of its own: its events, and the nightly reconciliation.
      expect(await card.locator("dd").nth(2).textContent()).toMatch(/reconciliation nightly at 03:00 in UTC$/);
      expect(await page.locator("#refused").textContent()).toBe("No record is refused.");

      // A donor's phone changes in RaiseDonors, which says so: the run it starts appears on the page.
      const rd = JSON.parse(readFileSync(join(dir, "raisedonors.json"), "utf8")) as { donors: Record<string, Record<string, unknown>> };
      rd.donors["1001"]!["phone"] = "202-555-0199";
      rd.donors["1001"]!["modifiedDate"] = new Date().toISOString();
      writeFileSync(join(dir, "raisedonors.json"), JSON.stringify(rd));
      const answer = await sendWebhook(url, "raisedonors", secret, { type: "donor.updated", actor: "admin", recordId: "1001" });
      expect(answer.status).toBe(202);
      await expect.poll(() => marks("raisedonors-virtuous").count(), { timeout: 30_000 }).toBe(2);
      await expect.poll(() => page.locator("#runs-table tbody tr").first().textContent(), { timeout: 30_000 }).toMatch(/^4raisedonors-virtuousraisedonors donor\.updated 1001 by adminok.*1 updated$/);
      expect(errors).toEqual([]);
      expect(requests.filter((r) => !r.startsWith(`${url}/`))).toEqual([]);
      // Times change from run to run: they are covered.
      await expectScreenshot(page, "service", [page.locator(".time")]);
    } finally {
      await context.close();
      await stop(child);
    }
  }, 90_000);

  it("during `npm start`'s sandbox run, shows the runs and the waits the rate limits asked for", async () => {
    const dir = checkout();
    const { child, url } = await startSyncspec(["run", "specs/sandbox.deploy.yaml", "--sandbox", "--watch"], PAGE_URL, { cwd: dir });
    const { context, page, errors } = await openBrowser();
    try {
      await page.goto(`${url}/`);
      await expect.poll(() => page.locator(".timeline .run.ok").count(), { timeout: 60_000 }).toBe(7);
      expect(await page.locator(".card").count()).toBe(7);
      // The sandbox answers some requests 429 with Retry-After, as the vendors do: each wait is listed.
      await expect.poll(() => page.locator("#waits-table tbody tr").count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await page.locator("#waits-table tbody tr").first().textContent()).toMatch(/answered 429 \(too many requests\).*\(Retry-After\)$/);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await stop(child);
    }
  }, 90_000);
});
