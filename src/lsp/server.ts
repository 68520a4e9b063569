// `syncspec lsp`: a language server over stdio (vscode-languageserver). Each open spec is
// compiled as it changes, with the systems of its nearest integrations/ folder: diagnostics
// as `syncspec check` gives them, completion, hover, go to definition, document symbols and
// formatting, all from the checker's own index of the spec (features.ts).
import { fileURLToPath } from "node:url";
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type Connection, type Position } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Workspace, type Analysis } from "./analysis.js";
import { completion, definition, diagnosticsOf, documentSymbols, formatting, hover } from "./features.js";

/** Serves the protocol on this process's stdin and stdout until the client says exit. */
export function startLanguageServer(): Connection {
  const connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);
  const workspace = new Workspace();
  /** The last analysis of each document, by its version: hover and definition ask of what the author sees. */
  const analyses = new Map<string, { version: number; analysis: Analysis }>();

  const pathOf = (uri: string): string => (uri.startsWith("file:") ? fileURLToPath(uri) : uri);
  const analysisOf = (doc: TextDocument): Analysis => {
    const known = analyses.get(doc.uri);
    if (known && known.version === doc.version) return known.analysis;
    const analysis = workspace.analyze(pathOf(doc.uri), doc.getText(), known?.analysis);
    analyses.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      completionProvider: { triggerCharacters: ["."] },
      hoverProvider: true,
      definitionProvider: true,
      documentSymbolProvider: true,
      documentFormattingProvider: true,
    },
    serverInfo: { name: "syncspec" },
  }));

  // Diagnostics as the author types: each change compiles the spec once, and says what check would.
  documents.onDidChangeContent(({ document }) => {
    let diagnostics;
    try {
      diagnostics = diagnosticsOf(document, analysisOf(document));
    } catch (error) {
      // A defect must not end the session: it is logged, and the spec keeps its last diagnostics.
      connection.console.error(`syncspec: could not check ${document.uri}: ${(error as Error).message}`);
      return;
    }
    void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
  });
  documents.onDidClose(({ document }) => {
    analyses.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  type At = { textDocument: { uri: string }; position: Position };
  const withDocument =
    <P extends { textDocument: { uri: string } }, R>(answer: (doc: TextDocument, params: P) => R, none: R) =>
    (params: P): R => {
      const doc = documents.get(params.textDocument.uri);
      if (!doc) return none;
      try {
        return answer(doc, params);
      } catch (error) {
        connection.console.error(`syncspec: ${(error as Error).message}`);
        return none;
      }
    };
  connection.onCompletion(withDocument((doc, params: At) => completion(workspace, doc, pathOf(doc.uri), params.position), []));
  connection.onHover(withDocument((doc, params: At) => hover(analysisOf(doc), doc, params.position), null));
  connection.onDefinition(withDocument((doc, params: At) => definition(analysisOf(doc), doc, params.position, analysisOf(doc).systems.systems), null));
  connection.onDocumentSymbol(withDocument((doc) => documentSymbols(analysisOf(doc), doc), []));
  connection.onDocumentFormatting(withDocument((doc) => formatting(doc, pathOf(doc.uri)), []));

  documents.listen(connection);
  connection.listen();
  return connection;
}
