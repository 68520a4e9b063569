// A Chevrotain CstParser whose syntax tree costs less to build. On a large spec much of the
// parse time went to the tree's memory and to collecting it, not to recognising the grammar.
// The tree keeps Chevrotain's shape, so the grammar and the AST builder read it as before.
import { CstParser, type CstNode } from "chevrotain";

/**
 * A node's children, keyed by rule, token or label name. Chevrotain makes them with
 * `Object.create(null)`, which V8 keeps as a hash table about three times the size of an
 * ordinary object; objects made by this constructor are ordinary and still inherit no keys.
 */
const Children = function Children() {} as unknown as new () => CstNode["children"];
Children.prototype = Object.create(null);

// What this replaces is Chevrotain's own (11.0); fail loudly if an upgrade renames it,
// rather than silently parse slower.
// The same for the hook that ends a rule, which the grammar counts nesting with (grammar.ts).
for (const hook of ["cstInvocationStateUpdate", "cstFinallyStateUpdate"]) {
  if (typeof (CstParser.prototype as unknown as Record<string, unknown>)[hook] !== "function") {
    throw new Error(`Chevrotain no longer has ${hook}; update src/language/parser/lean-cst-parser.ts and grammar.ts`);
  }
}

export class LeanCstParser extends CstParser {
  // Chevrotain calls this as each rule starts, to push the rule's node.
  cstInvocationStateUpdate(fullRuleName: string): void {
    const node: CstNode = {
      name: fullRuleName,
      children: new Children(),
      // How Chevrotain's "onlyOffset" tracking starts a node; it sets the end as the rule ends.
      location: { startOffset: this.LA(1).startOffset, endOffset: NaN },
    };
    (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.push(node);
  }
}
