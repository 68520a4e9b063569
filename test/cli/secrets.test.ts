// `syncspec run` against a system that echoes the token in its error answers (issue 13, item
// 9): the token is not in what `syncspec run` prints, not in what `syncspec runs` prints (as
// text and as --json), and nowhere in the state's file. `syncspec runs` also keeps the
// credentials out of a history written before syncspec redacted them.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { distinctToken, echoedHeaders, echoServer, expectNoCredential, expectNoCredentialInStore, type Echo } from "../scheduler/echo-server.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function checkout(crm: string): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-secrets-cli-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  cpSync(join(ROOT, "specs"), join(dir, "specs"), { recursive: true });
  cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
  writeFileSync(
    join(dir, "specs/test.deploy.yaml"),
    `state: ../state.db\nconnections:\n  mobilecommons: {file: ../mc.json}\n  crm: ${crm}\nintegrations:\n  mobilecommons-crm: {spec: mobilecommons-crm.sync}\n`,
  );
  return dir;
}

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The command in a process of its own, not waited for in this one: the echoing server answers from here meanwhile. */
function syncspec(args: string[], cwd: string, env: Record<string, string>): Promise<Ran> {
  const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, env: { ...process.env, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

function expectNotPrinted(command: string, ran: Ran, credential: string): void {
  expectNoCredential(`${command}'s stdout`, ran.stdout, credential);
  expectNoCredential(`${command}'s stderr`, ran.stderr, credential);
}

const writing = (req: IncomingMessage): boolean => req.method !== "GET";

describe("`syncspec run` against a system that echoes the token", () => {
  it.each<[string, Echo, RegExp]>([
    ["writes refused (422) with the request's headers as the body", (req) => (writing(req) ? { status: 422, body: echoedHeaders(req) } : undefined), /crm\.constituents \S+ \(\w+\): 422 .*"authorization":"Bearer \[redacted\]"/],
    ["reads answered 403 with the request's headers as the body", (req) => ({ status: 403, body: echoedHeaders(req) }), /answered 403: .*access_token=\[redacted\]/],
  ])("%s: the token is not printed, not in `syncspec runs` (nor --json), not in the state", async (_, echo, shown) => {
    const token = distinctToken();
    const sandbox = await startSandbox({ connections: [{ name: "crm", system: "crm", token }], systems: SYSTEMS });
    closers.push(() => sandbox.close());
    const server = await echoServer(sandbox.url("crm"), echo);
    closers.push(() => server.close());
    const dir = checkout(`{url: "${server.url}", token: {env: CRM_TOKEN}}`);
    const env = { CRM_TOKEN: token };

    const run = await syncspec(["run", "specs/test.deploy.yaml"], dir, env);
    expectNotPrinted("syncspec run", run, token);
    expect(run.stdout).toMatch(shown);
    const runs = await syncspec(["runs", "specs/test.deploy.yaml"], dir, env);
    expectNotPrinted("syncspec runs", runs, token);
    expect(runs.stdout).toMatch(shown);
    expect(runs.status).toBe(0);
    const json = await syncspec(["runs", "specs/test.deploy.yaml", "--json"], dir, env);
    expectNotPrinted("syncspec runs --json", json, token);
    expect(json.stdout).toContain("[redacted]");
    expectNoCredentialInStore(join(dir, "state.db"), token);
  });
});

describe("`syncspec runs` over a history that holds a credential", () => {
  it("prints it redacted, as text and as --json: a store written before syncspec redacted", async () => {
    const token = distinctToken();
    const dir = checkout("{url: http://127.0.0.1:1, token: {env: CRM_TOKEN}}");
    const store = new SqliteServiceStore(join(dir, "state.db"));
    const id = (await store.startRun("mobilecommons-crm", "full run", "2026-03-01T12:00:00Z"));
    (await store.finishRun(id, {
      status: "partial",
      at: "2026-03-01T12:00:01Z",
      counts: { failed: 1 },
      message: "1 record refused; the next run tries again",
      failures: [{ system: "crm", collection: "constituents", key: "c2", action: "update", status: 500, reason: `upstream: {"authorization":"Bearer ${token}"}` }],
      cleared: [],
    }));
    store.close();
    for (const args of [[], ["--json"]]) {
      const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "runs", "specs/test.deploy.yaml", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, CRM_TOKEN: token } });
      expectNotPrinted(["syncspec runs", ...args].join(" "), { status: r.status, stdout: r.stdout, stderr: r.stderr }, token);
      expect(r.stdout).toContain(args.length > 0 ? 'Bearer [redacted]\\"' : 'Bearer [redacted]"');
      expect(r.status).toBe(0);
    }
  });
});
