/**
 * Whether an offset is stepped (the clock jumps) or slewed (the kernel runs
 * the clock a little fast or slow until the offset is gone, so time never
 * runs backwards under running programs). ntpd's rule: above 0.128 s, step.
 *
 * @module
 */

/** Default `--step-threshold`, seconds: ntpd's and NTPsec's CLOCK_MAX (RFC 5905 §11.3: STEPT 0.125 s). */
export const DEFAULT_STEP_THRESHOLD_S = 0.128;

/**
 * The most `adjtime` takes, seconds: glibc refuses more than INT_MAX / 10^6 - 2
 * (and the kernel slews 0.5 ms a second, so 2145 s would take 50 days).
 */
export const MAX_SLEW_S = 2145;

/**
 * Step or slew.
 *
 * @param offsetS the correction, seconds (server minus local)
 * @param thresholdS `--step-threshold`: larger offsets are stepped
 * @returns `"step"` when `|offsetS| > thresholdS` (or beyond what adjtime takes), else `"slew"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepOrSlew } from "./step_or_slew.ts";
 *
 * assert.equal(stepOrSlew(0.1, 0.128), "slew");
 * assert.equal(stepOrSlew(-0.2, 0.128), "step");
 * assert.equal(stepOrSlew(3000, 5000), "step"); // adjtime cannot take it
 * ```
 */
export function stepOrSlew(offsetS: number, thresholdS: number): "step" | "slew" {
  const size = Math.abs(offsetS);
  return size > thresholdS || size > MAX_SLEW_S || !Number.isFinite(size) ? "step" : "slew";
}
