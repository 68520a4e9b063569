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
