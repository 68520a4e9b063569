// `syncspec lsp` as an editor meets it: a real client (vscode-languageserver-protocol) talking
// JSON-RPC to the built command over its stdin and stdout, on a copy of the specs and systems.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CompletionRequest,
  createProtocolConnection,
  DefinitionRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type Hover,
  type Location,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { ROOT } from "../helpers.js";

let child: ChildProcess;
let connection: ProtocolConnection;
let dir: string;
/** The diagnostics published for each document, by uri, the latest last. */
const published = new Map<string, Diagnostic[][]>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "syncspec-lsp-"));
  cpSync(join(ROOT, "integrations"), join(dir, "integrations"), { recursive: true });
  cpSync(join(ROOT, "specs"), join(dir, "specs"), { recursive: true });
  child = spawn(process.execPath, [join(ROOT, "bin/syncspec.js"), "lsp", "--stdio"], { cwd: dir, stdio: ["pipe", "pipe", "inherit"] });
  connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  connection.onNotification(PublishDiagnosticsNotification.type, ({ uri, diagnostics }) => {
    const list = published.get(uri) ?? [];
    list.push(diagnostics);
    published.set(uri, list);
  });
  connection.listen();
  const init = await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: pathToFileURL(dir).href, capabilities: {}, workspaceFolders: null });
  expect(init.capabilities).toMatchObject({ hoverProvider: true, definitionProvider: true, documentFormattingProvider: true, documentSymbolProvider: true, completionProvider: { triggerCharacters: ["."] } });
  await connection.sendNotification(InitializedNotification.type, {});
});

afterAll(async () => {
  await connection.sendRequest(ShutdownRequest.type);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  await connection.sendNotification(ExitNotification.type);
  await exited;
  connection.dispose();
});

const uriOf = (name: string) => pathToFileURL(join(dir, "specs", name)).href;
const text = (name: string) => readFileSync(join(dir, "specs", name), "utf8");

async function open(name: string, content: string): Promise<Diagnostic[]> {
  const uri = uriOf(name);
  const before = published.get(uri)?.length ?? 0;
  await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: "syncspec", version: 1, text: content } });
  await expect.poll(() => published.get(uri)?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(before);
  return published.get(uri)!.at(-1)!;
}

/** The line and character of the first `needle` in the text, plus `after` characters. */
function at(content: string, needle: string, after = 0): { line: number; character: number } {
  const offset = content.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} is not in the text`);
  const lines = content.slice(0, offset + after).split("\n");
  return { line: lines.length - 1, character: lines.at(-1)!.length };
}

const labels = (answer: CompletionItem[] | CompletionList | null): string[] => (Array.isArray(answer) ? answer : (answer?.items ?? [])).map((i) => i.label);

describe("syncspec lsp", () => {
  it("publishes as the author types the diagnostics `syncspec check` gives, and none once fixed", async () => {
    const broken = text("raisedonors-virtuous.sync").replace("donor.phone <-> contact.phone", "donor.phon <-> contact.phone");
    const diagnostics = await open("raisedonors-virtuous.sync", broken);
    const check = spawnSync(process.execPath, [join(ROOT, "bin/syncspec.js"), "check", "--json", "specs/raisedonors-virtuous.sync"], { cwd: dir, encoding: "utf8" });
    // check reads the file, which still holds the fixed text: the editor's buffer is another spec.
    expect(JSON.parse(check.stdout)).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.range.start.line + 1, d.range.start.character + 1, String(d.message).split("\n")[0]])).toEqual([["NAM003", 30, 9, "a raisedonors.donors record has no field `phon`"]]);
    expect(String(diagnostics[0]!.message)).toContain("did you mean `phone`?");

    const uri = uriOf("raisedonors-virtuous.sync");
    const count = published.get(uri)!.length;
    const start = at(broken, "donor.phon ", 10);
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start, end: start }, text: "e" }] });
    await expect.poll(() => published.get(uri)!.length, { timeout: 10_000 }).toBeGreaterThan(count);
    expect(published.get(uri)!.at(-1)).toEqual([]);
  });

  it("completes in context: after `donor.` a donor's fields only, elsewhere the names in scope, functions and params", async () => {
    const rd = text("raisedonors-virtuous.sync");
    await open("rd-copy.sync", rd);
    const rdUri = uriOf("rd-copy.sync");
    const afterDonor = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: rdUri }, position: at(rd, "donor.phone <-> contact.phone", "donor.".length) }));
    expect(afterDonor).toEqual(expect.arrayContaining(["firstName", "lastName", "isOrganization", "crmKey", "address"]));
    expect(afterDonor).not.toContain("contactType");
    const afterSystem = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: rdUri }, position: at(rd, "raisedonors.gifts", "raisedonors.".length) }));
    expect(afterSystem.sort()).toEqual(["donors", "gifts"]);
    // A bare name in the rule: its aliases and lets, the functions, the keywords.
    const names = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: rdUri }, position: at(rd, "where contact != null", "where ".length) }));
    expect(names).toEqual(expect.arrayContaining(["gift", "donor", "contact", "now", "coalesce", "linked", "where"]));
    // Inside a string compared with a field of allowed values, or written into one: those values.
    const statuses = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: rdUri }, position: at(rd, 'gift.status == "Succeeded"', 'gift.status == "Suc'.length) }));
    expect(statuses).toEqual(["Succeeded", "Failed", "Refunded"]);
    const kinds = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: rdUri }, position: at(rd, 'then "Organization"', 'then "'.length) }));
    expect(kinds).toEqual(["Household", "Organization"]);
  });

  it("hovers with a field's type, a function's summary and examples, a param's allowed values", async () => {
    const rd = text("raisedonors-virtuous.sync");
    const uri = uriOf("rd-copy.sync");
    const field = (await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at(rd, "donor.isOrganization then", "donor.".length + 2) })) as Hover;
    expect(JSON.stringify(field.contents)).toContain("`isOrganization`: bool");
    expect(JSON.stringify(field.contents)).toContain("raisedonors.donors");
    const fn = (await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at(rd, "coalesce(", 2) })) as Hover;
    expect(JSON.stringify(fn.contents)).toMatch(/coalesce\(.*\).*→/);
    const spec = text("momentum-raisersedge.sync");
    await open("momentum-copy.sync", spec);
    const param = (await connection.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf("momentum-copy.sync") }, position: at(spec, 'when removals == "keep"', "when ".length + 2) })) as Hover;
    expect(JSON.stringify(param.contents)).toContain('param removals: one of \\"remove\\", \\"keep\\"');
    // And completes the names in scope there, a param among them.
    const names = labels(await connection.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf("momentum-copy.sync") }, position: at(spec, 'when removals == "keep"', "when ".length) }));
    expect(names).toEqual(expect.arrayContaining(["removals", "primary_types", "fundraiser"]));
  });

  it("goes to an alias's definition in the spec, and from a field to its system.yaml", async () => {
    const rd = text("raisedonors-virtuous.sync");
    const uri = uriOf("rd-copy.sync");
    const alias = (await connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at(rd, "where contact != null", "where ".length + 1) })) as Location;
    expect(alias.uri).toBe(uri);
    expect(alias.range.start).toEqual(at(rd, "contact = linked(donor)"));
    const field = (await connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at(rd, "donor.email -> contact.email", "donor.".length + 1) })) as Location;
    expect(field.uri).toBe(pathToFileURL(join(dir, "integrations", "raisedonors", "system.yaml")).href);
    const yaml = readFileSync(join(dir, "integrations", "raisedonors", "system.yaml"), "utf8").split("\n");
    expect(yaml[field.range.start.line]!.trim()).toMatch(/^email:/);
  });

  it("lists the spec's statements as symbols, and formats a spec into the canonical layout", async () => {
    const rd = text("raisedonors-virtuous.sync");
    const uri = uriOf("rd-copy.sync");
    const symbols = (await connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as { name: string }[];
    expect(symbols.map((s) => s.name)).toEqual(expect.arrayContaining(["sync raisedonors <-> virtuous", "link donor <-> contact"]));
    const messy = rd.replace("sync raisedonors <-> virtuous", "sync   raisedonors<->virtuous");
    await open("messy.sync", messy);
    const edits = await connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: uriOf("messy.sync") }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits![0]!.newText).toBe(rd);
  });
});
