// `syncspec playground`: the playground page on loopback. The page compiles and runs specs
// itself; this serves it, with the system definitions and the seed specs and their sample
// data it opens with (data.json). Nothing is written anywhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { compileSpec } from "../language/compile.js";
import { loadSystems } from "../language/systems/load.js";
import { findIntegrations, MissingPath, PACKAGE_ROOT } from "../source/files.js";
import { fromThisMachine, ONLY_THIS_MACHINE, pageFiles, sendPageFile } from "../server/pages.js";
import { send, sendJson } from "../server/responses.js";

export interface PlaygroundOptions {
  /** The spec to open with; by default the first seed spec. */
  readonly spec?: string;
  readonly port: number;
  readonly systems?: string;
}

const HOST = "127.0.0.1";

interface Seed {
  readonly name: string;
  readonly spec: string;
  readonly snapshots: Record<string, string>;
  readonly params: string;
  readonly now: string;
}

/** A spec with the sample data of its two systems, and the params and time of its first test case that has them. */
function seedOf(file: string, integrations: string, systems: ReturnType<typeof loadSystems>["systems"]): Seed {
  const text = readFileSync(file, "utf8");
  const name = basename(file, ".sync");
  const compiled = compileSpec(text, file, systems);
  const sync = compiled.ast?.statements.find((s) => s.kind === "sync");
  const snapshots: Record<string, string> = {};
  for (const system of sync ? [sync.left.name, sync.right.name] : []) {
    const sample = join(integrations, system, "sample.json");
    snapshots[system] = existsSync(sample) ? readFileSync(sample, "utf8") : "{}\n";
  }
  let params = "";
  let now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const tests = file.replace(/\.sync$/, ".test.yaml");
  if (existsSync(tests)) {
    try {
      const cases = ((parse(readFileSync(tests, "utf8")) as { cases?: { now?: string; params?: Record<string, unknown> }[] }).cases ?? []);
      const first = cases.find((c) => c.params && Object.keys(c.params).length > 0) ?? cases[0];
      if (first?.params) params = Object.entries(first.params).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join("\n");
      if (typeof first?.now === "string") now = first.now;
    } catch {
      // A test file that does not read is `syncspec test`'s to report; the page opens without its params.
    }
  }
  return { name, spec: text, snapshots, params, now };
}

export async function runPlayground(options: PlaygroundOptions, out: (t: string) => void, err: (t: string) => void): Promise<number> {
  if (options.spec !== undefined && !existsSync(options.spec)) throw new MissingPath(`${options.spec}: no such file`);
  const integrations = findIntegrations(options.spec ?? process.cwd(), options.systems);
  const loaded = loadSystems(integrations);
  const definitions: Record<string, string> = {};
  for (const [name, system] of loaded.systems) definitions[name] = readFileSync(system.file, "utf8");
  // The seed specs beside syncspec, and the one asked for (first, when it is not a seed).
  const specsDir = join(PACKAGE_ROOT, "specs");
  const files = readdirSync(specsDir).filter((f) => f.endsWith(".sync")).sort().map((f) => join(specsDir, f));
  const seeds = files.map((f) => seedOf(f, integrations, loaded.systems));
  let open = seeds[0]?.name ?? "";
  if (options.spec !== undefined) {
    const asked = seedOf(options.spec, integrations, loaded.systems);
    const same = seeds.findIndex((s) => s.name === asked.name);
    if (same >= 0) seeds[same] = asked;
    else seeds.unshift(asked);
    open = asked.name;
  }
  const data = JSON.stringify({ systems: definitions, seeds, open });
  const files$ = pageFiles("playground");

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (!fromThisMachine(req)) return sendJson(res, 403, { error: ONLY_THIS_MACHINE });
    if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: `${path} takes GET` }, { allow: "GET, HEAD" });
    if (path === "/data.json") return send(res, 200, "application/json; charset=utf-8", data);
    const file = files$.get(path);
    if (file) return sendPageFile(res, file, "playground");
    sendJson(res, 404, { error: `nothing is served at ${path.slice(0, 200)}; the playground is at /` });
  });
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      server.once("error", reject);
      // Loopback only: the page is for the person at this machine.
      server.listen(options.port, HOST, () => {
        const address = server.address() as AddressInfo;
        resolve(`http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}/`);
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    err(`syncspec: ${code === "EADDRINUSE" ? `port ${options.port} on ${HOST} is in use: give another with --port, or --port 0 for any free one` : `cannot listen on ${HOST}:${options.port}: ${(error as Error).message}`}\n`);
    return 1;
  }
  out(`syncspec playground: ${url} (${seeds.length} specs; Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}
