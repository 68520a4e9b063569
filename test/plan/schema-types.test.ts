// The plan's JSON Schema (src/plan/plan.schema.json) and its TypeScript types (src/plan/types.ts)
// describe the same JSON, checked both ways: every property of every plan type is in the
// schema, with the same kind (string, number, boolean, literals, array, tuple, object, map,
// union) and the same optionality, and every property of the schema is in the types.
//
// Why a test and not a generator: the schema is hand-written for strictness a generator does
// not keep: names' patterns, spans as exactly four integers >= 1, minItems, the discriminated
// oneOfs (with `discriminator`, so that ajv reports a broken node's own branch) and
// additionalProperties: false on every object, none of which the types say. And the
// well-kept generator (ts-json-schema-generator) needs Node >= 22 from 2.5.0 on (`npm view
// ts-json-schema-generator engines`), while syncspec runs on Node 20; its last Node 20 line
// (2.4) would be a frozen devDependency. The TypeScript compiler API, already a
// devDependency, reads the types here instead.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers.js";

type Schema = { [key: string]: unknown };

/** Where the types and the schema may differ, and why. */
const ALLOWED = new Set<string>([]);

const TYPES = join(ROOT, "src/plan/types.ts");
const SCHEMA = JSON.parse(readFileSync(join(ROOT, "src/plan/plan.schema.json"), "utf8")) as Schema;

/** The type `Plan` of each file, read by one program (the standard library is read once). */
function planTypes(files: readonly string[]): { checker: ts.TypeChecker; plans: ts.Type[] } {
  const program = ts.createProgram([...files], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const plans = files.map((file) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    return checker.getDeclaredTypeOfSymbol(checker.getExportsOfModule(module).find((s) => s.name === "Plan")!);
  });
  return { checker, plans };
}

function planType(): { checker: ts.TypeChecker; plan: ts.Type } {
  const { checker, plans } = planTypes([TYPES]);
  return { checker, plan: plans[0]! };
}

/** Every difference between a type and a schema, as "path: what differs". */
function differences(checker: ts.TypeChecker, root: ts.Type, schema: Schema): string[] {
  const found: string[] = [];
  const seen = new Map<object, Set<ts.Type>>();
  const differ = (path: string, what: string): void => void found.push(`${path}: ${what}`);

  const resolve = (s: Schema): Schema => {
    let node = s;
    while (typeof node["$ref"] === "string") {
      const ref = node["$ref"];
      const name = /^#\/definitions\/(.+)$/.exec(ref)?.[1];
      const target = name ? (schema["definitions"] as Record<string, Schema>)[name] : undefined;
      if (!target) throw new Error(`unresolved $ref ${ref}`);
      node = target;
    }
    return node;
  };
  const schemaTypes = (s: Schema): string[] => (Array.isArray(s["type"]) ? (s["type"] as string[]) : typeof s["type"] === "string" ? [s["type"]] : []);
  const members = (t: ts.Type): ts.Type[] => (t.isUnion() && !(t.flags & ts.TypeFlags.Boolean) ? t.types : [t]);
  const isLiteral = (t: ts.Type): boolean => t.isStringLiteral() || t.isNumberLiteral();
  const literalValue = (t: ts.Type): unknown => (t.isStringLiteral() || t.isNumberLiteral() ? t.value : undefined);
  /** A property's type as declared: without the `undefined` an optional property adds, and with its alias (JsonValue) kept. */
  const propertyType = (p: ts.Symbol): ts.Type => {
    const declaration = p.valueDeclaration ?? p.declarations?.[0];
    if (declaration && ts.isPropertySignature(declaration) && declaration.type) return checker.getTypeFromTypeNode(declaration.type);
    return checker.getTypeOfSymbol(p);
  };
  /** The values a schema allows for a discriminating property: its const, or its enum. */
  const allowed = (s: Schema): unknown[] | undefined => {
    const node = resolve(s);
    if ("const" in node) return [node["const"]];
    if (Array.isArray(node["enum"])) return node["enum"] as unknown[];
    return undefined;
  };

  const compare = (t: ts.Type, raw: Schema, path: string, tagOf?: string): void => {
    const s = resolve(raw);
    const visited = seen.get(s) ?? new Set<ts.Type>();
    if (visited.has(t)) return;
    visited.add(t);
    seen.set(s, visited);

    // JSON values: the schema's `json`, which allows anything.
    if (t.aliasSymbol?.name === "JsonValue") {
      if (Object.keys(s).length !== 0) differ(path, "a JsonValue in the types, a constrained value in the schema");
      return;
    }

    // null, as `type: [..., "null"]`.
    const parts = members(t);
    const withoutNull = parts.filter((m) => !(m.flags & ts.TypeFlags.Null));
    const types = schemaTypes(s);
    if (withoutNull.length !== parts.length) {
      if (!types.includes("null")) differ(path, "may be null in the types, not in the schema");
      if (withoutNull.length !== 1) return differ(path, "a union with null of more than one type");
      return compare(withoutNull[0]!, { ...s, type: types.filter((x) => x !== "null") }, path, tagOf);
    }
    if (types.includes("null")) differ(path, "may be null in the schema, not in the types");

    // Literals: a const, or an enum of the same values (a union member's tag: one of the branch's values).
    if (parts.every(isLiteral)) {
      const values = parts.map(literalValue);
      const inSchema = allowed(s);
      if (!inSchema) return differ(path, `literals ${JSON.stringify(values)} in the types, no const or enum in the schema`);
      const same = tagOf ? values.every((v) => inSchema.includes(v)) : values.length === inSchema.length && values.every((v) => inSchema.includes(v));
      if (!same) differ(path, `${JSON.stringify(values)} in the types, ${JSON.stringify(inSchema)} in the schema`);
      return;
    }

    // Unions of objects: the schema's oneOf branches, matched by the discriminating property
    // when the schema names one, else by property names.
    if (parts.length > 1) {
      const branches = s["oneOf"] as Schema[] | undefined;
      if (!Array.isArray(branches)) return differ(path, "a union in the types, no oneOf in the schema");
      const tag = (s["discriminator"] as { propertyName?: string } | undefined)?.propertyName;
      const covered = new Set<number>();
      for (const member of parts) {
        const names = checker.getPropertiesOfType(member).map((p) => p.name).sort();
        let index: number;
        let label: string;
        if (tag) {
          const tagSymbol = checker.getPropertyOfType(member, tag);
          const value = tagSymbol ? literalValue(propertyType(tagSymbol)) : undefined;
          index = branches.findIndex((b) => allowed((resolve(b)["properties"] as Record<string, Schema> | undefined)?.[tag] ?? {})?.includes(value) ?? false);
          label = `${tag} ${JSON.stringify(value)}`;
        } else {
          index = branches.findIndex((b) => JSON.stringify(Object.keys((resolve(b)["properties"] as object | undefined) ?? {}).sort()) === JSON.stringify(names));
          label = `{${names.join(", ")}}`;
        }
        if (index < 0) {
          differ(path, `the member ${label} of the types has no branch in the schema's oneOf`);
          continue;
        }
        covered.add(index);
        // A branch takes its `type: object` and the parent's `required` (expr's `op`) from around it.
        const branch = resolve(branches[index]!);
        const required = [...new Set([...((s["required"] as string[] | undefined) ?? []), ...((branch["required"] as string[] | undefined) ?? [])])];
        compareObject(member, { ...branch, required }, `${path}(${label})`, tag);
      }
      branches.forEach((b, i) => {
        if (!covered.has(i)) differ(path, `the schema's oneOf branch ${i} (${JSON.stringify(Object.keys((resolve(b)["properties"] as object | undefined) ?? {}))}) is no member of the types`);
      });
      return;
    }

    if (t.flags & ts.TypeFlags.Boolean) {
      if (!types.includes("boolean")) differ(path, `boolean in the types, ${JSON.stringify(s["type"] ?? s)} in the schema`);
      return;
    }
    if (t.flags & ts.TypeFlags.String) {
      if (!types.includes("string")) differ(path, `string in the types, ${JSON.stringify(s["type"] ?? s)} in the schema`);
      return;
    }
    if (t.flags & ts.TypeFlags.Number) {
      if (!types.includes("number") && !types.includes("integer")) differ(path, `number in the types, ${JSON.stringify(s["type"] ?? s)} in the schema`);
      return;
    }
    if (checker.isTupleType(t)) {
      const elements = checker.getTypeArguments(t as ts.TypeReference);
      if (!types.includes("array")) return differ(path, "a tuple in the types, not an array in the schema");
      if (s["minItems"] !== elements.length || s["maxItems"] !== elements.length) differ(path, `a tuple of ${elements.length} in the types, minItems ${String(s["minItems"])} and maxItems ${String(s["maxItems"])} in the schema`);
      const items = s["items"];
      elements.forEach((e, i) => compare(e, (Array.isArray(items) ? items[i] : items) as Schema, `${path}[${i}]`));
      return;
    }
    if (checker.isArrayType(t)) {
      if (!types.includes("array")) return differ(path, "an array in the types, not in the schema");
      if (Array.isArray(s["items"]) || typeof s["items"] !== "object") return differ(path, "an array in the types, no items schema in the schema");
      compare(checker.getTypeArguments(t as ts.TypeReference)[0]!, s["items"] as Schema, `${path}[]`);
      return;
    }
    if (t.flags & ts.TypeFlags.Object) {
      if (s["oneOf"]) return differ(path, "one object type in the types, a oneOf in the schema");
      return compareObject(t, s, path);
    }
    differ(path, `a type the test does not know: ${checker.typeToString(t)}`);
  };

  const compareObject = (t: ts.Type, s: Schema, path: string, tag?: string): void => {
    const types = schemaTypes(s);
    if (types.length > 0 && !types.includes("object")) differ(path, "an object in the types, not in the schema");
    const index = checker.getIndexInfosOfType(t).find((i) => i.keyType.flags & ts.TypeFlags.String);
    const properties = checker.getPropertiesOfType(t);
    const inSchema = (s["properties"] as Record<string, Schema> | undefined) ?? {};
    if (index) {
      if (properties.length > 0) differ(path, "a map with named properties in the types");
      if (Object.keys(inSchema).length > 0) differ(path, "a map in the types, named properties in the schema");
      if (typeof s["additionalProperties"] !== "object") return differ(path, "a map in the types, no additionalProperties schema in the schema");
      compare(index.type, s["additionalProperties"] as Schema, `${path}[*]`);
      return;
    }
    if (s["additionalProperties"] !== false) differ(path, "an object in the types, an open object (no additionalProperties: false) in the schema");
    const required = new Set((s["required"] as string[] | undefined) ?? []);
    for (const p of properties) {
      const where = `${path}.${p.name}`;
      if (!(p.name in inSchema)) {
        differ(where, "in the types, not in the schema");
        continue;
      }
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      if (optional === required.has(p.name)) {
        const what = `${where}: ${optional ? "optional in the types, required in the schema" : "required in the types, optional in the schema"}`;
        if (!ALLOWED.has(what)) found.push(what);
      }
      compare(propertyType(p), inSchema[p.name]!, where, p.name === tag ? tag : undefined);
    }
    for (const name of Object.keys(inSchema)) if (!properties.some((p) => p.name === name)) differ(`${path}.${name}`, "in the schema, not in the types");
    for (const name of required) if (!properties.some((p) => p.name === name)) differ(`${path}.${name}`, "required in the schema, not in the types");
  };

  compare(root, schema, "Plan");
  return found;
}

describe("plan.schema.json and src/plan/types.ts", () => {
  const { checker, plan } = planType();

  it("describe the same plan, both ways", () => {
    expect(differences(checker, plan, SCHEMA)).toEqual([]);
  });

  it("differ, for this test, when a type gains a property or changes a kind", () => {
    const dir = mkdtempSync(join(tmpdir(), "syncspec-plan-types-"));
    const text = readFileSync(TYPES, "utf8");
    const changes: [string, string][] = [
      ["export interface LimitPlan {", "export interface LimitPlan {\n  readonly extra: string;"],
      ["readonly percent: number;", "readonly percent: string;"],
      ['| { readonly op: "now" }', '| { readonly op: "now" }\n  | { readonly op: "today" }'],
      ["readonly grouped: boolean;", "readonly grouped?: boolean;"],
    ];
    const files = changes.map(([from, to], i) => {
      expect(text).toContain(from);
      const file = join(dir, `types-${i}.ts`);
      writeFileSync(file, text.replace(from, to));
      return file;
    });
    const { checker: changedChecker, plans } = planTypes(files);
    const found = plans.map((p) => differences(changedChecker, p, SCHEMA).join("\n"));
    expect(found[0]).toContain("Plan.limits[].extra: in the types, not in the schema");
    expect(found[1]).toContain('Plan.limits[].percent: string in the types, "number" in the schema');
    expect(found[2]).toContain('the member op "today" of the types has no branch');
    expect(found[3]).toContain('Plan.rules[].action(kind "write").grouped: optional in the types, required in the schema');
  });

  it("differ, for this test, when either side gains or loses a property or changes a kind", () => {
    const edited = (change: (definitions: Record<string, Schema>, root: Schema) => void): string[] => {
      const copy = structuredClone(SCHEMA);
      change(copy["definitions"] as Record<string, Schema>, copy);
      return differences(checker, plan, copy);
    };
    const props = (s: Schema) => s["properties"] as Record<string, Schema>;
    expect(edited((d) => delete props(d["limit"]!)["field"])).toContain("Plan.limits[].field: in the types, not in the schema");
    expect(edited((d) => (props(d["limit"]!)["extra"] = { type: "string" }))).toContain("Plan.limits[].extra: in the schema, not in the types");
    expect(edited((d) => (props(d["param"]!)["required"] = { type: "string" }))).toContain('Plan.params[].required: boolean in the types, "string" in the schema');
    expect(edited((d) => (d["limit"]!["required"] = ["measure", "system", "collection", "percent", "span", "field"]))).toContain("Plan.limits[].field: optional in the types, required in the schema");
    expect(edited((d) => (d["compareAs"] = { enum: ["number", "string"] })).join("\n")).toContain('in the types, ["number","string"] in the schema');
    expect(edited((d) => (d["expr"]!["oneOf"] as Schema[]).pop()).join("\n")).toContain('the member op "object" of the types has no branch');
    expect(edited((d) => (d["span"]!["maxItems"] = 5)).join("\n")).toContain("a tuple of 4 in the types, minItems 4 and maxItems 5 in the schema");
    expect(edited((d) => (props((d["trigger"]!["oneOf"] as Schema[])[0]!)["events"] = { type: "array", items: { type: "string" } }))).toContain('Plan.triggers[](kind "event").events: may be null in the types, not in the schema');
    const keyPairs = (d: Record<string, Schema>) => props(props(props(d["link"]!)["matches"]!["items"] as Schema)["keys"]!["items"] as Schema);
    expect(edited((d) => delete keyPairs(d)["right"]).join("\n")).toContain("Plan.links[].matches[].keys[].right: in the types, not in the schema");
    expect(edited((d) => (props((d["source"]!["oneOf"] as Schema[])[1]!)["view"] = { type: "integer" })).join("\n")).toContain('({view}).view: string in the types, "integer" in the schema');
    expect(edited((d) => (props((d["schedule"]!["oneOf"] as Schema[])[1]!)["zone"] = { type: "boolean" })).join("\n")).toContain('(kind "daily").zone: string in the types, "boolean" in the schema');
    expect(edited((_, root) => (props(root)["fingerprints"] = { type: "object", additionalProperties: { type: "integer" } }))).toContain("Plan.fingerprints[*]: string in the types, \"integer\" in the schema");
  });
});
