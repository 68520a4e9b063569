// A `<->` mapping: a field of one side kept equal to a field of the other, written into
// whichever changed. Both ends must be plain fields of different sides and of one type
// (or objects whose renamed sub-fields are), and the link must write into both sides.
import type * as A from "../../ast/nodes.js";
import { message } from "../../../diagnostics/catalog.js";
import { didYouMean } from "../../../diagnostics/did-you-mean.js";
import { assignable, describe, type ObjectType, type Type } from "../../types/type.js";
import { fieldPath } from "../expressions.js";
import type { LinkCheck } from "./context.js";
import { aliasOf, fieldLabel } from "./sides.js";
import { linkAllows, targetPath, type Mapped, type Target } from "./targets.js";

type Renames = (readonly [string, string])[];

export function twoWay(mapping: A.Mapping, lc: LinkCheck): Mapped | undefined {
  const ends = checkEnds(mapping, lc);
  if (!ends) return undefined;
  const [first, second] = ends;
  const [left, right] = first.side === "left" ? [first, second] : [second, first];
  let renames: Renames | undefined;
  if (mapping.renames) {
    renames = checkRenames(mapping, first, second, lc);
    if (!renames) return undefined;
  } else if (!sameType(left.type, right.type)) {
    const types = { leftType: describe(left.type), rightType: describe(right.type) };
    lc.ctx.error(mapping.span, message("TYP013", "twoWay", { left: fieldLabel(lc, "left", left.path), right: fieldLabel(lc, "right", right.path), ...types }));
    return undefined;
  }
  const [leftExpr, rightExpr] = first.side === "left" ? [mapping.left, mapping.right] : [mapping.right, mapping.left];
  return {
    core: { id: `${left.path.join(".")}<->${right.path.join(".")}`, kind: "twoWay", left: left.path, right: right.path, ...(renames ? { renames } : {}) },
    writes: [
      { side: "left", path: left.path, span: leftExpr.span },
      { side: "right", path: right.path, span: rightExpr.span },
    ],
    compared: left.type,
  };
}

/** Both ends as targets, in the order written: fields of different sides, both writable. */
function checkEnds(mapping: A.Mapping, lc: LinkCheck): [Target, Target] | undefined {
  const { ctx, header } = lc;
  const a = fieldPath(mapping.left);
  const b = fieldPath(mapping.right);
  if (!a || !b) {
    ctx.error((a ? mapping.right : mapping.left).span, message("SEM004", "expression"));
    return undefined;
  }
  const eachSide = message("SEM004", "eachSide").text;
  const first = targetPath(lc, mapping.left, eachSide);
  const second = targetPath(lc, mapping.right, eachSide);
  if (!first || !second) return undefined;
  if (first.side === second.side) {
    ctx.error(mapping.right.span, message("SEM004", "sameSide", { alias: aliasOf(lc, first.side), left: header.left.alias, right: header.right.alias }));
    return undefined;
  }
  if (!linkAllows(lc, "left", mapping.directionSpan) || !linkAllows(lc, "right", mapping.directionSpan)) return undefined;
  return [first, second];
}

function sameType(a: Type, b: Type): boolean {
  return assignable(a, b) && assignable(b, a);
}

/** `donor.address { line1: address1, city } <-> contact.address`: sub-fields of the first-written side, renamed to the other's. */
function checkRenames(mapping: A.Mapping, first: Target, second: Target, lc: LinkCheck): Renames | undefined {
  if (!isObject(first) || !isObject(second)) {
    lc.ctx.error(mapping.left.span, message("SEM004", "renamesNotObjects"));
    return undefined;
  }
  const pairs: Renames = [];
  let ok = true;
  for (const rename of mapping.renames!) {
    if (!checkRename(rename, first, second, lc)) ok = false;
    else pairs.push(first.side === "left" ? [rename.from.name, rename.to.name] : [rename.to.name, rename.from.name]);
  }
  return ok ? pairs : undefined;
}

type ObjectTarget = Target & { readonly type: ObjectType };

function isObject(target: Target): target is ObjectTarget {
  return target.type.kind === "object";
}

/** A sub-field of each object, of one type. */
function checkRename(rename: A.Rename, first: ObjectTarget, second: ObjectTarget, lc: LinkCheck): boolean {
  const fromType = subField(lc, first, rename.from);
  if (!fromType) return false;
  const toType = subField(lc, second, rename.to);
  if (!toType) return false;
  if (sameType(fromType, toType)) return true;
  lc.ctx.error(rename.from.span, message("TYP013", "renamed", { from: rename.from.name, fromType: describe(fromType), to: rename.to.name, toType: describe(toType) }));
  return false;
}

/** The type of a renamed sub-field, or undefined with an error when the object has no such field. */
function subField(lc: LinkCheck, owner: ObjectTarget, name: A.Name): Type | undefined {
  const fields = owner.type.fields;
  const type = fields.get(name.name);
  if (!type) {
    lc.ctx.error(name.span, message("NAM003", "subFieldMissing", { object: fieldLabel(lc, owner.side, owner.path), field: name.name, fields: [...fields.keys()].join(", ") }), {
      suggestion: didYouMean(name.name, fields.keys()),
    });
  }
  return type;
}
