// The outline of a large JSON snapshot, found in its raw bytes by a worker thread: each
// collection's name, and where its records stand, in batches of consecutive records. The
// main thread turns a batch's text `"k1": {...}, "k2": {...}` into `["k1", {...}, "k2", {...}]`
// by changing a few bytes, and JSON.parses that: keys and records come out in file order,
// ready for a list and a Map. JSON.parse of the whole text would build an object of a million
// keys, each put into V8's table of keys, and that object must then be enumerated again: on
// the runtime benchmark's million contacts, that costs a second or more (measured).
//
// Every byte JSON's structure depends on is ASCII, never part of a UTF-8 sequence, so the
// outline is found in bytes, and a batch's bytes decode to the same text as the whole file's.
// Anything but the plain shape {"collection": {"key": value, ...}, ...} ends the outline as
// unusual, and the snapshot is read the general way, whose errors say where the text is
// wrong. A value is delimited here, and JSON.parse checks it.
//
// What JSON.parse accepts and the general reading refuses (snapshots.ts) is looked for here,
// on the same pass over the bytes, and ends the outline as unusual too: bytes that are not
// UTF-8 in a string (elsewhere JSON.parse refuses them), an escaped surrogate without its
// other half, a number not held as written, nesting past the limit, and a field written twice
// in a record. Each check is exact or errs towards unusual (text that is not JSON), so the
// outline never takes what the general reading refuses; the general reading then says where
// the problem is.
import { MAX_DEPTH, numberHeld } from "../json/held-values.js";
import { utf8CharacterEnd } from "../json/read-text.js";

/** JSON's structural characters, as bytes or UTF-16 code units alike (all ASCII). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;
/** Bytes of numbers and escapes. */
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** How deep a record may nest: the document and its collection are the two levels above it. */
const RECORD_DEPTH = MAX_DEPTH - 2;

/** Records per batch: about a megabyte and a half of the benchmark's contacts. */
const RECORDS_PER_BATCH = 4096;

/** What a worker posts, in order: collections, each followed by batches of its records, then the end. */
export type OutlineMessage =
  | { readonly collection: string }
  | RecordBatch
  | { readonly end: "outlined" | "unusual" | "unreadable" };

/**
 * Consecutive records of one collection, in bytes `from` to `to`: the byte before the first
 * key's quote, which is to become `[`; the colon after each key, to become a comma; and the
 * last byte, after the last value, to become `]`.
 */
export interface RecordBatch {
  readonly from: number;
  readonly to: number;
  readonly colons: Int32Array;
  readonly count: number;
}

export interface OutlineSink {
  collection(name: string): void;
  /** A record: the byte of its key's opening quote, of the colon after the key, and after its value. */
  record(keyByte: number, colonByte: number, endByte: number): void;
}

/** Outlines a snapshot's bytes into the sink; false when they are not of the plain shape. */
export function outlineSnapshot(bytes: Uint8Array, sink: OutlineSink): boolean {
  return new Outliner(bytes, sink).document();
}

class Outliner {
  private readonly n: number;
  private readonly decoder = new TextDecoder();
  private readonly keys: OpenObjectKeys;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly sink: OutlineSink,
  ) {
    this.n = bytes.length;
    this.keys = new OpenObjectKeys(bytes);
  }

  document(): boolean {
    const b = this.bytes;
    // A byte-order mark is not part of the data.
    let i = this.space(b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0);
    if (b[i] !== OPEN_OBJECT) return false;
    i = this.space(i + 1);
    if (b[i] !== CLOSE_OBJECT) {
      for (;;) {
        i = this.collection(i);
        if (i < 0) return false;
        i = this.space(i);
        if (b[i] === COMMA) i = this.space(i + 1);
        else if (b[i] === CLOSE_OBJECT) break;
        else return false;
      }
    }
    return this.space(i + 1) === this.n;
  }

  /** A collection's name, colon and object of records, from the name's quote; the index after it, or -1. */
  private collection(start: number): number {
    const b = this.bytes;
    if (b[start] !== QUOTE) return -1;
    let i = this.key(start);
    if (i < 0) return -1;
    let name: string;
    try {
      name = JSON.parse(this.decoder.decode(b.subarray(start, i))) as string;
    } catch {
      return -1;
    }
    this.sink.collection(name);
    i = this.space(i);
    if (b[i] !== COLON) return -1;
    i = this.space(i + 1);
    if (b[i] !== OPEN_OBJECT) return -1;
    i = this.space(i + 1);
    if (b[i] === CLOSE_OBJECT) return i + 1;
    for (;;) {
      if (b[i] !== QUOTE) return -1;
      const keyByte = i;
      i = this.space(this.key(i));
      if (i < 0 || b[i] !== COLON) return -1;
      const colonByte = i;
      i = this.space(i + 1);
      const end = this.value(i);
      if (end <= i) return -1;
      this.sink.record(keyByte, colonByte, end);
      i = this.space(end);
      if (b[i] === COMMA) i = this.space(i + 1);
      else if (b[i] === CLOSE_OBJECT) return i + 1;
      else return -1;
    }
  }

  /** Whitespace from `i` on, as JSON has it; the index after it (-1 stays -1). */
  private space(i: number): number {
    const b = this.bytes;
    while (i >= 0 && i < this.n) {
      const c = b[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    return i;
  }

  /** From a key's opening quote, the index after its closing one; -1 when it does not end, holds a control character JSON.parse would refuse, or is not held (stringByte). */
  private key(start: number): number {
    const b = this.bytes;
    for (let i = start + 1; i < this.n; i++) {
      const c = b[i]!;
      if (c === QUOTE) return i + 1;
      if (c < 0x20) return -1;
      if (c === BACKSLASH || c >= 0x80) i = this.stringByte(i);
      if (i < 0) return -1;
    }
    return -1;
  }

  /**
   * From a byte of a string that begins more than itself (a backslash, or a byte past ASCII),
   * the index of the last byte of what it begins: an escape, or a character; -1 for bytes that
   * are not UTF-8, or an escaped surrogate without its other half, which the general reading refuses.
   */
  private stringByte(i: number): number {
    if (this.bytes[i] === BACKSLASH) return this.escape(i);
    const end = utf8CharacterEnd(this.bytes, i);
    return end < 0 ? -1 : end - 1;
  }

  /** From a backslash, the index of its escape's last byte (of the pair's second, for an escaped surrogate pair); -1 for half a pair. */
  private escape(at: number): number {
    const b = this.bytes;
    // An escape other than \uXXXX, or one JSON.parse refuses, is the next byte: no quote is skipped here.
    if (b[at + 1] !== LOWER_U) return at + 1;
    const unit = this.hex(at + 2);
    if (unit < 0) return at + 1;
    if (unit < 0xd800 || unit > 0xdfff) return at + 5;
    if (unit >= 0xdc00) return -1;
    if (b[at + 6] !== BACKSLASH || b[at + 7] !== LOWER_U) return -1;
    const low = this.hex(at + 8);
    return low >= 0xdc00 && low <= 0xdfff ? at + 11 : -1;
  }

  /** The four hex digits at `at` as a number; -1 when they are not four hex digits. */
  private hex(at: number): number {
    let unit = 0;
    for (let i = at; i < at + 4; i++) {
      const c = this.bytes[i]! | 0x20; // a letter in lower case
      const digit = c >= DIGIT_0 && c <= DIGIT_9 ? c - DIGIT_0 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
      if (digit < 0) return -1;
      unit = unit * 16 + digit;
    }
    return unit;
  }

  /** From a number's first byte, the index after it; -1 when its value is not held as written (held-values.ts). */
  private number(start: number): number {
    const b = this.bytes;
    const n = this.n;
    let i = b[start] === MINUS ? start + 1 : start;
    const whole = i;
    while (i < n && b[i]! >= DIGIT_0 && b[i]! <= DIGIT_9) i++;
    const wholeDigits = i - whole;
    let exponent = false;
    for (let c = b[i]!; i < n && ((c >= DIGIT_0 && c <= DIGIT_9) || c === DOT || c === LOWER_E || c === UPPER_E || c === PLUS || c === MINUS); c = b[++i]!) {
      if (c === LOWER_E || c === UPPER_E) exponent = true;
    }
    // Under 16 digits before any point and no exponent: less than 10^15 in size, and held.
    if (!exponent && wholeDigits < 16) return i;
    let text = "";
    for (let k = start; k < i; k++) text += String.fromCharCode(b[k]!);
    return numberHeld(Number(text)) ? i : -1;
  }

  /** From a value's first byte, the index after its last, or -1 when it does not end, or is not held. */
  private value(start: number): number {
    const b = this.bytes;
    const n = this.n;
    let c = b[start]!;
    let i = start;
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY && c !== QUOTE) {
      // A number, true, false or null: up to the next delimiter.
      while (i < n && (c = b[i]!) > 0x20 && c < 0x80 && c !== COMMA && c !== CLOSE_OBJECT && c !== CLOSE_ARRAY) i++;
      const first = b[start]!;
      return (first === MINUS || (first >= DIGIT_0 && first <= DIGIT_9)) && this.number(start) < 0 ? -1 : i;
    }
    // The hot loop: a million records pass here, byte by byte. A string value is a container
    // of depth 0, which ends with its closing quote.
    const keys = this.keys;
    keys.clear();
    let depth = 0;
    /** The last string's quotes, and whether it has escapes: the key, when a colon follows. */
    let stringFrom = -1;
    let stringTo = -1;
    let escaped = false;
    for (; i < n; i++) {
      c = b[i]!;
      if (c === QUOTE) {
        stringFrom = i;
        escaped = false;
        for (i++; i < n; i++) {
          c = b[i]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH || c >= 0x80) {
            escaped ||= c === BACKSLASH;
            i = this.stringByte(i);
            if (i < 0) return -1;
          }
        }
        if (depth === 0) return i < n ? i + 1 : -1;
        stringTo = i + 1;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (++depth > RECORD_DEPTH) return -1;
        if (c === OPEN_OBJECT) keys.open();
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (c === CLOSE_OBJECT && !keys.close()) return -1;
        if (--depth === 0) return i + 1;
      } else if (c === COLON) {
        if (stringFrom < 0 || !keys.add(stringFrom, stringTo, escaped)) return -1;
      } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
        // Digits outside strings are numbers (or not JSON, which JSON.parse refuses).
        i = this.number(i);
        if (i < 0) return -1;
        i--;
      }
    }
    return -1;
  }
}

/** Keys of an object, up to how many are compared with each other as they come; a larger object's are sorted when it closes. */
const KEYS_COMPARED_AS_THEY_COME = 16;
/** A key's index in a large object, packed below its hash for sorting: objects of more keys are left to the general reading. */
const INDEX_BITS = 2 ** 21;

/**
 * The keys of the objects open in the record being outlined, to find a key written twice in
 * one of them: a stack of every open object's keys, each object's beginning where its
 * parent's keys so far end. A key is its bytes between its quotes, where they are: in the
 * file, or, for a key written with escapes, in `decoded`, as the UTF-8 of what it means, so
 * that two spellings of one key are the same bytes. A small object's keys (most records and
 * their parts) are compared as they come, length first, without hashing them; a larger one's
 * are sorted by a hash when it closes, and neighbours of equal hash compared.
 */
class OpenObjectKeys {
  /** Where each key's bytes begin: in the file (from 0 up), or `~i` for `decoded[i]`. */
  private at = new Int32Array(256);
  private length = new Int32Array(256);
  private count = 0;
  /** Where each open object's keys begin in `at` and `length`. */
  private readonly starts = new Int32Array(RECORD_DEPTH + 1);
  private depth = 0;
  private decoded = new Uint8Array(1024);
  private decodedLength = 0;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  constructor(private readonly bytes: Uint8Array) {}

  /** A record begins. */
  clear(): void {
    this.count = 0;
    this.depth = 0;
    this.decodedLength = 0;
  }

  open(): void {
    this.starts[this.depth++] = this.count;
  }

  /** The key whose quotes are at `from` and before `to` (`escaped` when it has a backslash), in the innermost open object: false when it may be written twice there. */
  add(from: number, to: number, escaped: boolean): boolean {
    if (this.depth === 0) return false; // a colon outside an object: not JSON
    let at = from + 1;
    let length = to - from - 2;
    if (escaped) {
      at = this.decode(from, to);
      if (at === 0) return false;
      length = this.length[this.count]!;
    }
    const start = this.starts[this.depth - 1]!;
    const end = this.count;
    if (end - start < KEYS_COMPARED_AS_THEY_COME) {
      for (let k = start; k < end; k++) if (this.length[k] === length && this.same(this.at[k]!, at, length)) return false;
    }
    if (end === this.at.length) this.grow();
    this.at[end] = at;
    this.length[end] = length;
    this.count = end + 1;
    return true;
  }

  /** The innermost open object closes: false when a key of it may be written twice. */
  close(): boolean {
    if (this.depth === 0) return false;
    const start = this.starts[--this.depth]!;
    const end = this.count;
    this.count = start;
    return end - start <= KEYS_COMPARED_AS_THEY_COME || this.noneTwice(start, end);
  }

  /** Whether the keys from `start` to `end` are all different: sorted by hash, each compared with those of equal hash before it. */
  private noneTwice(start: number, end: number): boolean {
    const n = end - start;
    if (n >= INDEX_BITS) return false;
    const sorted = new Float64Array(n);
    for (let k = 0; k < n; k++) sorted[k] = this.hash(start + k) * INDEX_BITS + k;
    sorted.sort();
    for (let k = 1; k < n; k++) {
      const a = start + (sorted[k]! % INDEX_BITS);
      const hash = Math.floor(sorted[k]! / INDEX_BITS);
      for (let j = k - 1; j >= 0 && Math.floor(sorted[j]! / INDEX_BITS) === hash; j--) {
        const b = start + (sorted[j]! % INDEX_BITS);
        if (this.length[a] === this.length[b] && this.same(this.at[a]!, this.at[b]!, this.length[a]!)) return false;
      }
    }
    return true;
  }

  /** Whether two keys of `length` bytes, at `a` and `b`, are the same bytes. */
  private same(a: number, b: number, length: number): boolean {
    const x = a >= 0 ? this.bytes : this.decoded;
    const y = b >= 0 ? this.bytes : this.decoded;
    const i = a >= 0 ? a : ~a;
    const j = b >= 0 ? b : ~b;
    for (let k = 0; k < length; k++) if (x[i + k] !== y[j + k]) return false;
    return true;
  }

  /** A 32-bit FNV-1a hash of key `k`'s bytes. */
  private hash(k: number): number {
    const at = this.at[k]!;
    const source = at >= 0 ? this.bytes : this.decoded;
    const from = at >= 0 ? at : ~at;
    let h = 0x811c9dc5;
    for (let i = from; i < from + this.length[k]!; i++) h = Math.imul(h ^ source[i]!, 0x01000193);
    return h >>> 0;
  }

  /** Writes what a key with escapes means into `decoded`, its length into the next key's place: where it is (`~i`), or 0 when it is not JSON (JSON.parse refuses the batch). */
  private decode(from: number, to: number): number {
    let key: string;
    try {
      key = JSON.parse(this.decoder.decode(this.bytes.subarray(from, to))) as string;
    } catch {
      return 0;
    }
    // At most three bytes of UTF-8 for each UTF-16 code unit.
    while (this.decoded.length - this.decodedLength < key.length * 3) {
      const more = new Uint8Array(this.decoded.length * 2);
      more.set(this.decoded);
      this.decoded = more;
    }
    if (this.count === this.at.length) this.grow();
    const at = this.decodedLength;
    this.length[this.count] = this.encoder.encodeInto(key, this.decoded.subarray(at)).written;
    this.decodedLength += this.length[this.count]!;
    return ~at;
  }

  private grow(): void {
    const at = new Int32Array(this.at.length * 2);
    const length = new Int32Array(this.at.length * 2);
    at.set(this.at);
    length.set(this.length);
    this.at = at;
    this.length = length;
  }
}

/** Gathers a worker's outline into batches of records and posts them as it goes. */
export class OutlineBatches implements OutlineSink {
  private colons: Int32Array;
  private count = 0;
  private from = 0;
  private to = 0;

  constructor(
    private readonly post: (message: OutlineMessage, transfer?: ArrayBuffer[]) => void,
    private readonly size = RECORDS_PER_BATCH,
  ) {
    this.colons = new Int32Array(size);
  }

  collection(name: string): void {
    this.flush();
    this.post({ collection: name });
  }

  record(keyByte: number, colonByte: number, endByte: number): void {
    // A full batch is posted only now, when the outline has read past the byte after its last
    // value: the main thread changes that byte for a moment.
    if (this.count === this.size) this.flush();
    // There is a byte before a key (at least the collection's brace), and after a value in an
    // outline that ends well (at least the collection's closing brace).
    if (this.count === 0) this.from = keyByte - 1;
    this.colons[this.count++] = colonByte;
    this.to = endByte + 1;
  }

  finish(end: "outlined" | "unusual" | "unreadable"): void {
    // The records of an outline that ended badly are not posted: the main thread reads the file whole.
    if (end === "outlined") this.flush();
    this.post({ end });
  }

  private flush(): void {
    if (this.count === 0) return;
    const batch: RecordBatch = { from: this.from, to: this.to, colons: this.colons, count: this.count };
    this.post(batch, [this.colons.buffer as ArrayBuffer]);
    this.colons = new Int32Array(this.size);
    this.count = 0;
  }
}
