// lower and upper, as matching uses them: NFC first, and no character outside ASCII mapped
// into ASCII, so that a name in one script never matches an ASCII one it is not.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lowerCase, upperCase } from "../../../src/language/functions/case-fold.js";

const asciiCount = (s: string): number => [...s].filter((c) => c.codePointAt(0)! <= 0x7f).length;
const text = fc.string({ unit: "grapheme-composite", maxLength: 20 });
const anyText = fc.oneof(text, fc.string({ unit: "binary", maxLength: 20 }));

describe("case for matching", () => {
  it("keeps the Kelvin sign, a dotted capital I and a sharp s from becoming ASCII", () => {
    expect(lowerCase("\u212Aim@example.org")).toBe("\u212Aim@example.org");
    expect(lowerCase("\u212Aim@example.org")).not.toBe(lowerCase("kim@example.org"));
    expect(lowerCase("\u0130stanbul")).toBe("\u0130stanbul");
    expect(upperCase("stra\u00DFe")).toBe("STRA\u00DFE");
    expect(upperCase("\u017Fam")).toBe("\u017FAM");
  });

  it("lowers other scripts within themselves, and ASCII as ASCII", () => {
    expect(lowerCase("ÉLODIE")).toBe("élodie");
    expect(lowerCase("ΑΘΗΝΑ")).toBe("αθηνα");
    expect(lowerCase("Ann@Example.ORG")).toBe("ann@example.org");
    expect(upperCase("élodie")).toBe("ÉLODIE");
  });

  it("compares a letter with a combining mark equal to the composed letter", () => {
    expect(lowerCase("Jose\u0301")).toBe(lowerCase("JOS\u00C9"));
  });

  it("maps no character outside ASCII into ASCII, for any text", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        // NFC may join an ASCII letter and a combining mark into one letter outside ASCII, never the reverse.
        expect(asciiCount(lowerCase(s))).toBeLessThanOrEqual(asciiCount(s));
        expect(asciiCount(upperCase(s))).toBeLessThanOrEqual(asciiCount(s));
      }),
    );
  });

  it("keeps a Greek question mark, which NFC alone would make a semicolon", () => {
    expect(lowerCase("a\u037E")).toBe("a\u037E");
  });

  it("gives NFC text where NFC keeps to its script, and is the same applied twice", () => {
    fc.assert(
      fc.property(anyText, (s) => {
        const lower = lowerCase(s);
        if (![...s].some((c) => c.codePointAt(0)! > 0x7f && /^[\u0000-\u007f]*$/.test(c.normalize("NFC")))) expect(lower).toBe(lower.normalize("NFC"));
        expect(lowerCase(lower)).toBe(lower);
        expect(upperCase(upperCase(s))).toBe(upperCase(s));
      }),
    );
  });

  it("raises a letter that upper case spells in several code points to NFC, the same raised twice", () => {
    // "ῢ" raises to Upsilon, a diaeresis and a grave accent, which NFC writes as "Ϋ" and the grave.
    expect(upperCase("\u1FE2")).toBe("\u03AB\u0300");
    expect(upperCase(upperCase("\u1FE2"))).toBe(upperCase("\u1FE2"));
  });

  it("keeps every code point alone out of ASCII, in NFC, and the same changed twice", () => {
    // Every code point, not a sample: a random one found "ῢ" only after a thousand runs.
    const wrong: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const keepsOwnForm = cp > 0x7f && /^[\u0000-\u007f]*$/.test(c.normalize("NFC"));
      for (const change of [lowerCase, upperCase]) {
        const once = change(c);
        if (change(once) !== once) wrong.push(`${change.name}(U+${cp.toString(16)}) twice`);
        if (cp > 0x7f && /[\u0000-\u007f]/.test(once)) wrong.push(`${change.name}(U+${cp.toString(16)}) is ASCII`);
        if (!keepsOwnForm && once !== once.normalize("NFC")) wrong.push(`${change.name}(U+${cp.toString(16)}) not NFC`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("is JavaScript's own case for ASCII text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }), (s) => {
        expect(lowerCase(s)).toBe(s.toLowerCase());
        expect(upperCase(s)).toBe(s.toUpperCase());
      }),
    );
  });
});
