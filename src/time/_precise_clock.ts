/**
 * The local clock the SNTP client timestamps with: sub-millisecond, and
 * monotonic between T1 and T4.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/**
 * A clock with sub-millisecond resolution that follows `clock`: read once,
 * then advanced by the monotonic high-resolution timer, so T1 and T4 come from
 * the same clock and a clock step between them cannot bend the delay. An
 * integer reading (Date.now floors to the millisecond) is taken at the middle
 * of its millisecond.
 *
 * @param clock the wall clock to follow (ms since the Unix epoch)
 * @returns a clock in ms, with fractions
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preciseClock } from "./_precise_clock.ts";
 *
 * const clock = preciseClock(() => 1000);
 * assert(clock() >= 1000.5 && clock() < 1100);
 * ```
 */
export function preciseClock(clock: Clock): Clock {
  const reading = clock();
  const anchor = (Number.isInteger(reading) ? reading + 0.5 : reading) - performance.now();
  return () => anchor + performance.now();
}
