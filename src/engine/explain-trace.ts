// The hooks through which the engine tells `syncspec explain` what it decided for one record,
// as it decides it: the run explained is the run itself, not a second reading of the spec.
// A run without a trace pays one check for undefined where a pair flows or a create is
// tried; the hooks record nothing for any record but the one explained.
import type { Side } from "../plan/types.js";
import type { Rec } from "../json/values.js";

/** How a pair's two-way mapping settled, as TwoWayMapping.merge decided it. */
export interface TwoWayStep {
  readonly kind: "twoWay";
  readonly left: unknown;
  readonly right: unknown;
  /** The last synced value, when the state has one. */
  readonly last?: unknown;
  readonly hasLast: boolean;
  /** Unset when the values are the same (nothing flows). */
  readonly winner?: Side;
  readonly conflict: boolean;
  readonly tie: boolean;
  /** The side made this run, which takes the other side's value. */
  readonly created?: Side;
  /** The winner's value may not be written in this run (an event's direction). */
  readonly uncarried: boolean;
}

/** One step of a pair's flow, mapping by mapping (index into the link's mappings), then the write back. */
export type FlowStep =
  | { readonly kind: "when"; readonly mapping: number; readonly frame: readonly [Rec, Rec] }
  | { readonly kind: "unchanged"; readonly mapping: number; readonly left: unknown; readonly right: unknown; readonly last: unknown }
  | (TwoWayStep & { readonly mapping: number })
  | { readonly kind: "oneWay"; readonly mapping: number; readonly into: Side; readonly value: unknown; readonly held: unknown; readonly written: boolean; readonly uncarried: boolean }
  | { readonly kind: "writeBack"; readonly into: Side; readonly value: unknown; readonly held: unknown; readonly written: boolean; readonly uncarried: boolean }
  | { readonly kind: "skipped"; readonly reason: string };

/** What a link's create did for an unpaired record (index into the link's creates). */
export type CreateStep =
  | { readonly kind: "condition"; readonly create: number; readonly frame: readonly [Rec | undefined, Rec | undefined] }
  | { readonly kind: "noKey"; readonly create: number }
  | { readonly kind: "exists"; readonly create: number; readonly key: string }
  | { readonly kind: "refused"; readonly create: number; readonly key: string; readonly reason: string }
  | { readonly kind: "created"; readonly create: number; readonly key: string; readonly record: Rec }
  | { readonly kind: "skipped"; readonly create: number; readonly reason: string };

export interface RunTrace {
  /** A recorder for the pair's flow when one of its records is the one explained, else undefined. */
  pair(linkId: string, lk: string, rk: string): ((step: FlowStep) => void) | undefined;
  /** A recorder for a create tried for a record of side `from`, when it is the one explained. */
  create(linkId: string, from: Side, key: string): ((step: CreateStep) => void) | undefined;
}
