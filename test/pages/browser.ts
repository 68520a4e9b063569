// A real browser for the pages' tests: Debian's chromium driven by playwright-core, headless,
// with a fresh profile each time. Where chromium is not installed the tests fail and say how
// to get it (they are never skipped): `apt-get install -y chromium`, or SYNCSPEC_CHROMIUM
// naming another build of it.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import pixelmatch from "pixelmatch";
import { chromium, type BrowserContext, type Locator, type Page } from "playwright-core";
import { PNG } from "pngjs";
import { expect } from "vitest";
import { ROOT } from "../helpers.js";

export const CHROMIUM = process.env["SYNCSPEC_CHROMIUM"] ?? "/usr/bin/chromium";

/** A page in a fresh headless chromium, at a fixed size so that screenshots compare. */
export async function openBrowser(): Promise<{ context: BrowserContext; page: Page; errors: string[]; requests: string[] }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no chromium at ${CHROMIUM}: the pages' tests drive a real browser. Install it with \`apt-get install -y chromium\` (.ci/run does), or set SYNCSPEC_CHROMIUM to a chromium build`);
  }
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "syncspec-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--font-render-hinting=none", "--force-color-profile=srgb"],
    viewport: { width: 1400, height: 1000 },
    deviceScaleFactor: 1,
    locale: "en-US",
    timezoneId: "UTC",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  // Whatever goes wrong in the page fails the test that reads `errors`.
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // Every request the page makes: the pages load nothing from elsewhere.
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  return { context, page, errors, requests };
}

/** Starts `syncspec ARGS` from the built command and resolves with the URL it prints, matched by `pattern`. */
export async function startSyncspec(args: readonly string[], pattern: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const read = (d: Buffer) => {
      output += d.toString();
      const found = pattern.exec(output);
      if (found) resolve(found[1]!);
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => reject(new Error(`syncspec ${args.join(" ")} stopped (exit ${code}): ${output}`)));
  });
  return { child, url, output: () => output };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/**
 * A screenshot compared with its baseline in docs/screenshots/ (the README shows them): the
 * same within a few pixels in a thousand, as antialiasing may differ. `mask` covers what
 * changes from run to run (times). UPDATE_GOLDEN=1 writes the baseline.
 */
export async function expectScreenshot(page: Page, name: string, mask: Locator[] = []): Promise<void> {
  const path = join(ROOT, "docs", "screenshots", `${name}.png`);
  const actual = await page.screenshot({ mask, maskColor: "#c9ced6", animations: "disabled", caret: "hide" });
  const shown = relative(ROOT, path);
  if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(path)) {
    if (process.env["UPDATE_GOLDEN"] !== "1") expect.fail(`no baseline ${shown}; run the test with UPDATE_GOLDEN=1 and look at it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  const want = PNG.sync.read(readFileSync(path));
  const got = PNG.sync.read(actual);
  expect([got.width, got.height], `${shown}: the screenshot's size`).toEqual([want.width, want.height]);
  const diff = new PNG({ width: want.width, height: want.height });
  const differing = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: 0.1 });
  const share = differing / (want.width * want.height);
  if (share > 0.002) {
    const out = join(tmpdir(), `syncspec-${name}-diff.png`);
    writeFileSync(out, PNG.sync.write(diff));
    writeFileSync(join(tmpdir(), `syncspec-${name}-actual.png`), actual);
    expect.fail(`${shown}: ${(share * 100).toFixed(2)}% of the pixels differ (the difference is in ${out}); if the page changed on purpose, rerun with UPDATE_GOLDEN=1`);
  }
}
