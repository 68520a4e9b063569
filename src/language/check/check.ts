// Stage 4: AST -> plan. Resolves every name against the systems under integrations/, types
// every expression, and emits the plan's steps as it goes. The order matters only where
// names are defined: the sync line and params first, then views and link headers in the
// order written, then everything that may use them.
import type * as A from "../ast/nodes.js";
import { hasErrors, type Result } from "../../diagnostics/diagnostic.js";
import type * as P from "../../plan/types.js";
import { systemFingerprint, type SystemCatalog } from "../systems/load.js";
import type { SourceFile } from "../../source/source-file.js";
import { DATETIME } from "../types/type.js";
import { CheckContext, Scope, type LinkHeader } from "./context.js";
import type { SpecIndex } from "./spec-index.js";
import { checkParams, checkSync } from "./declarations.js";
import { checkLinkBody, registerLink } from "./links.js";
import { checkRule, checkView } from "./rules.js";
import { checkEventTrigger, checkLimit, checkScheduleTrigger, warnFightingWrites, warnUnlimitedDeletes, warnUnreachedEvents } from "./triggers.js";

export function check(spec: A.Spec, source: SourceFile, systems: SystemCatalog, integration: string): Result<P.Plan> & { readonly index: SpecIndex } {
  const ctx = new CheckContext(source, systems);
  const scope = new Scope();
  scope.define("now", { kind: "builtin", name: "now", type: DATETIME });
  scope.define("last_run", { kind: "builtin", name: "last_run", type: DATETIME });

  const sync = checkSync(spec.statements, ctx, scope);
  if (!sync) return { value: undefined, diagnostics: ctx.diagnostics, index: ctx.index };
  const params = checkParams(spec.statements, ctx, scope);

  const views: P.ViewPlan[] = [];
  const headers = new Map<A.LinkStatement, LinkHeader>();
  for (const statement of spec.statements) {
    if (statement.kind === "view") {
      const view = checkView(statement, ctx, scope);
      if (view) views.push(view);
    } else if (statement.kind === "link") {
      const header = registerLink(statement, ctx, scope);
      if (header) headers.set(statement, header);
    }
  }

  const links: P.LinkPlan[] = [];
  const rules: P.RulePlan[] = [];
  const ruleOf = new Map<A.RuleStatement, P.RulePlan>();
  const triggers: P.TriggerPlan[] = [];
  const eventTriggers = new Map<A.EventTrigger, P.TriggerPlan>();
  for (const statement of spec.statements) {
    if (statement.kind === "link") {
      const header = headers.get(statement);
      if (header) links.push(checkLinkBody(statement, header, ctx, scope));
    } else if (statement.kind === "rule") {
      const rule = checkRule(statement, ctx, scope, rules.length);
      if (rule) {
        rules.push(rule);
        ruleOf.set(statement, rule);
      }
    } else if (statement.kind === "eventTrigger") {
      const trigger = checkEventTrigger(statement, ctx, scope);
      if (trigger) {
        triggers.push(trigger);
        eventTriggers.set(statement, trigger);
      }
    } else if (statement.kind === "scheduleTrigger") {
      const trigger = checkScheduleTrigger(statement, ctx, scope);
      if (trigger) triggers.push(trigger);
    }
  }
  const limits: P.LimitPlan[] = [];
  for (const statement of spec.statements) {
    if (statement.kind !== "limit") continue;
    const limit = checkLimit(statement, ctx, scope, rules);
    if (limit) limits.push(limit);
  }

  if (hasErrors(ctx.diagnostics)) return { value: undefined, diagnostics: ctx.diagnostics, index: ctx.index };
  warnUnlimitedDeletes(ruleOf, limits, ctx);
  warnFightingWrites(ruleOf, ctx);
  warnUnreachedEvents(eventTriggers, { links, rules, views }, ctx);

  const collections: Record<string, Record<string, { key: string }>> = {};
  const used = [...ctx.collectionsUsed].map(([collection, system]) => ({ qualified: `${system}.${collection.name}`, system, collection }));
  for (const { system, collection } of used.sort((a, b) => a.qualified.localeCompare(b.qualified))) {
    (collections[system] ??= {})[collection.name] = { key: collection.key };
  }
  const plan: P.Plan = {
    syncspec: "plan",
    version: 1,
    integration,
    source: source.path,
    systems: { left: sync.left.name, right: sync.right.name, direction: sync.direction },
    // What each system's definition was, so that a plan file read later against a changed one is refused.
    fingerprints: Object.fromEntries([sync.left.name, sync.right.name].sort().map((name) => [name, systemFingerprint(systems.get(name)!)])),
    collections,
    params,
    views,
    links,
    rules,
    limits,
    triggers,
  };
  return { value: plan, diagnostics: ctx.diagnostics, index: ctx.index };
}
