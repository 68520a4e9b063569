// `npm run bench -- lsp`: how soon `syncspec lsp` says what is wrong after a one-character
// edit of a 2,000-line spec (bench/api.ts generates it), through a real client over stdio,
// against `syncspec check` of the same file as a whole process. Each edit changes a digit of
// a number in the middle of the spec's code and back, so every version is a whole spec to
// check; the time is from
// sending the edit to the diagnostics of that version. Its last line is the figures as JSON.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";
import { generateSpec } from "./api.js";

const ROOT = process.cwd();
const LINES = 2000;
const EDITS = 60;

const dir = mkdtempSync(join(tmpdir(), "syncspec-bench-lsp-"));
cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
const text = generateSpec(LINES);
const file = join(dir, "bench.sync");
writeFileSync(file, text);
const uri = pathToFileURL(file).href;

// The baseline: the whole `check` of the file, the fastest of five.
const checks: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "check", file], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`check failed: ${r.stdout}${r.stderr}`);
  checks.push(performance.now() - started);
}

const child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "lsp", "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = new Map<number, (count: number) => void>();
connection.onNotification(PublishDiagnosticsNotification.type, ({ version, diagnostics }) => {
  if (version !== undefined) waiting.get(version)?.(diagnostics.length);
});
connection.listen();
await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {}, workspaceFolders: null });
await connection.sendNotification(InitializedNotification.type, {});
const published = (version: number) => new Promise<number>((resolve) => waiting.set(version, resolve));

const first = published(1);
await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "syncspec", version: 1, text } });
if ((await first) !== 0) throw new Error("the generated spec has diagnostics");

// A number in the middle of the spec's code: "gift.amount > 50" -> "gift.amount > 51" and back.
const digit = text.indexOf("gift.amount > 50\n") + "gift.amount > 5".length;
if (digit < "gift.amount > 5".length) throw new Error("the generated spec has no gift.amount > 50");
const lines = text.slice(0, digit).split("\n");
const position = { line: lines.length - 1, character: lines.at(-1)!.length };
const times: number[] = [];
for (let version = 2; version < 2 + EDITS; version++) {
  const done = published(version);
  const started = performance.now();
  await connection.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: position, end: { line: position.line, character: position.character + 1 } }, text: version % 2 === 0 ? "1" : "0" }],
  });
  const count = await done;
  times.push(performance.now() - started);
  if (count !== 0) throw new Error(`version ${version} has ${count} diagnostics`);
}

await connection.sendRequest(ShutdownRequest.type);
await connection.sendNotification(ExitNotification.type);
connection.dispose();

// The first edits warm the JIT, as an author's first keystrokes do; the rest are timed.
const timed = times.slice(10).sort((a, b) => a - b);
const median = timed[Math.floor(timed.length / 2)]!;
const p95 = timed[Math.floor(timed.length * 0.95)]!;
console.log(JSON.stringify({ lines: text.split("\n").length, edits: timed.length, medianMs: median, p95Ms: p95, checkMs: Math.min(...checks) }));
