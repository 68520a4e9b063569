// A process killed part-way through applying a run, and started again: it must end where an
// uninterrupted run ends (the same records, the same state), with no record created twice and
// the killed run in the history as interrupted. The real command, killed with SIGKILL.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../src/sandbox/sandbox.js";
import { serializeState } from "../../src/state/state.js";
import { SqliteServiceStore } from "../../src/stores/sqlite-store.js";
import { ROOT, SYSTEMS } from "../helpers.js";
import { tempFile } from "./support.js";

const sandboxes: Sandbox[] = [];
afterEach(async () => {
  for (const s of sandboxes.splice(0)) await s.close();
});

/** A sandbox for VolunteerHub -> Altru, and a deployment file that points `syncspec run` at it. */
async function setUp(): Promise<{ sandbox: Sandbox; deployment: string; state: string; env: NodeJS.ProcessEnv }> {
  const tokens = { volunteerhub: randomBytes(8).toString("hex"), altru: randomBytes(8).toString("hex") };
  const sandbox = await startSandbox({
    connections: [
      { name: "volunteerhub", system: "volunteerhub", token: tokens.volunteerhub },
      { name: "altru", system: "altru", token: tokens.altru },
    ],
    systems: SYSTEMS,
  });
  sandboxes.push(sandbox);
  const deployment = tempFile("deploy.yaml");
  const state = join(deployment, "..", "state.db");
  writeFileSync(
    deployment,
    [
      `state: ${state}`,
      "connections:",
      `  volunteerhub: {url: "${sandbox.url("volunteerhub")}", token: {env: VH_TOKEN}}`,
      `  altru: {url: "${sandbox.url("altru")}", token: {env: ALTRU_TOKEN}}`,
      "integrations:",
      `  volunteerhub-altru: {spec: "${join(ROOT, "specs/volunteerhub-altru.sync")}"}`,
      "",
    ].join("\n"),
  );
  return { sandbox, deployment, state, env: { ...process.env, VH_TOKEN: tokens.volunteerhub, ALTRU_TOKEN: tokens.altru } };
}

function runToEnd(deployment: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "run", deployment], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function syncedOf(file: string): Promise<string> {
  const store = new SqliteServiceStore(file);
  try {
    return serializeState("volunteerhub-altru", { ...(await store.loadState("volunteerhub-altru")), lastRun: null });
  } finally {
    await store.close();
  }
}

describe("a run killed part-way", () => {
  it("started again, ends as an uninterrupted run does, creating nothing twice", async () => {
    // The run as it goes when nothing stops it.
    const reference = await setUp();
    const whole = await runToEnd(reference.deployment, reference.env);
    expect(whole.stderr).toBe("");
    expect(whole.status).toBe(0);

    // The same run, killed once some of its writes have landed.
    const world = await setUp();
    world.sandbox.faults("altru").delay(100);
    const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "run", world.deployment], { env: world.env, stdio: "ignore" });
    const landed = (): number => world.sandbox.stats("altru").writes.filter((w) => w.status < 300).length;
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (landed() >= 3) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(poll);
        reject(new Error("the run ended before it could be killed"));
      });
    });
    await new Promise((resolve) => child.on("close", resolve));
    const applied = landed();
    expect(applied).toBeGreaterThanOrEqual(3);
    expect(applied).toBeLessThan(reference.sandbox.stats("altru").writes.length);

    world.sandbox.faults("altru").clear();
    const again = await runToEnd(world.deployment, world.env);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/interrupted volunteerhub-altru \(run 1, started .*\): the process stopped part-way/);

    expect(world.sandbox.document("altru")).toEqual(reference.sandbox.document("altru"));
    expect(world.sandbox.document("volunteerhub")).toEqual(reference.sandbox.document("volunteerhub"));
    expect(await syncedOf(world.state)).toBe(await syncedOf(reference.state));
    for (const w of world.sandbox.stats("altru").writes.filter((x) => x.method === "PUT")) {
      expect(world.sandbox.stats("altru").createsOf(w.collection, w.key), `${w.collection} ${w.key}`).toBe(1);
    }
    const store = new SqliteServiceStore(world.state);
    try {
      expect((await store.runs()).map((r) => r.status)).toEqual(["ok", "interrupted"]);
      // The journal has every write the killed run saw land; the last may have landed at the
      // system as the process died, before the answer came back.
      expect((await store.journal(1)).length).toBeGreaterThanOrEqual(applied - 1);
      expect((await store.journal(1)).length).toBeLessThanOrEqual(applied);
    } finally {
      store.close();
    }
  });

  it("`syncspec runs` shows the history afterwards", async () => {
    const world = await setUp();
    expect((await runToEnd(world.deployment, world.env)).status).toBe(0);
    const shown = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "runs", world.deployment], { encoding: "utf8" });
    expect(shown.status).toBe(0);
    expect(shown.stdout).toMatch(/^\s+1 {2}\S+ {2}ok {10}volunteerhub-altru \(full run\): 4 created, 1 updated, 2 deleted, 4 skipped$/m);
  });
});
