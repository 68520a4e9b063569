// A compiled plan read back from its file (`syncspec compile SPEC -o FILE`), so that `plan`,
// `apply` and `run` take a plan as well as a spec. A plan file is data, so it gets data errors
// (the file, and a JSON Pointer or a line and column), and it is refused when it is:
//
//   not JSON                              at the line and column where it stops being JSON
//   not a syncspec plan, or another version: compiled by a different syncspec
//   refused by plan.schema.json           at the JSON Pointer (and line) ajv names
//   joining a system that is not defined  in the systems folder the command uses
//   compiled against other definitions    a system's fingerprint differs: its definition changed
//
// The last is what makes a plan a contract: the fingerprints (systems/load.ts) say which
// definitions of its two systems the plan was checked against, and a plan whose systems have
// changed since is not run: it could read a field that is gone, or miss a new required one.
import { dirname } from "node:path";
import { parseDocument, type Document } from "yaml";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { problem, type Problem } from "../diagnostics/problem.js";
import { message, type Message } from "../diagnostics/catalog.js";
import { renderProblem } from "../diagnostics/render.js";
import { lineColumn, parseJsonInput } from "../json/parse.js";
import { renderText, sortDiagnostics } from "../diagnostics/render.js";
import { isObject } from "../json/own.js";
import { pointerOf, pointerPath } from "../json/pointer.js";
import { PLAN_VERSION, type Plan } from "../plan/types.js";
import { planSchemaProblems } from "../plan/validate.js";
import { displayPath } from "../source/files.js";
import { yamlKeySpan } from "../source/yaml-span.js";
import { compileSpec } from "./compile.js";
import { systemFingerprint, type SystemCatalog } from "./systems/load.js";

/** Reads a plan file's text: the plan, or what is wrong with it and where. `file` is the name shown in messages. */
export function readPlanFile(text: string, file: string, systems: SystemCatalog): { plan: Plan } | { problems: Problem[] } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parsed = parseJsonInput(body, file);
  if ("problems" in parsed) return parsed;
  const data = parsed.data;
  // Placed at a JSON Pointer, and at its line and column when the text can say (found only for a refused plan).
  let doc: Document | undefined;
  const at = (pointer: string, why: Message): Problem => problem({ file, pointer, ...placeOf(body, (doc ??= parseDocument(body, { prettyErrors: false, uniqueKeys: false })), pointer) }, why);
  const refuse = (...problems: Problem[]) => ({ problems });

  if (!isObject(data) || data["syncspec"] !== "plan") {
    return refuse(at(isObject(data) && "syncspec" in data ? "/syncspec" : "", message("PLN001", "notPlan")));
  }
  const source = typeof data["source"] === "string" && data["source"] !== "" ? data["source"] : "the spec";
  if (data["version"] !== PLAN_VERSION) {
    return refuse(at("/version", message("PLN002", "version", { version: JSON.stringify(data["version"] ?? null), current: PLAN_VERSION, source })));
  }
  if (!("fingerprints" in data)) {
    return refuse(at("", message("PLN002", "noFingerprints", { source })));
  }
  const schemaProblems = planSchemaProblems(data);
  if (schemaProblems.length > 0) return refuse(...inTextOrder(schemaProblems.map((p) => at(p.pointer, p.message))));
  const plan = data as unknown as Plan;

  // The plan's two systems: defined here, and by the definitions it was compiled against.
  const joined = [plan.systems.left, plan.systems.right];
  const problems: Problem[] = [];
  for (const side of ["left", "right"] as const) {
    const name = plan.systems[side];
    if (side === "right" && name === plan.systems.left) continue;
    if (!systems.has(name)) {
      problems.push(at(`/systems/${side}`, message("PLN004", "noSystem", { name, folder: systemsFolder(systems), systems: [...systems.keys()].join(", ") || "none" })));
    }
  }
  if (problems.length > 0) return refuse(...problems);
  const fingerprints = plan.fingerprints!;
  for (const name of Object.keys(fingerprints)) {
    if (!joined.includes(name)) problems.push(at(pointerOf(["fingerprints", name]), message("PLN003", "notJoined", { integration: plan.integration, systems: joined.join(" and "), system: name })));
  }
  for (const name of new Set(joined)) {
    const recorded = fingerprints[name];
    const definition = systems.get(name)!;
    if (recorded === undefined) {
      problems.push(at("/fingerprints", message("PLN003", "noFingerprint", { system: name, source })));
    } else if (recorded !== systemFingerprint(definition)) {
      problems.push(at(pointerOf(["fingerprints", name]), message("PLN004", "changed", { system: name, file: displayPath(definition.file), source })));
    }
  }
  if (problems.length > 0) return refuse(...problems);

  // With the definitions the plan was checked against, every collection it names is there;
  // a plan edited by hand may still name one that is not, which the runtime must not meet.
  const views = new Set(plan.views.map((v) => v.name));
  for (const named of namedInPlan(plan)) {
    const { pointer } = named;
    if ("view" in named) {
      if (!views.has(named.view)) problems.push(at(`${pointer}/view`, message("PLN003", "noView", { view: named.view })));
    } else if ("link" in named) {
      if (named.link >= plan.links.length) problems.push(at(`${pointer}/link`, message("PLN003", "noLink", { count: plan.links.length, link: named.link })));
    } else if (!joined.includes(named.system)) {
      problems.push(at(`${pointer}/system`, message("PLN003", "notJoined", { integration: plan.integration, systems: joined.join(" and "), system: named.system })));
    } else if (!systems.get(named.system)!.collections.has(named.collection)) {
      problems.push(at(`${pointer}/collection`, message("PLN003", "noCollection", { system: named.system, collection: named.collection })));
    }
  }
  for (const [system, collections] of Object.entries(plan.collections)) {
    for (const [collection, { key }] of Object.entries(collections)) {
      const defined = joined.includes(system) ? systems.get(system)!.collections.get(collection) : undefined;
      if (!defined) problems.push(at(pointerOf(["collections", system, collection]), message("PLN003", "notCollectionOf", { system, collection, systems: joined.join(" or ") })));
      else if (defined.key !== key) problems.push(at(pointerOf(["collections", system, collection, "key"]), message("PLN003", "otherKey", { system, collection, key: defined.key, found: key })));
    }
  }
  if (problems.length > 0) return refuse(...problems.slice(0, 20));
  return { plan };
}

/** Problems in the order of their places in the file. */
function inTextOrder(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

type Named = { pointer: string } & ({ system: string; collection: string } | { view: string } | { link: number });

/**
 * Every object of the plan that names something the runtime looks up: a system's collection
 * ({system, collection}), a view ({view}), a link (an expression's `linked`), with its pointer.
 */
function namedInPlan(plan: Plan): Named[] {
  const found: Named[] = [];
  const visit = (value: unknown, path: string[]): void => {
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, [...path, String(i)]));
    // A literal's value is data, whatever its keys.
    else if (isObject(value) && value["op"] !== "literal") {
      const pointer = pointerOf(path);
      if (typeof value["system"] === "string" && typeof value["collection"] === "string") found.push({ pointer, system: value["system"], collection: value["collection"] });
      else if (typeof value["view"] === "string") found.push({ pointer, view: value["view"] });
      else if (value["op"] === "linked" && typeof value["link"] === "number") found.push({ pointer, link: value["link"] });
      for (const [key, item] of Object.entries(value)) if (typeof item === "object" && item !== null) visit(item, [...path, key]);
    }
  };
  for (const part of ["views", "links", "rules", "limits"] as const) visit(plan[part], [part]);
  return found;
}

/** The folder the definitions came from, for messages. */
function systemsFolder(systems: SystemCatalog): string {
  const first = systems.values().next().value;
  if (!first) return "the systems folder";
  return `${displayPath(dirname(dirname(first.file)))}/`;
}

/** The line and column of the value (or, for a name that should not be there, the key) at a JSON Pointer, when the text is plain enough to find it. */
function placeOf(text: string, doc: Document, pointer: string): { line?: number; column?: number } {
  try {
    if (doc.errors.length > 0) return {};
    const span = yamlKeySpan(doc, pointerPath(pointer));
    return lineColumn(text, span.start);
  } catch {
    return {};
  }
}

/** A spec or a plan file, ready to run, and what to tell its author. */
export interface LoadedPlan {
  /** Present only when there is no error. */
  readonly plan?: Plan;
  /** "spec" for a .sync file, compiled here; "plan" for a compiled plan file, read back. */
  readonly kind: "spec" | "plan";
  /** The integration's name: a spec's file name (specs/x.sync is "x"), a plan file's own `integration`. */
  readonly integration?: string;
  /** The spec's diagnostics (warnings too, when there is a plan). */
  readonly diagnostics: readonly Diagnostic[];
  /** The plan file's problems. */
  readonly problems: readonly Problem[];
  /** Each diagnostic or problem as it is printed, in order. */
  readonly messages: readonly string[];
  /** All of them as a command prints them on stderr: a diagnostic and a blank line, a problem to a line. */
  readonly report: string;
}

/**
 * Whether a file is a compiled plan rather than a spec: by its name (.sync is a spec, .json a
 * plan), else by its content (a JSON object with "syncspec": "plan").
 */
export function isPlanFile(path: string, text: string): boolean {
  if (/\.sync$/i.test(path)) return false;
  if (/\.json$/i.test(path)) return true;
  const start = text.replace(/^\uFEFF?\s*/, "");
  if (!start.startsWith("{")) return false;
  try {
    const data = JSON.parse(start) as unknown;
    return isObject(data) && data["syncspec"] === "plan";
  } catch {
    return false;
  }
}

/**
 * A spec compiled, or a plan file read, against `systems`: the one call `plan`, `apply` and
 * `run` make for what they are given. `path` decides which it is (with the text); `shown` is
 * the name messages give the file.
 */
export function specOrPlan(path: string, text: string, shown: string, systems: SystemCatalog): LoadedPlan {
  if (isPlanFile(path, text)) {
    const read = readPlanFile(text, shown, systems);
    if ("problems" in read) {
      const messages = read.problems.map(renderProblem);
      return { kind: "plan", diagnostics: [], problems: read.problems, messages, report: messages.map((m) => `${m}\n`).join("") };
    }
    return { kind: "plan", plan: read.plan, integration: read.plan.integration, diagnostics: [], problems: [], messages: [], report: "" };
  }
  const compiled = compileSpec(text, shown, systems);
  const diagnostics = sortDiagnostics(compiled.diagnostics);
  const messages = diagnostics.map((d) => renderText(d, compiled.source));
  const plan = compiled.plan && !hasErrors(compiled.diagnostics) ? compiled.plan : undefined;
  return { kind: "spec", ...(plan ? { plan, integration: plan.integration } : {}), diagnostics, problems: [], messages, report: messages.map((m) => `${m}\n\n`).join("") };
}
