/**
 * A writer for output that is nice to have (a progress meter, an access
 * log): when it cannot be written, the work goes on without it.
 *
 * @module
 */

/**
 * Wraps `write` so that the first write that throws turns it off: that
 * error goes to `onFailure` once, and later writes are dropped.
 *
 * @param write one write of the output
 * @param onFailure told of the error that turned it off
 * @returns the wrapped writer; it never throws
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stopAtFirstFailure } from "./stop_at_first_failure.ts";
 *
 * const written: string[] = [];
 * const failures: unknown[] = [];
 * let broken = false;
 * const write = stopAtFirstFailure((text) => {
 *   if (broken) throw new Error("EPIPE");
 *   written.push(text);
 * }, (error) => failures.push(error));
 * write("a");
 * broken = true;
 * write("b");
 * write("c");
 * assert.deepEqual(written, ["a"]);
 * assert.equal(failures.length, 1);
 * ```
 */
export function stopAtFirstFailure(
  write: (text: string) => void,
  onFailure: (error: unknown) => void = () => {},
): (text: string) => void {
  let off = false;
  return (text) => {
    if (off) return;
    try {
      write(text);
    } catch (error) {
      off = true;
      onFailure(error);
    }
  };
}
