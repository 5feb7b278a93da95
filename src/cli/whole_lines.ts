/**
 * Output that several processes share: serve-http's workers all write
 * their access log to the one stdout they inherit.
 *
 * @module
 */

/**
 * Linux's `PIPE_BUF`: a write of at most this many bytes to a pipe lands
 * whole, never mixed with another process's write.
 */
export const PIPE_BUF = 4096;

/**
 * Writes lines so that processes sharing a stdout never cut into each
 * other's: each write is whole lines of at most `max` bytes together
 * (a single longer line goes alone).
 *
 * @param text one or more lines, without the final newline
 * @param write writes all of the bytes it is given
 * @param max the most bytes in one write
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeWholeLines } from "./whole_lines.ts";
 *
 * const writes: string[] = [];
 * writeWholeLines("aa\nbb\ncccccc", (b) => writes.push(new TextDecoder().decode(b)), 6);
 * assert.deepEqual(writes, ["aa\nbb\n", "cccccc\n"]);
 * ```
 */
export function writeWholeLines(
  text: string,
  write: (bytes: Uint8Array) => void,
  max = PIPE_BUF,
): void {
  const bytes = new TextEncoder().encode(text + "\n");
  for (let start = 0; start < bytes.length;) {
    let end = bytes.length;
    if (end - start > max) {
      const cut = bytes.lastIndexOf(0x0a, start + max - 1);
      end = (cut >= start ? cut : bytes.indexOf(0x0a, start)) + 1;
    }
    write(bytes.subarray(start, end));
    start = end;
  }
}
