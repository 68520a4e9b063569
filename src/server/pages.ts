// The pages syncspec serves on loopback: the playground, and the service's own page at `/`.
// Their files are built by `npm install` (scripts/build.js) into syncspec's dist/pages/.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { send } from "./responses.js";
import { PACKAGE_ROOT } from "../source/files.js";

const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  txt: "text/plain; charset=utf-8",
};

const PAGES = join(PACKAGE_ROOT, "dist", "pages");

/** A page's files, by the path they are served at. */
export function pageFiles(page: "playground" | "service"): ReadonlyMap<string, string> {
  return new Map([
    ["/", `${page}.html`],
    [`/${page}.js`, `${page}.js`],
    [`/${page}.js.LEGAL.txt`, `${page}.js.LEGAL.txt`],
    ["/pages.css", "pages.css"],
  ]);
}

/**
 * What a page may load and run: its own files only. The playground also compiles JSON Schemas
 * in the page (Ajv checks each snapshot's records as the CLI does, and Ajv makes its checks
 * as generated functions), so its policy allows that; specs are never run as code anywhere.
 */
const POLICY = {
  service: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  playground: "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-ancestors 'none'",
} as const;

const LOOPBACK = /^(?:127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3})$/;

/**
 * Whether a request for a page comes from this machine, for this machine: the pages show
 * the service's records and runs (the refused records' keys and reasons), while the listener
 * they share may take vendors' webhooks from anywhere. The Host must name loopback too, so a
 * web page elsewhere cannot read them through a name it points here (DNS rebinding).
 */
export function fromThisMachine(req: IncomingMessage): boolean {
  const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  return LOOPBACK.test(req.socket.remoteAddress ?? "") && (host === "localhost" || LOOPBACK.test(host));
}

export const ONLY_THIS_MACHINE = "the page is shown on the machine it runs on only: open it there at a loopback address (http://127.0.0.1:PORT/), or through an SSH tunnel";

/** Answers with a page's file; a page not built says how to build it. */
export function sendPageFile(res: ServerResponse, file: string, page: keyof typeof POLICY): void {
  const path = join(PAGES, file);
  if (!existsSync(path)) {
    send(res, 503, TYPES["txt"]!, `syncspec's pages are not built: run \`npm run build\` (npm install does it) in syncspec's folder.\n`);
    return;
  }
  send(res, 200, TYPES[file.slice(file.lastIndexOf(".") + 1)] ?? TYPES["txt"]!, readFileSync(path, "utf8"), {
    "content-security-policy": POLICY[page],
    "x-content-type-options": "nosniff",
  });
}
