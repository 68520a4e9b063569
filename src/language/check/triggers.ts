// Triggers (events with their actors, schedules with their time zones) and safety limits.
import type * as A from "../ast/nodes.js";
import { message } from "../../diagnostics/catalog.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import { DEFAULT_NIGHTLY_TIME, DEFAULT_ZONE, cronProblem, isTimeZone, nearZone, timeProblem } from "../schedule/schedule.js";
import type { CheckContext, Scope } from "./context.js";
import { checkExpr, checkValue } from "./expressions.js";
import { define } from "./rules.js";
import type { SystemDefinition } from "../systems/load.js";

const UNITS: Record<string, number> = { minute: 1, minutes: 1, hour: 60, hours: 60 };

function directions(ref: A.DirectionRef | undefined, ctx: CheckContext): P.DirectionPlan[] | undefined {
  const all = (): P.DirectionPlan[] => {
    const [left, right] = ctx.syncSystems as [string, string];
    const result: P.DirectionPlan[] = [];
    if (ctx.writable.has(right)) result.push({ from: left, to: right });
    if (ctx.writable.has(left)) result.push({ from: right, to: left });
    return result;
  };
  if (!ref) return all();
  for (const side of [ref.left, ref.right]) {
    if (!ctx.syncSystems.includes(side.name)) {
      ctx.error(side.span, message("NAM009", "notInSync", { name: side.name, ...ctx.syncPair() }), {
        suggestion: didYouMean(side.name, ctx.syncSystems),
      });
      return undefined;
    }
  }
  const wanted: P.DirectionPlan[] = [];
  if (ref.direction !== "<-") wanted.push({ from: ref.left.name, to: ref.right.name });
  if (ref.direction !== "->") wanted.push({ from: ref.right.name, to: ref.left.name });
  for (const d of wanted) {
    if (d.from === d.to || !ctx.writable.has(d.to)) {
      ctx.error(ref.span, message("SEM012", "neverWrites", { from: d.from, to: d.to }));
      return undefined;
    }
  }
  return wanted;
}

function checkZone(zone: A.Literal<string> | undefined, ctx: CheckContext): string {
  if (!zone) return DEFAULT_ZONE;
  if (!isTimeZone(zone.value)) {
    const near = nearZone(zone.value);
    ctx.error(zone.span, message("NAM010", "unknownZone", { zone: JSON.stringify(zone.value) }), {
      ...(near ? { suggestion: JSON.stringify(near) } : { notes: [{ message: message("NAM010", "zonesAre").text }] }),
    });
  }
  return zone.value;
}

/**
 * `as NAME resyncs LOOKUP, ...`: each lookup, over the event's record, a collection's records
 * by key (`raisedonors.donors[gift.donorId]`) or by a field (`virtuous.contacts[referenceId ==
 * gift.donorId]`). The events must all name records of one collection.
 */
function checkResyncs(trigger: A.EventTrigger, system: SystemDefinition, ctx: CheckContext, scope: Scope): P.EventResyncs | undefined | false {
  const lookups = trigger.resyncs ?? [];
  if (lookups.length === 0) return undefined;
  if (!trigger.record) {
    ctx.error(lookups[0]!.span, message("SEM017", "noRecordName", { system: system.name }));
    return false;
  }
  if (!trigger.events) {
    ctx.error(trigger.record.span, message("SEM017", "anyEvent", { system: system.name }));
    return false;
  }
  const collections = [...new Set(trigger.events.flatMap((e) => system.events.get(e.name) ?? []))];
  if (collections.length !== 1) {
    ctx.error(trigger.record.span, message("SEM017", "severalCollections", { name: trigger.record.name, collections: collections.map((c) => `${system.name}.${c}`).join(", ") }));
    return false;
  }
  const inner = scope.child();
  const collection = system.collections.get(collections[0]!)!;
  // The run reads the event's record to find what it re-syncs, whatever else reads it.
  ctx.useCollection(system.name, collection);
  define(ctx, inner, trigger.record, collection.type);
  const records: P.EventResyncs["records"][number][] = [];
  let ok = true;
  for (const lookup of lookups) {
    const ir = checkExpr(lookup, { ctx, scope: inner }).ir;
    if ((ir.op === "byKey" || ir.op === "find") && !("view" in ir.source)) records.push({ system: ir.source.system, collection: ir.source.collection, expr: ir });
    else {
      ctx.error(lookup.span, message("SEM017", "notLookup"));
      ok = false;
    }
  }
  return ok && { alias: trigger.record.name, records };
}

export function checkEventTrigger(trigger: A.EventTrigger, ctx: CheckContext, scope: Scope): P.TriggerPlan | undefined {
  const system = ctx.systems.get(trigger.system.name);
  if (!system || !ctx.syncSystems.includes(trigger.system.name)) {
    ctx.error(trigger.system.span, message("NAM009", "notInSync", { name: trigger.system.name, ...ctx.syncPair() }), {
      suggestion: didYouMean(trigger.system.name, ctx.syncSystems),
    });
    return undefined;
  }
  let ok = true;
  if (system.events.size === 0) {
    ctx.error(trigger.system.span, message("NAM006", "noEvents", { system: system.name }));
    return undefined;
  }
  for (const event of trigger.events ?? []) {
    if (!system.events.has(event.name)) {
      ctx.error(event.span, message("NAM006", "noEvent", { system: system.name, event: event.name }), {
        suggestion: didYouMean(event.name, system.events.keys()),
        notes: [{ message: message("NAM006", "eventsAre", { events: [...system.events.keys()].join(", ") }).text }],
      });
      ok = false;
    }
  }
  for (const actor of trigger.actors) {
    if (!system.actors.includes(actor.name)) {
      const unknown = system.actors.length === 0 ? message("NAM007", "noActors", { system: system.name }) : message("NAM007", "noActor", { system: system.name, actor: actor.name });
      ctx.error(actor.span, unknown, {
        suggestion: didYouMean(actor.name, system.actors),
        ...(system.actors.length > 0 ? { notes: [{ message: message("NAM007", "actorsAre", { actors: system.actors.join(", ") }).text }] } : {}),
      });
      ok = false;
    }
  }
  const dirs = directions(trigger.direction, ctx);
  if (!ok || !dirs) return undefined;
  const resyncs = checkResyncs(trigger, system, ctx, scope);
  if (resyncs === false) return undefined;
  return {
    kind: "event",
    system: system.name,
    events: trigger.events ? trigger.events.map((e) => e.name) : null,
    actors: trigger.actors.length > 0 ? trigger.actors.map((a) => a.name) : null,
    directions: dirs,
    ...(resyncs ? { resyncs } : {}),
    span: ctx.planSpan(trigger.span),
  };
}

export function checkScheduleTrigger(trigger: A.ScheduleTrigger, ctx: CheckContext, scope: Scope): P.TriggerPlan | undefined {
  const s = trigger.schedule;
  const zone = checkZone(trigger.zone, ctx);
  let schedule: P.ScheduleOrParam | undefined;
  switch (s.kind) {
    case "every": {
      const perUnit = UNITS[s.unit.name];
      if (s.count) {
        if (perUnit !== undefined) schedule = { kind: "every", minutes: s.count.value * perUnit };
      } else if (s.unit.name === "minute" || s.unit.name === "hour") {
        schedule = { kind: "every", minutes: perUnit! };
      } else {
        const binding = scope.lookup(s.unit.name);
        if (binding?.kind === "param" && binding.type.kind === "schedule") {
          schedule = { kind: "param", name: s.unit.name };
        } else if (binding?.kind === "param") {
          ctx.error(s.unit.span, message("TYP001", "everyParam", { name: s.unit.name }));
        } else {
          ctx.error(s.unit.span, message("SYN005", "afterEvery", { name: s.unit.name }), {
            suggestion: didYouMean(s.unit.name, ["minute", "hour", ...scope.allNames().filter((n) => scope.lookup(n)?.kind === "param")]),
          });
        }
      }
      if (trigger.zone && schedule?.kind === "every") ctx.error(trigger.zone.span, message("SYN005", "zoneNotNeeded"));
      break;
    }
    case "nightly": {
      const at = s.at?.value ?? DEFAULT_NIGHTLY_TIME;
      const problem = timeProblem(at);
      if (problem && s.at) ctx.error(s.at.span, problem);
      else schedule = { kind: "daily", at: at.padStart(5, "0"), zone };
      break;
    }
    case "cron": {
      const problem = cronProblem(s.expression.value);
      if (problem) ctx.error(s.expression.span, problem);
      else schedule = { kind: "cron", expression: s.expression.value, zone };
      break;
    }
  }
  const dirs = directions(trigger.direction, ctx);
  if (!schedule || !dirs) return undefined;
  return { kind: "schedule", schedule, directions: dirs, span: ctx.planSpan(trigger.span) };
}

/** `limit removals of sys.coll.field to 50%` / `limit deletes of sys.coll to 10% when more than 20`. */
export function checkLimit(limit: A.LimitStatement, ctx: CheckContext, scope: Scope, rules: readonly P.RulePlan[]): P.LimitPlan | undefined {
  const measure = limit.measure.name as P.LimitPlan["measure"];
  const target = limit.target;
  const span = ctx.planSpan(limit.span);
  const floor = limit.floor ? { floor: limit.floor.value } : {};
  if (measure === "removals") {
    if (target.kind !== "member") {
      ctx.error(target.span, message("SYN006", "setFieldTarget"));
      return undefined;
    }
    const owner = checkValue(target.object, { ctx, scope });
    if (owner.kind !== "collection") {
      if (!(owner.kind === "value" && owner.type.kind === "any")) ctx.error(target.span, message("SYN006", "setFieldTarget"));
      return undefined;
    }
    const field = target.field.name;
    const fieldType = owner.collection.type.fields.get(field);
    if (!fieldType) {
      ctx.error(target.field.span, message("NAM003", "recordNoField", { record: `${owner.system}.${owner.collection.name}`, field }), {
        suggestion: didYouMean(field, owner.collection.type.fields.keys()),
      });
      return undefined;
    }
    const writes = rules.some(
      (r) => r.action.kind === "write" && r.action.system === owner.system && r.action.collection === owner.collection.name && r.action.assignments.some((a) => a.field[0] === field),
    );
    if (fieldType.kind !== "list" || !writes) {
      ctx.error(target.span, fieldType.kind !== "list" ? message("SEM014", "notSetField", { field }) : message("SEM014", "notWritten", { field }));
      return undefined;
    }
    return { measure, system: owner.system, collection: owner.collection.name, field, percent: limit.percent.value, ...floor, span };
  }
  const owner = checkValue(target, { ctx, scope });
  if (owner.kind !== "collection") {
    if (!(owner.kind === "value" && owner.type.kind === "any")) ctx.error(target.span, message("SYN006", "collectionTarget"));
    return undefined;
  }
  const deletes = rules.some((r) => r.action.kind === "delete" && r.action.system === owner.system && r.action.collection === owner.collection.name);
  if (!deletes) {
    ctx.error(target.span, message("SEM014", "notDeleted", { collection: `${owner.system}.${owner.collection.name}` }));
    return undefined;
  }
  return { measure, system: owner.system, collection: owner.collection.name, percent: limit.percent.value, ...floor, span };
}

/**
 * A rule that deletes from a collection no `limit deletes of` covers gets a warning at its
 * `delete`: without a limit, a read that comes back thin (an empty collection the rule's
 * lookups rely on) deletes everything the spec owns there. Given only for a spec without
 * errors, whose every rule has its plan.
 */
export function warnUnlimitedDeletes(rules: ReadonlyMap<A.RuleStatement, P.RulePlan>, limits: readonly P.LimitPlan[], ctx: CheckContext): void {
  const limited = new Set(limits.filter((l) => l.measure === "deletes").map((l) => `${l.system}.${l.collection}`));
  for (const [statement, rule] of rules) {
    if (rule.action.kind !== "delete" || statement.action.kind !== "delete") continue;
    const collection = `${rule.action.system}.${rule.action.collection}`;
    if (limited.has(collection)) continue;
    const span = { start: statement.action.span.start, end: statement.action.target.span.end };
    ctx.warn(span, message("SEM015", "noLimit", { collection }));
  }
}

/**
 * An event trigger whose events name records no link or rule passes over gets a warning: the
 * run such an event starts reaches its record and nothing else, and changes nothing. An event
 * reaches what passes over its record's collection: a link with it on a side, a rule or a
 * view that starts from it (and what those look up). For `any event`, only when none of the
 * system's events reaches anything. Given only for a spec without errors.
 */
export function warnUnreachedEvents(triggers: ReadonlyMap<A.EventTrigger, P.TriggerPlan>, plan: Pick<P.Plan, "links" | "rules" | "views">, ctx: CheckContext): void {
  const passed = new Set<string>();
  const origin = (source: P.Source, hops = 0): void => {
    if ("view" in source) {
      const first = plan.views.find((v) => v.name === source.view)?.clauses[0];
      if (first?.kind === "from" && first.source.op === "rows" && hops <= plan.views.length) origin(first.source.source, hops + 1);
      return;
    }
    passed.add(`${source.system}.${source.collection}`);
  };
  for (const link of plan.links) {
    passed.add(`${link.left.system}.${link.left.collection}`);
    passed.add(`${link.right.system}.${link.right.collection}`);
  }
  for (const rule of plan.rules) {
    const first = rule.clauses[0];
    if (first?.kind === "from" && first.source.op === "rows") origin(first.source.source);
  }
  for (const [statement, trigger] of triggers) {
    if (trigger.kind !== "event") continue;
    const system = ctx.systems.get(trigger.system)!;
    // What it re-syncs counts as well: a gift's event may reach only its donor's link.
    const resynced = trigger.resyncs?.records.some((r) => passed.has(`${r.system}.${r.collection}`)) ?? false;
    const reaches = (event: string): boolean => resynced || passed.has(`${trigger.system}.${system.events.get(event)}`);
    if (statement.events === undefined) {
      if (![...system.events.keys()].some(reaches)) ctx.warn(statement.system.span, message("SEM016", "anyReachesNothing", { system: trigger.system }));
      continue;
    }
    for (const event of statement.events) {
      if (reaches(event.name)) continue;
      ctx.warn(event.span, message("SEM016", "reachesNothing", { system: trigger.system, event: event.name, collection: `${trigger.system}.${system.events.get(event.name)}` }));
    }
  }
}

/**
 * Two write rules that set one field of the same records (the same target, by the same key
 * expression) to different values get a warning at the later one: a run would set the field
 * back and forth, round after round, and stop with RUN001. Conditions on the rules may keep
 * them apart, so it is a warning, where `check` can tell it, ahead of the run that would fail.
 */
export function warnFightingWrites(rules: ReadonlyMap<A.RuleStatement, P.RulePlan>, ctx: CheckContext): void {
  // Grouped by target and field first (cheap names); keys and values are written out as text
  // only where a field is written twice, each rule's key once: a 10,000-line spec checks in time.
  const byField = new Map<string, { statement: A.RuleStatement; rule: P.RulePlan; index: number }[]>();
  for (const [statement, rule] of rules) {
    const action = rule.action;
    if (action.kind !== "write" || statement.action.kind !== "write") continue;
    for (const [index, assignment] of action.assignments.entries()) {
      if (assignment.initially) continue;
      const id = `${action.system}.${action.collection}\0${assignment.field.join(".")}`;
      const list = byField.get(id);
      if (list) list.push({ statement, rule, index });
      else byField.set(id, [{ statement, rule, index }]);
    }
  }
  const keyText = new Map<P.RulePlan, string>();
  const keyOf = (rule: P.RulePlan): string => {
    let text = keyText.get(rule);
    if (text === undefined) keyText.set(rule, (text = rule.action.kind === "write" ? JSON.stringify(rule.action.key) : ""));
    return text;
  };
  for (const writes of byField.values()) {
    if (writes.length < 2) continue;
    const first = new Map<string, { line: number; value: string }>();
    for (const { statement, rule, index } of writes) {
      const action = rule.action as Extract<P.ActionPlan, { kind: "write" }>;
      const assignment = action.assignments[index]!;
      const key = keyOf(rule);
      const value = JSON.stringify(assignment.value);
      const earlier = first.get(key);
      if (!earlier) first.set(key, { line: rule.span[0], value });
      else if (earlier.value !== value) {
        const span = statement.action.kind === "write" ? (statement.action.assignments[index]?.span ?? statement.action.span) : statement.action.span;
        ctx.warn(span, message("SEM018", "fight", { field: assignment.field.join("."), collection: `${action.system}.${action.collection}`, line: earlier.line }));
      }
    }
  }
}
