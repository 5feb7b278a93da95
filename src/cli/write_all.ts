/**
 * Writing all of a buffer to a standard stream that may be non-blocking.
 *
 * @module
 */

/** The first wait after a write that could not go out, in milliseconds. */
const FIRST_WAIT_MS = 0.05;
/** The longest wait between two tries: a reader that comes back is served within it. */
const LONGEST_WAIT_MS = 10;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` milliseconds (as a blocking write would while a pipe is full). */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Writes every byte through `writeOnce`, one write(2) at a time, before
 * returning. When a write goes out short it writes the rest; when none
 * could go out (a stream another program made non-blocking, its reader
 * behind) it waits, 50 µs at first and doubling up to 10 ms, and tries
 * again: the stall a blocking write would have, never an error and never
 * a byte twice.
 *
 * @param bytes what to write
 * @param writeOnce one write: the bytes it wrote, 0 when the stream is full
 * @param wait blocks for that many milliseconds ({@linkcode sleepSync})
 * @throws what `writeOnce` throws (EPIPE, ENOSPC)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeAll } from "./write_all.ts";
 *
 * const out: number[] = [];
 * const replies = [2, 0, 0, 3]; // short, full, full, the rest
 * const waits: number[] = [];
 * writeAll(new Uint8Array([1, 2, 3, 4, 5]), (b) => {
 *   const n = replies.shift()!;
 *   out.push(...b.subarray(0, n));
 *   return n;
 * }, (ms) => waits.push(ms));
 * assert.deepEqual(out, [1, 2, 3, 4, 5]);
 * assert.deepEqual(waits, [0.05, 0.1]);
 * ```
 */
export function writeAll(
  bytes: Uint8Array,
  writeOnce: (bytes: Uint8Array) => number,
  wait: (ms: number) => void = sleepSync,
): void {
  let pause = FIRST_WAIT_MS;
  for (let done = 0; done < bytes.length;) {
    const n = writeOnce(bytes.subarray(done));
    if (n > 0) {
      done += n;
      pause = FIRST_WAIT_MS;
      continue;
    }
    wait(pause);
    pause = Math.min(pause * 2, LONGEST_WAIT_MS);
  }
}
