// Triggers (events with their actors, schedules with their time zones) and safety limits.
import type * as A from "../ast/nodes.js";
import { didYouMean } from "../../diagnostics/did-you-mean.js";
import type * as P from "../../plan/types.js";
import { DEFAULT_NIGHTLY_TIME, DEFAULT_ZONE, cronProblem, isTimeZone, nearZone, timeProblem } from "../schedule/schedule.js";
import type { CheckContext, Scope } from "./context.js";
import { checkValue } from "./expressions.js";

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
      ctx.error("NAM009", side.span, `\`${side.name}\` is not one of this sync's systems, ${ctx.syncSystems.join(" and ")}`, {
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
      ctx.error("SEM012", ref.span, `this sync never writes from ${d.from} into ${d.to}, so no trigger can run that way`);
      return undefined;
    }
  }
  return wanted;
}

function checkZone(zone: A.Literal<string> | undefined, ctx: CheckContext): string {
  if (!zone) return DEFAULT_ZONE;
  if (!isTimeZone(zone.value)) {
    const near = nearZone(zone.value);
    ctx.error("NAM010", zone.span, `unknown time zone ${JSON.stringify(zone.value)}`, {
      ...(near ? { suggestion: JSON.stringify(near) } : { notes: [{ message: 'zones are IANA names, such as "America/New_York" or "UTC"' }] }),
    });
  }
  return zone.value;
}

export function checkEventTrigger(trigger: A.EventTrigger, ctx: CheckContext): P.TriggerPlan | undefined {
  const system = ctx.systems.get(trigger.system.name);
  if (!system || !ctx.syncSystems.includes(trigger.system.name)) {
    ctx.error("NAM009", trigger.system.span, `\`${trigger.system.name}\` is not one of this sync's systems, ${ctx.syncSystems.join(" and ")}`, {
      suggestion: didYouMean(trigger.system.name, ctx.syncSystems),
    });
    return undefined;
  }
  let ok = true;
  if (system.events.size === 0) {
    ctx.error("NAM006", trigger.system.span, `${system.name} sends no events; its definition declares none`);
    return undefined;
  }
  for (const event of trigger.events ?? []) {
    if (!system.events.has(event.name)) {
      ctx.error("NAM006", event.span, `${system.name} has no event \`${event.name}\``, {
        suggestion: didYouMean(event.name, system.events.keys()),
        notes: [{ message: `its events are ${[...system.events.keys()].join(", ")}` }],
      });
      ok = false;
    }
  }
  for (const actor of trigger.actors) {
    if (!system.actors.includes(actor.name)) {
      ctx.error("NAM007", actor.span, system.actors.length === 0 ? `${system.name}'s events name no actors` : `${system.name} has no actor \`${actor.name}\``, {
        suggestion: didYouMean(actor.name, system.actors),
        ...(system.actors.length > 0 ? { notes: [{ message: `its actors are ${system.actors.join(", ")}` }] } : {}),
      });
      ok = false;
    }
  }
  const dirs = directions(trigger.direction, ctx);
  if (!ok || !dirs) return undefined;
  return {
    kind: "event",
    system: system.name,
    events: trigger.events ? trigger.events.map((e) => e.name) : null,
    actors: trigger.actors.length > 0 ? trigger.actors.map((a) => a.name) : null,
    directions: dirs,
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
          ctx.error("TYP001", s.unit.span, `\`every ${s.unit.name}\` needs a param of type schedule`);
        } else {
          ctx.error("SYN005", s.unit.span, `expected \`minute\`, \`hour\`, a number of minutes or hours, or a schedule param after \`every\`, found the name \`${s.unit.name}\``, {
            suggestion: didYouMean(s.unit.name, ["minute", "hour", ...scope.allNames().filter((n) => scope.lookup(n)?.kind === "param")]),
          });
        }
      }
      if (trigger.zone && schedule?.kind === "every") ctx.error("SYN005", trigger.zone.span, "a repeating schedule needs no time zone");
      break;
    }
    case "nightly": {
      const at = s.at?.value ?? DEFAULT_NIGHTLY_TIME;
      const problem = timeProblem(at);
      if (problem && s.at) ctx.error("SYN005", s.at.span, problem);
      else schedule = { kind: "daily", at: at.padStart(5, "0"), zone };
      break;
    }
    case "cron": {
      const problem = cronProblem(s.expression.value);
      if (problem) ctx.error("SYN005", s.expression.span, problem);
      else schedule = { kind: "cron", expression: s.expression.value, zone };
      break;
    }
  }
  const dirs = directions(trigger.direction, ctx);
  if (!schedule || !dirs) return undefined;
  return { kind: "schedule", schedule, directions: dirs, span: ctx.planSpan(trigger.span) };
}

/** `limit removals of sys.coll.field to 50%` / `limit deletes of sys.coll to 10%`. */
export function checkLimit(limit: A.LimitStatement, ctx: CheckContext, scope: Scope, rules: readonly P.RulePlan[]): P.LimitPlan | undefined {
  const measure = limit.measure.name as P.LimitPlan["measure"];
  const target = limit.target;
  const span = ctx.planSpan(limit.span);
  if (measure === "removals") {
    if (target.kind !== "member") {
      ctx.error("SYN006", target.span, "name the set field whose removals are limited, as SYSTEM.COLLECTION.FIELD");
      return undefined;
    }
    const owner = checkValue(target.object, { ctx, scope });
    if (owner.kind !== "collection") {
      if (!(owner.kind === "value" && owner.type.kind === "any")) ctx.error("SYN006", target.span, "name the set field whose removals are limited, as SYSTEM.COLLECTION.FIELD");
      return undefined;
    }
    const field = target.field.name;
    const fieldType = owner.collection.type.fields.get(field);
    if (!fieldType) {
      ctx.error("NAM003", target.field.span, `a ${owner.system}.${owner.collection.name} record has no field \`${field}\``, {
        suggestion: didYouMean(field, owner.collection.type.fields.keys()),
      });
      return undefined;
    }
    const writes = rules.some(
      (r) => r.action.kind === "write" && r.action.system === owner.system && r.action.collection === owner.collection.name && r.action.assignments.some((a) => a.field[0] === field),
    );
    if (fieldType.kind !== "list" || !writes) {
      ctx.error("SEM014", target.span, fieldType.kind !== "list" ? `\`${field}\` is not a set field, so nothing is removed from it` : `no rule of this spec writes \`${field}\``);
      return undefined;
    }
    return { measure, system: owner.system, collection: owner.collection.name, field, percent: limit.percent.value, span };
  }
  const owner = checkValue(target, { ctx, scope });
  if (owner.kind !== "collection") {
    if (!(owner.kind === "value" && owner.type.kind === "any")) ctx.error("SYN006", target.span, "name the collection whose deletes are limited, as SYSTEM.COLLECTION");
    return undefined;
  }
  const deletes = rules.some((r) => r.action.kind === "delete" && r.action.system === owner.system && r.action.collection === owner.collection.name);
  if (!deletes) {
    ctx.error("SEM014", target.span, `no rule of this spec deletes from ${owner.system}.${owner.collection.name}`);
    return undefined;
  }
  return { measure, system: owner.system, collection: owner.collection.name, percent: limit.percent.value, span };
}
