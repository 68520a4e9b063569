// JSON Pointers (RFC 6901) as every layer names places: `~1` is `/` and `~0` is `~`.
import { describe, expect, it } from "vitest";
import { escapePointer, pointerOf, pointerPath, unescapePointer } from "../../src/json/pointer.js";

describe("JSON Pointers", () => {
  it("unescape ~1 before ~0, so ~01 stays ~1", () => {
    expect(unescapePointer("a~1b~0c~01")).toBe("a/b~c~1");
    expect(escapePointer("a/b~c~1")).toBe("a~1b~0c~01");
  });

  it("turn a path of keys into a pointer and back, `__proto__` and the empty key included", () => {
    const path = ["donors", "a/b", "__proto__", "", "~"];
    expect(pointerOf(path)).toBe("/donors/a~1b/__proto__//~0");
    expect(pointerPath(pointerOf(path))).toEqual(path);
    expect(pointerPath("")).toEqual([]);
  });
});
