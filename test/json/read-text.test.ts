// Bytes that are not UTF-8 are found, not decoded into U+FFFD: where they begin, by offset,
// line and column, agreeing with Node's own validator and decoder on any bytes.
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lineColumn } from "../../src/json/parse.js";
import { decodeUtf8, firstNotUtf8 } from "../../src/json/read-text.js";

/** Bytes that are mostly UTF-8: text, with a few bytes of any value among it, often ones that begin or continue a character. */
const mostlyText = fc
  .tuple(fc.string({ unit: "binary", maxLength: 30 }), fc.array(fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc0, 0xc1, 0xe0, 0xed, 0xf0, 0xf4, 0xf5, 0x0a))), { maxLength: 3 }))
  .map(([text, inserted]) => {
    const bytes = [...Buffer.from(text, "utf8")];
    for (const [at, byte] of inserted) bytes.splice(bytes.length === 0 ? 0 : at % (bytes.length + 1), 0, byte);
    return Uint8Array.from(bytes);
  });

describe("bytes that are not UTF-8", () => {
  it("are found exactly where Node's validator and decoder find them", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    fc.assert(
      fc.property(mostlyText, (bytes) => {
        const at = firstNotUtf8(bytes);
        expect(at === -1).toBe(isUtf8(bytes));
        if (at === -1) return;
        // The bytes before are UTF-8; the character there is not, however it goes on.
        expect(isUtf8(bytes.subarray(0, at))).toBe(true);
        expect(() => fatal.decode(bytes.subarray(at, at + 4))).toThrow();
        expect(Buffer.from(bytes.subarray(at)).toString("utf8").charCodeAt(0)).toBe(0xfffd);
      }),
      { numRuns: 3000 },
    );
  });

  it("are placed by line and column as the decoded text's places are", () => {
    fc.assert(
      fc.property(mostlyText, (bytes) => {
        const decoded = decodeUtf8(bytes);
        if ("text" in decoded) {
          expect(decoded.text).toBe(Buffer.from(bytes).toString("utf8"));
          return;
        }
        const { offset, byte, line, column } = decoded.notUtf8;
        expect(byte).toBe(bytes[offset]);
        const before = Buffer.from(bytes.subarray(0, offset)).toString("utf8");
        expect({ line, column }).toEqual(lineColumn(`${before}x`, before.length));
      }),
      { numRuns: 3000 },
    );
  });

  it("as the issue has it: a Latin-1 é on the second line", () => {
    expect(decodeUtf8(Uint8Array.from([...Buffer.from('{"a":\n"Ren'), 0xe9, ...Buffer.from('e"}')]))).toEqual({ notUtf8: { offset: 10, byte: 0xe9, line: 2, column: 5 } });
  });
});
