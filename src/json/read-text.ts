// Reads a UTF-8 file whole. On Node 20, readFileSync(file, "utf8") decodes at half the speed
// of reading the bytes and decoding them as a Buffer (measured: 160 ms against 85 ms for a
// 32 MB state file), so inputs that can be large are read this way.
//
// Decoding makes each byte that is not UTF-8 a U+FFFD, and the byte is lost: an input whose
// data is copied elsewhere (a snapshot) is checked first (`decodeUtf8`), which takes the
// native validator a few milliseconds for 100 MB; only a file that fails is walked here, to
// say where.
import { isUtf8 } from "node:buffer";
import { readFileSync } from "node:fs";

export function readText(file: string): string {
  return readFileSync(file).toString("utf8");
}

/** Where bytes stop being UTF-8: the offset of the byte, the line (from 1) and the column in UTF-16 code units (from 1), as a text's places are counted. */
export interface NotUtf8 {
  readonly offset: number;
  readonly byte: number;
  readonly line: number;
  readonly column: number;
}

/** Bytes decoded as UTF-8, or where they are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { text: string } | { notUtf8: NotUtf8 } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return { text: buffer.toString("utf8") };
  const offset = firstNotUtf8(bytes);
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i !== -1 && i < lineStart; i = bytes.indexOf(0x0a, i + 1)) line++;
  // The line up to the byte is UTF-8: its length as decoded is the column's.
  const column = buffer.toString("utf8", lineStart, offset).length + 1;
  return { notUtf8: { offset, byte: bytes[offset]!, line, column } };
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 character (Unicode's
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF, none cut short), or -1
 * when every one does.
 */
export function firstNotUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const end = utf8CharacterEnd(bytes, i);
    if (end < 0) return i;
    i = end;
  }
  return -1;
}

/** From the first byte of a character, the index after its last; -1 when the bytes there are not a UTF-8 character. */
export function utf8CharacterEnd(bytes: Uint8Array, at: number): number {
  const lead = bytes[at]!;
  if (lead < 0x80) return at + 1;
  // The second byte's range depends on the first (E0 A0..BF, ED 80..9F, F0 90..BF, F4 80..8F), the others' are 80..BF.
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    else if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    else if (lead === 0xf4) high = 0x8f;
  } else return -1;
  for (let k = 1; k < length; k++) {
    const c = bytes[at + k];
    if (c === undefined || c < low || c > high) return -1;
    low = 0x80;
    high = 0xbf;
  }
  return at + length;
}
