// The case of text as `lower` and `upper` give it, and so as specs match on it (`match
// lower(trim(a.email)) == lower(trim(b.email))`). The text is put in NFC first, so that one
// letter written as one code point or as a letter and a combining mark compares equal. Then
// each character takes its lower (upper) case. Neither step turns a character outside ASCII
// into ASCII: NFC maps the Kelvin sign "K" (U+212A) to "K", JavaScript lowers "İ" to "i"
// and a dot and raises "ß" to "SS", and so a name written in one script would match an
// ASCII name it is not (a profile linked to another person's record). Such a character
// keeps its own form. Per character rather than through String.prototype's contextual rules
// (a final sigma), so that the result of a character never depends on its neighbours.

const ONLY_ASCII = /^[\u0000-\u007f]*$/;
const HAS_ASCII = /[\u0000-\u007f]/;

/** NFC, but for the few characters outside ASCII that NFC alone makes ASCII (the Kelvin sign, the Greek question mark...), which stay. */
function nfcWithinScripts(text: string): string {
  let out = "";
  let run = "";
  for (const c of text) {
    if (c.codePointAt(0)! > 0x7f && ONLY_ASCII.test(c.normalize("NFC"))) {
      out += run.normalize("NFC") + c;
      run = "";
    } else run += c;
  }
  return out + run.normalize("NFC");
}

function perCharacter(text: string, change: (c: string) => string): string {
  // ASCII text, by far the most common, is its own NFC and maps within ASCII: no walk needed.
  if (ONLY_ASCII.test(text)) return change(text);
  let out = "";
  for (const c of nfcWithinScripts(text)) {
    const changed = change(c);
    out += c.codePointAt(0)! > 0x7f && HAS_ASCII.test(changed) ? c : changed;
  }
  // A case change may spell one letter as several code points ("ῢ" raises to "Υ", a
  // diaeresis and a grave accent, which NFC writes as "Ϋ" and the grave): NFC again, so that
  // the result is the same text however it was reached, and lowering twice is lowering once.
  return nfcWithinScripts(out);
}

/** The text in lower case, for display and for matching (see above). */
export function lowerCase(text: string): string {
  return perCharacter(text, (c) => c.toLowerCase());
}

/** The text in upper case, by the same rules. */
export function upperCase(text: string): string {
  return perCharacter(text, (c) => c.toUpperCase());
}
