// The VS Code client of `syncspec lsp`: it starts the language server for .sync files, with
// the command the setting syncspec.command names (the project's own syncspec by default),
// and lets vscode-languageclient carry the protocol. Everything else is the server's.
const { workspace } = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

exports.activate = function activate() {
  const [command, ...args] = workspace.getConfiguration("syncspec").get("command");
  const folder = workspace.workspaceFolders?.[0]?.uri.fsPath;
  const server = { command, args, options: folder ? { cwd: folder } : {} };
  client = new LanguageClient("syncspec", "syncspec", { run: server, debug: server }, { documentSelector: [{ scheme: "file", language: "syncspec" }] });
  return client.start();
};

exports.deactivate = function deactivate() {
  return client?.stop();
};
