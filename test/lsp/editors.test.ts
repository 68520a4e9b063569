// The VS Code package in editors/vscode/: it highlights with the same TextMate grammar as
// grammar/ (a copy, so the package holds it), for the .sync files, and starts `syncspec lsp`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../helpers.js";

const VSCODE = join(ROOT, "editors", "vscode");

it("packages the grammar of grammar/ for .sync files, and a client that starts syncspec lsp", () => {
  const manifest = JSON.parse(readFileSync(join(VSCODE, "package.json"), "utf8")) as {
    main: string;
    contributes: { languages: { id: string; extensions: string[]; configuration: string }[]; grammars: { language: string; path: string; scopeName: string }[]; configuration: { properties: Record<string, { default: string[] }> } };
  };
  const [language] = manifest.contributes.languages;
  expect(language).toMatchObject({ id: "syncspec", extensions: [".sync"] });
  const [grammar] = manifest.contributes.grammars;
  expect(readFileSync(join(VSCODE, grammar!.path), "utf8")).toBe(readFileSync(join(ROOT, "grammar", "syncspec.tmLanguage.json"), "utf8"));
  expect(grammar!.scopeName).toBe((JSON.parse(readFileSync(join(ROOT, "grammar", "syncspec.tmLanguage.json"), "utf8")) as { scopeName: string }).scopeName);
  for (const file of [manifest.main, language!.configuration]) expect(existsSync(join(VSCODE, file)), file).toBe(true);
  expect(manifest.contributes.configuration.properties["syncspec.command"]!.default.slice(-3)).toEqual(["syncspec", "lsp", "--stdio"]);
  expect(readFileSync(join(VSCODE, manifest.main), "utf8")).toContain('getConfiguration("syncspec").get("command")');
});
