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
// wrong. A value is only delimited here; JSON.parse checks it.

/** JSON's structural characters, as bytes or UTF-16 code units alike (all ASCII). */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

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

  constructor(
    private readonly bytes: Uint8Array,
    private readonly sink: OutlineSink,
  ) {
    this.n = bytes.length;
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

  /** From a key's opening quote, the index after its closing one; -1 when it does not end, or holds a control character JSON.parse would refuse. */
  private key(start: number): number {
    const b = this.bytes;
    for (let i = start + 1; i < this.n; i++) {
      const c = b[i]!;
      if (c === QUOTE) return i + 1;
      if (c === BACKSLASH) i++;
      else if (c < 0x20) return -1;
    }
    return -1;
  }

  /** From a value's first byte, the index after its last, or -1 when it does not end. */
  private value(start: number): number {
    const b = this.bytes;
    const n = this.n;
    let c = b[start]!;
    let i = start;
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY && c !== QUOTE) {
      // A number, true, false or null: up to the next delimiter.
      while (i < n && (c = b[i]!) > 0x20 && c < 0x80 && c !== COMMA && c !== CLOSE_OBJECT && c !== CLOSE_ARRAY) i++;
      return i;
    }
    // The hot loop: a million records pass here, byte by byte. A string value is a container
    // of depth 0, which ends with its closing quote.
    let depth = 0;
    for (; i < n; i++) {
      c = b[i]!;
      if (c === QUOTE) {
        for (i++; i < n; i++) {
          c = b[i]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH) i++;
        }
        if (depth === 0) return i < n ? i + 1 : -1;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
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
