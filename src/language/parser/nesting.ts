// How deep expressions may nest. The parser, the AST builder, the checker, the formatter, the
// plan's schema validation and the engine each walk an expression by recursion, a few calls
// per level, so a spec that nests without bound would exhaust the stack in one of them. A
// chain of operators of one precedence (`a or b or ...`, `x + y - z ...`) is one level however
// long it is: only nesting counts (brackets, calls, `if`, `not`, `-`, `.field` and `[index]`).
//
// 64 is far above what a spec nests (the seed specs nest at most 7 deep) and far below where
// the first stage runs out of Node's default stack: without a limit, validating the plan
// against its schema gave out near 320 levels, parsing nested brackets near 420.
import type { Span } from "../../source/source-file.js";

export const MAX_NESTING = 64;

/** Thrown by the parser where expressions nest past MAX_NESTING, before its stack runs out; parse() reports it. */
export class NestingTooDeep {
  constructor(readonly span: Span) {}
}
