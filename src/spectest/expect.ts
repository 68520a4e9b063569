// Comparing a run's result with what a case expects. Each difference is one message in the
// author's terms, record by record and field by field ("virtuous.contacts rd-1001 name:
// expected "Ann Lee", got "Ann"), so a failing case says what to look at without a debugger.
import { isDeepStrictEqual } from "node:util";
import type { Outcome } from "../engine/outcomes.js";
import type { Operation } from "../engine/patch.js";
import type { RunResult } from "../engine/run.js";
import { field, isEmpty, type Rec } from "../json/values.js";
import type { Expectations, OutcomeExpectation } from "./format.js";

/** The differences between a run's result and its expectations; empty when it passes. */
export function compareRun(expect: Expectations, result: RunResult, documents: ReadonlyMap<string, unknown>): string[] {
  const found: string[] = [];
  if (expect.fails !== undefined) {
    if (!result.failure) found.push(`expected the run to fail with ${JSON.stringify(expect.fails)}, but it did not fail`);
    else if (!result.failure.message.includes(expect.fails)) found.push(`expected the run to fail with ${JSON.stringify(expect.fails)}, but it failed with: ${result.failure.message}`);
    // A failed run must change nothing; the runtime promises it, and a test holds it to that.
    for (const [system, operations] of Object.entries(result.patches)) {
      if (result.failure && operations.length > 0) found.push(`the run failed, yet its ${system} patch is not empty:\n${showOperations(operations)}`);
    }
  } else if (result.failure) {
    // Nothing else is worth comparing: the run changed nothing, and the failure is the news.
    return [`the run failed: ${result.failure.message}`];
  }

  for (const [system, collections] of expect.records) {
    for (const [collection, records] of collections) {
      const known = collectionOf(documents.get(system), collection);
      for (const [key, fields] of records) {
        const where = `${system}.${collection} ${key}`;
        if (!known) {
          found.push(`${where}: expected the record, but ${system}.${collection} is not in the snapshot at all`);
          continue;
        }
        const record = Object.prototype.hasOwnProperty.call(known, key) ? (known[key] as Rec) : undefined;
        if (!record) {
          found.push(`${where}: expected the record, but there is none${hint(result.outcomes, system, collection, key, Object.keys(known))}`);
          continue;
        }
        for (const [name, value] of Object.entries(fields)) {
          for (const difference of differences(value, field(record, name), name)) found.push(`${where} ${difference}`);
        }
      }
    }
  }

  for (const [system, collections] of expect.absent) {
    for (const [collection, keys] of collections) {
      const known = collectionOf(documents.get(system), collection);
      for (const key of keys) {
        if (known && Object.prototype.hasOwnProperty.call(known, key)) found.push(`${system}.${collection} ${key}: expected no such record, but there is one: ${show(known[key])}`);
      }
    }
  }

  for (const [system, expected] of expect.patches) {
    const actual = normal(result.patches[system] ?? []) as Operation[];
    if (isDeepStrictEqual(actual, expected)) continue;
    const at = firstDifference(expected, actual);
    const lines = [`the ${system} patch differs at operation ${at + 1} of ${expected.length} expected, ${actual.length} written:`];
    lines.push(`  expected: ${at < expected.length ? showOperation(expected[at]!) : "(no more operations)"}`);
    lines.push(`  got:      ${at < actual.length ? showOperation(actual[at]!) : "(no more operations)"}`);
    lines.push(actual.length > 0 ? `the whole ${system} patch was:\n${showOperations(actual)}` : `the ${system} patch was empty`);
    found.push(lines.join("\n"));
  }

  for (const system of expect.unchanged) {
    const operations = result.patches[system] ?? [];
    if (operations.length > 0) found.push(`expected no change to ${system}, but its patch has ${operations.length} operation${operations.length === 1 ? "" : "s"}:\n${showOperations(operations)}`);
  }

  for (const expected of expect.outcomes) {
    if (result.outcomes.some((o) => matches(expected, o))) continue;
    const same = result.outcomes.filter((o) => o.key === expected.key);
    const shown = same.length > 0 ? same : result.outcomes;
    const listed = shown.length > 0 ? `\n${shown.map((o) => `  ${showOutcome(o)}`).join("\n")}` : " none at all";
    found.push(`expected an outcome ${showExpected(expected)}; ${same.length > 0 ? `the outcomes for ${expected.key ?? "whole collections"} were` : "outcomes were"}:${listed}`);
  }
  return found;
}

function matches(expected: OutcomeExpectation, actual: Outcome): boolean {
  return (
    actual.action === expected.action &&
    actual.key === expected.key &&
    (expected.reason === undefined || actual.reason.includes(expected.reason)) &&
    (expected.system === undefined || actual.system === expected.system) &&
    (expected.collection === undefined || actual.collection === expected.collection)
  );
}

function collectionOf(document: unknown, collection: string): Record<string, unknown> | undefined {
  if (!document || typeof document !== "object") return undefined;
  if (!Object.prototype.hasOwnProperty.call(document, collection)) return undefined;
  const value = (document as Record<string, unknown>)[collection];
  return value && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

/** Why a record may be missing: what the run said about that key, else the keys there are. */
function hint(outcomes: readonly Outcome[], system: string, collection: string, key: string, keys: string[]): string {
  const about = outcomes.filter((o) => o.key === key && o.system === system && o.collection === collection);
  if (about.length > 0) return `; the run said: ${about.map((o) => `${o.action}: ${o.reason}`).join("; ")}`;
  if (keys.length === 0) return ` (${system}.${collection} is empty)`;
  const sorted = [...keys].sort();
  return ` (${system}.${collection} has ${sorted.slice(0, 8).join(", ")}${sorted.length > 8 ? `, and ${sorted.length - 8} more` : ""})`;
}

/**
 * How an actual value differs from the expected one, as "path: expected X, got Y" lines.
 * Empty and null are the same, as in snapshots. Nested objects are compared whole, as
 * written (a member left out must be empty); lists compare as sets, as the contract says
 * of donor_ids and the like.
 */
export function differences(expected: unknown, actual: unknown, path: string): string[] {
  if (isEmpty(expected) || isEmpty(actual)) return isEmpty(expected) && isEmpty(actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected the list ${show(expected)}, got ${show(actual)}`];
    const { missing, extra } = setDifference(expected, actual);
    if (missing.length === 0 && extra.length === 0) return [];
    const parts = [...(missing.length > 0 ? [`missing ${missing.map(show).join(", ")}`] : []), ...(extra.length > 0 ? [`not expected ${extra.map(show).join(", ")}`] : [])];
    return [`${path}: expected ${show(expected)}, got ${show(actual)} (as sets: ${parts.join("; ")})`];
  }
  if (typeof expected === "object") {
    if (!actual || typeof actual !== "object" || Array.isArray(actual)) return [`${path}: expected ${show(expected)}, got ${show(actual)}`];
    const names = new Set([...Object.keys(expected as object), ...Object.keys(actual as object)]);
    return [...names].flatMap((name) => differences(field(expected, name), field(actual, name), `${path}.${name}`));
  }
  return isDeepStrictEqual(expected, actual) ? [] : [`${path}: expected ${show(expected)}, got ${show(actual)}`];
}

/** The items of each list that the other lacks, counting repeats. */
function setDifference(expected: readonly unknown[], actual: readonly unknown[]): { missing: unknown[]; extra: unknown[] } {
  const extra = [...actual];
  const missing: unknown[] = [];
  for (const item of expected) {
    const i = extra.findIndex((candidate) => differences(item, candidate, "").length === 0);
    if (i === -1) missing.push(item);
    else extra.splice(i, 1);
  }
  return { missing, extra };
}

function firstDifference(expected: readonly Operation[], actual: readonly Operation[]): number {
  let i = 0;
  while (i < expected.length && i < actual.length && isDeepStrictEqual(expected[i], actual[i])) i++;
  return i;
}

/** A value as JSON, without undefined, for comparing with what YAML gave. */
function normal(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value ?? null)) as unknown;
}

const MAX_SHOWN = 160;

export function show(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

function showOperation(o: Operation): string {
  return `${o.op} ${o.path}${"value" in o ? ` ${show(o.value)}` : ""}`;
}

function showOperations(operations: readonly Operation[]): string {
  return operations.map((o) => `  ${showOperation(o)}`).join("\n");
}

export function showOutcome(o: Outcome): string {
  return `${o.action} ${o.system}.${o.collection} ${o.key ?? "(all)"}: ${o.reason}`;
}

function showExpected(e: OutcomeExpectation): string {
  const parts = [`action: ${e.action}`, `key: ${e.key ?? "null"}`];
  if (e.system !== undefined) parts.push(`system: ${e.system}`);
  if (e.collection !== undefined) parts.push(`collection: ${e.collection}`);
  if (e.reason !== undefined) parts.push(`reason ~ ${JSON.stringify(e.reason)}`);
  return `{${parts.join(", ")}}`;
}
