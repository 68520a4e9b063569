// What a scoped read asks the sandbox, in each vendor's style, as the requests of
// src/input/read-request.ts: `GET /{collection}?{param}=v` with the params the system's
// connector.yaml `reads:` declares, or Virtuous's `POST /{collection}/Query` with a body of
// conditions. A filter the system does not declare, or a query of the wrong shape, is a 400
// with the reason, so a connector.yaml that claims a filter the API lacks fails a test
// instead of being answered unfiltered.
import type { ReadRequest } from "../input/read-request.js";
import { isDatetimeText } from "../json/datetime.js";
import { isObject } from "../json/own.js";
import type { CollectionDefinition, SystemDefinition } from "../language/systems/load.js";
import { PAGING_PARAMS, type CollectionReads, type ConnectorSettings } from "../connectors/settings.js";
import { listed } from "../diagnostics/lists.js";

/**
 * The records a query selects: every group's (a record any group selects), where a group
 * selects the records each of its requests selects. A params query is one group; Virtuous's
 * groups are "or", its conditions "and", as its API has them.
 */
export type Selection = readonly (readonly ReadRequest[])[];

export type Parsed<T> = { readonly value: T } | { readonly error: string };

/** The filter parameters of a list request (params style), or none for a whole list; undeclared ones are an error. */
export function paramsSelection(system: SystemDefinition, settings: ConnectorSettings, collection: CollectionDefinition, params: URLSearchParams): Parsed<Selection | undefined> {
  const paging = PAGING_PARAMS[settings.pagination];
  const names = [...new Set([...params.keys()])].filter((name) => !paging.includes(name));
  if (names.length === 0) return { value: undefined };
  const reads = settings.reads;
  const declared = reads?.query === "params" ? reads.collections.get(collection.name) : undefined;
  if (reads?.query === "virtuous") return { error: `${system.title} lists take no filters; query ${collection.name} with POST /${collection.name}/Query` };
  const requests: ReadRequest[] = [];
  for (const name of names) {
    const given = params.getAll(name);
    const field = declared ? fieldOf(declared, name) : undefined;
    if (declared?.modifiedSince?.param === name) {
      if (given.length > 1) return { error: `give one ${name}, not ${given.length}` };
      const since = instant(given[0]!);
      if (since === undefined) return { error: `${name} must be a date-time such as 2026-11-01T14:05:00Z, not ${JSON.stringify(given[0])}` };
      requests.push({ collection: collection.name, modifiedSince: since });
      continue;
    }
    if (field === undefined) return { error: notFiltered(system, collection, name, declared) };
    let values: string[];
    if (reads!.values === "comma") {
      if (given.length > 1) return { error: `give several ${name} values in one parameter, comma-separated (${name}=a,b), not ${given.length} parameters` };
      values = given[0]!.split(",");
    } else values = given;
    if (values.length > reads!.maxValues) return { error: `at most ${reads!.maxValues} values of ${name} in one query, not ${values.length}` };
    requests.push({ collection: collection.name, field, values });
  }
  return { value: [requests] };
}

const OPERATORS = ["Is", "In", "OnOrAfter"];

/** The body of a Virtuous query: {groups: [{conditions: [{parameter, operator, value | values}]}], sortBy?, descending?}. */
export function virtuousSelection(system: SystemDefinition, settings: ConnectorSettings, collection: CollectionDefinition, body: unknown): Parsed<Selection> {
  const shape = 'the query must be {"groups": [{"conditions": [{"parameter": ..., "operator": ..., "value" or "values": ...}]}]}';
  if (!isObject(body) || !Array.isArray(body["groups"]) || body["groups"].length === 0) return { error: shape };
  const extra = Object.keys(body).find((name) => !["groups", "sortBy", "descending"].includes(name));
  if (extra !== undefined) return { error: `a query has groups, sortBy and descending, not ${JSON.stringify(extra)}` };
  if (body["sortBy"] !== undefined && typeof body["sortBy"] !== "string") return { error: "sortBy must be the name of a query parameter" };
  // The sandbox answers in key order, the order pages of a list come in.
  if (body["descending"] !== undefined && body["descending"] !== false) return { error: "this API answers queries in ascending order only" };
  const declared = settings.reads?.collections.get(collection.name);
  const maxValues = settings.reads?.maxValues ?? 1;
  const groups: ReadRequest[][] = [];
  for (const group of body["groups"] as unknown[]) {
    const conditions = isObject(group) ? group["conditions"] : undefined;
    if (!Array.isArray(conditions) || conditions.length === 0) return { error: shape };
    const requests: ReadRequest[] = [];
    for (const condition of conditions as unknown[]) {
      if (!isObject(condition) || typeof condition["parameter"] !== "string" || typeof condition["operator"] !== "string") return { error: shape };
      const parameter = condition["parameter"];
      const operator = condition["operator"];
      if (!OPERATORS.includes(operator)) return { error: `the operator ${JSON.stringify(operator)} is not one of ${listed(OPERATORS, "or")}` };
      if (declared?.modifiedSince?.param === parameter) {
        if (operator !== "OnOrAfter") return { error: `${parameter} is asked with OnOrAfter, not ${operator}` };
        const since = typeof condition["value"] === "string" ? instant(condition["value"]) : undefined;
        if (since === undefined) return { error: `${parameter} OnOrAfter needs a value that is a date-time such as 2026-11-01T14:05:00Z` };
        requests.push({ collection: collection.name, modifiedSince: since });
        continue;
      }
      const field = declared ? fieldOf(declared, parameter) : undefined;
      if (field === undefined) return { error: notFiltered(system, collection, parameter, declared) };
      let values: unknown[];
      if (operator === "Is") values = [condition["value"]];
      else if (operator === "In" && Array.isArray(condition["values"])) values = condition["values"] as unknown[];
      else return { error: operator === "In" ? `${parameter} In needs "values", a list` : `${parameter} is asked with Is or In, not ${operator}` };
      if (!values.every((value): value is string => typeof value === "string")) return { error: `the values of ${parameter} must be text` };
      if (values.length > maxValues) return { error: `at most ${maxValues} values of ${parameter} in one query, not ${values.length}` };
      requests.push({ collection: collection.name, field, values });
    }
    groups.push(requests);
  }
  return { value: groups };
}

/** The record field an API parameter filters, as connector.yaml declares it. */
function fieldOf(declared: CollectionReads, param: string): string | undefined {
  for (const [field, name] of declared.by) if (name === param) return field;
  return undefined;
}

function notFiltered(system: SystemDefinition, collection: CollectionDefinition, param: string, declared: CollectionReads | undefined): string {
  const filters = declared ? [...declared.by.values(), ...(declared.modifiedSince ? [declared.modifiedSince.param] : [])] : [];
  const known = filters.length > 0 ? `; its filters of ${collection.name} are ${listed(filters.map((f) => JSON.stringify(f)))}` : `; it filters ${collection.name} by nothing`;
  return `${system.title} does not filter ${collection.name} by ${JSON.stringify(param)}${known}`;
}

/** A date-time as the API takes it, or undefined when it is not one. */
function instant(text: string): string | undefined {
  return isDatetimeText(text) ? text : undefined;
}

/** A SOQL query as the sandbox takes it: the collection it reads, and what it selects. */
export interface SoqlQuery {
  readonly collection: CollectionDefinition;
  readonly selection: Selection;
}

/**
 * Salesforce's `GET /query?q=SELECT ... FROM ... WHERE ... ORDER BY ...`, in the subset a
 * connector sends (query-styles.ts): named fields of the object, one condition (`=`, `IN`, or
 * the modified field's `>=` with a date-time literal) and an order by the key. Salesforce
 * answers the fields selected; the connector selects every field of the schema, so the sandbox
 * answers records whole. Anything else is a 400 that says what, as MALFORMED_QUERY would.
 */
export function soqlSelection(system: SystemDefinition, settings: ConnectorSettings, q: string | null): Parsed<SoqlQuery> {
  if (q === null) return { error: "a query needs its SOQL in the q parameter" };
  const tokens = soqlTokens(q);
  if ("error" in tokens) return tokens;
  const list = tokens.value;
  let at = 0;
  const peek = (): SoqlToken | undefined => list[at];
  const keyword = (word: string): boolean => {
    const token = peek();
    if (token?.kind !== "name" || token.text.toUpperCase() !== word) return false;
    at++;
    return true;
  };
  const expected = (what: string): { error: string } => ({ error: `SOQL: expected ${what} at ${peek() === undefined ? "the end" : JSON.stringify(peek()!.text)}` });
  if (!keyword("SELECT")) return expected("SELECT");
  const fields: string[] = [];
  do {
    const token = list[at++];
    if (token?.kind !== "name" || peek()?.text === "(") return { error: "SOQL: name the fields to select (this API takes no FIELDS(ALL) or other function in a paged query)" };
    fields.push(token.text);
  } while (peek()?.text === "," && at++);
  if (!keyword("FROM")) return expected("FROM");
  const from = list[at++];
  const collection = from?.kind === "name" ? system.collections.get(from.text) : undefined;
  if (collection === undefined) return { error: `SOQL: sObject type ${JSON.stringify(from?.text ?? "")} is not supported; this organization's are ${listed([...system.collections.keys()])}` };
  const properties = (collection.schema["properties"] ?? {}) as Record<string, unknown>;
  const unknown = fields.find((field) => field !== collection.key && !Object.prototype.hasOwnProperty.call(properties, field));
  if (unknown !== undefined) return { error: `SOQL: no such column ${JSON.stringify(unknown)} on entity ${collection.name}` };
  if (!keyword("WHERE")) return expected("WHERE (this API pages whole objects with GET /" + collection.name + ")");
  const param = list[at++];
  if (param?.kind !== "name") return expected("a field to compare");
  const declared = settings.reads?.collections.get(collection.name);
  const operator = list[at++];
  let request: ReadRequest;
  if (declared?.modifiedSince?.param === param.text) {
    const value = list[at++];
    if (operator?.text !== ">=" || value?.kind !== "datetime") return { error: `SOQL: ${param.text} is compared with >= and a date-time such as 2026-11-01T14:05:00Z` };
    request = { collection: collection.name, modifiedSince: value.text };
  } else {
    const field = declared ? fieldOf(declared, param.text) : undefined;
    if (field === undefined) return { error: notFiltered(system, collection, param.text, declared) };
    const values: string[] = [];
    if (operator?.text === "=") {
      const value = list[at++];
      if (value?.kind !== "string") return expected(`a quoted value of ${param.text}`);
      values.push(value.text);
    } else if (operator?.kind === "name" && operator.text.toUpperCase() === "IN") {
      if (list[at++]?.text !== "(") return expected("(");
      do {
        const value = list[at++];
        if (value?.kind !== "string") return expected(`a quoted value of ${param.text}`);
        values.push(value.text);
      } while (peek()?.text === "," && at++);
      if (list[at++]?.text !== ")") return expected(")");
    } else return { error: `SOQL: ${param.text} is compared with = or IN` };
    const maxValues = settings.reads?.maxValues ?? 1;
    if (values.length > maxValues) return { error: `SOQL: at most ${maxValues} values of ${param.text} in one query, not ${values.length}` };
    request = { collection: collection.name, field, values };
  }
  // The sandbox answers in key order, the order a list's pages come in.
  if (keyword("ORDER")) {
    if (!keyword("BY") || list[at++]?.text !== collection.key) return { error: `SOQL: this API orders query answers by ${collection.key} only` };
    keyword("ASC");
  }
  if (at < list.length) return expected("the end of the query");
  return { value: { collection, selection: [[request]] } };
}

type SoqlToken = { readonly kind: "name" | "string" | "datetime" | "symbol"; readonly text: string };

const SOQL_ESCAPES: Record<string, string> = { "\\": "\\", "'": "'", '"': '"', n: "\n", r: "\r", t: "\t", b: "\b", f: "\f" };

/** The tokens of a SOQL query: names, quoted strings (their escapes undone), date-time literals and symbols. */
function soqlTokens(q: string): Parsed<SoqlToken[]> {
  const tokens: SoqlToken[] = [];
  let i = 0;
  while (i < q.length) {
    const rest = q.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const datetime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/.exec(rest);
    if (datetime) {
      if (!isDatetimeText(datetime[0])) return { error: `SOQL: ${datetime[0]} is not a date-time` };
      tokens.push({ kind: "datetime", text: datetime[0] });
      i += datetime[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (name) {
      tokens.push({ kind: "name", text: name[0] });
      i += name[0].length;
      continue;
    }
    const symbol = /^(>=|<=|!=|[=,()<>])/.exec(rest);
    if (symbol) {
      tokens.push({ kind: "symbol", text: symbol[0] });
      i += symbol[0].length;
      continue;
    }
    if (q[i] !== "'") return { error: `SOQL: unexpected ${JSON.stringify(q[i])} at character ${i + 1}` };
    let text = "";
    let j = i + 1;
    for (; j < q.length && q[j] !== "'"; j++) {
      if (q[j] !== "\\") {
        text += q[j];
        continue;
      }
      const escaped = SOQL_ESCAPES[q[++j] ?? ""];
      if (escaped === undefined) return { error: `SOQL: invalid escape sequence at character ${j}` };
      text += escaped;
    }
    if (j >= q.length) return { error: `SOQL: a string opened at character ${i + 1} is not closed` };
    tokens.push({ kind: "string", text });
    i = j + 1;
  }
  return { value: tokens };
}
