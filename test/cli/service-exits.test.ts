// How `syncspec run` ends (issue 13): non-zero, with the table naming it, when a run did not
// do its work; a clear line, not an internal error, when the server's port is taken; and on
// SIGTERM during the first run as on SIGINT: the runs under way end, the lock is released.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { expectExampleText } from "../diagnostics/examples.js";

const STACK = /\n\s+at /;

function checkout(): string {
  const dir = mkdtempSync(join(tmpdir(), "syncspec-run-exits-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  cpSync(join(ROOT, "specs"), join(dir, "specs"), { recursive: true });
  cpSync(join(dir, "integrations/mobilecommons/sample.json"), join(dir, "mc.json"));
  cpSync(join(dir, "integrations/crm/sample.json"), join(dir, "crm.json"));
  return dir;
}

/** specs/test.deploy.yaml: `crm` is a connection's settings; `more` goes after them, at the top level. */
function deployment(dir: string, crm: string, more = "", integrations = ["mobilecommons-crm"]): void {
  const lines = integrations.map((name) => `  ${name}: {spec: mobilecommons-crm.sync}\n`).join("");
  writeFileSync(join(dir, "specs/test.deploy.yaml"), `state: ../state.db\n${more}connections:\n  mobilecommons: {file: ../mc.json}\n  crm: ${crm}\nintegrations:\n${lines}`);
}

function syncspec(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), ...args], { cwd, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe("a run that did not do its work", () => {
  it.each([
    ["a snapshot file that is missing", "{file: ../missing.json}", () => undefined],
    ["a snapshot file that is not a crm snapshot", "{file: ../crm.json}", (dir: string) => writeFileSync(join(dir, "crm.json"), '{"nope": {}}\n')],
  ])("makes `syncspec run` exit 1, the table naming it: %s", (_, crm, spoil) => {
    const dir = checkout();
    spoil(dir);
    deployment(dir, crm);
    const r = syncspec(["run", "specs/test.deploy.yaml"], dir);
    expect(r.stdout).toMatch(/^ {2}incomplete +mobilecommons-crm \(full run, [\d.]+s\): /m);
    expect(r.stdout).toMatch(/^mobilecommons-crm +incomplete +1 +0 +0 +0 /m);
    expect(r.stderr).toBe("\n1 integration read incompletely (so nothing was deleted, and the next run reads again): mobilecommons-crm\n");
    expect(r.status).toBe(1);
  });
});

describe("a server port that is taken", () => {
  it("is a line naming the host and the port, and exit 1, not an internal error", async () => {
    const taken: Server = createTcpServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const dir = checkout();
    deployment(dir, "{file: ../crm.json}", `server: {host: 127.0.0.1, port: ${port}}\n`);
    const r = syncspec(["run", "specs/test.deploy.yaml", "--watch"], dir);
    expect(r.stderr).toMatch(new RegExp(`^specs/test\\.deploy\\.yaml:\\d+:\\d+: error DEP006 at /server: cannot serve on 127\\.0\\.0\\.1:${port}: the port is in use by another program; stop that program, or give the deployment another server port\nnothing was run\n$`));
    // The port differs from run to run; the example shows the default one.
    expectExampleText("DEP006", r.stderr.split("\n")[0]!.replaceAll(String(port), "8787"));
    expect(r.stderr).not.toMatch(STACK);
    expect(r.status).toBe(1);
  });
});

/** A loopback proxy to `target` that holds every request until open() is called. */
async function gate(target: string): Promise<{ url: string; arrived: Promise<void>; open(): void }> {
  const held: (() => void)[] = [];
  let opened = false;
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    // The rest are the connection's, which fetch makes anew.
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string" && !["host", "connection", "content-length", "transfer-encoding"].includes(name)) headers[name] = value;
    fetch(`${target}${req.url}`, { method: req.method ?? "GET", headers, ...(body.length > 0 ? { body } : {}) })
      .then(async (answer) => {
        const type = answer.headers.get("content-type");
        res.writeHead(answer.status, type ? { "content-type": type } : {});
        res.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch(() => res.destroy());
  };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const pass = (): void => forward(req, res, Buffer.concat(chunks));
      arrive();
      if (opened) pass();
      else held.push(pass);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    open: () => {
      opened = true;
      for (const pass of held.splice(0)) pass();
    },
  };
}

describe("a signal during the first run", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s lets the runs under way end, runs no more, releases the lock, and exits 1", async (signal) => {
    const token = "test-token-for-the-crm";
    const sandbox: Sandbox = await startSandbox({ connections: [{ name: "crm", system: "crm", token }], systems: SYSTEMS });
    closers.push(() => sandbox.close());
    const held = await gate(sandbox.url("crm"));
    const dir = checkout();
    // Three integrations, two at a time: two are under way, held at the gate, when the signal comes; the third waits.
    deployment(dir, `{url: "${held.url}", token: {env: CRM_TOKEN}}`, "", ["first", "second", "third"]);
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "run", "specs/test.deploy.yaml"], { cwd: dir, env: { ...process.env, CRM_TOKEN: token } });
    let stdout = "";
    let stderr = "";
    let heard: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => (heard = resolve));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("stopping: waiting for runs in progress")) heard();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, by) => resolve({ code, signal: by })));

    await held.arrived;
    child.kill(signal);
    // Held until the service has heard the signal, so the runs are under way when it comes.
    await Promise.race([stopping, exited]);
    held.open();
    const end = await exited;

    expect(end).toEqual({ code: 1, signal: null });
    expect(stdout).toMatch(/^first +(ok|partial) +1 /m);
    expect(stdout).toMatch(/^second +(ok|partial) +1 /m);
    expect(stdout).toMatch(/^third +not run +0 /m);
    expect(stderr).toMatch(/^1 integration did not run, as syncspec was stopped first: third$/m);
    expect(stderr).not.toMatch(STACK);
    expect(existsSync(join(dir, "state.db.lock"))).toBe(false);
  });
});
