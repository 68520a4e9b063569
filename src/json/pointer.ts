// JSON Pointers (RFC 6901): how a place in a snapshot, a patch or a settings file is named.

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** RFC 6901: `~1` is `/` and `~0` is `~`, in that order, so `~01` stays `~1`. */
export function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** A JSON Pointer as its path of keys ("" is the whole document). */
export function pointerPath(pointer: string): string[] {
  return pointer === "" ? [] : pointer.split("/").slice(1).map(unescapePointer);
}

/** A path of keys as a JSON Pointer. */
export function pointerOf(path: readonly string[]): string {
  let pointer = "";
  for (const segment of path) pointer += `/${escapePointer(segment)}`;
  return pointer;
}
