/**
 * The local clock, and whether it can be believed.
 *
 * @module
 */
import { BUILD_DATE } from "../build_info.ts";

const DAY_MS = 86_400_000;

/**
 * The earliest plausible clock reading, in ms: the day before the build date.
 * A clock before it is plainly unset (no RTC, not yet synced); the day's slack
 * absorbs time zones and a build made moments before the clock was read.
 */
export const PLAUSIBLE_SINCE_MS: number = Date.parse(`${BUILD_DATE}T00:00:00Z`) - DAY_MS;

/** A clock: milliseconds since the Unix epoch. */
export type Clock = () => number;

/**
 * The system clock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemClock } from "./clock.ts";
 *
 * const before = Date.now();
 * const now = systemClock();
 * assert.ok(now >= before && now <= Date.now());
 * ```
 */
export const systemClock: Clock = () => Date.now();

/**
 * Whether a clock reading is believable.
 *
 * @param nowMs the reading, ms since the Unix epoch
 * @param plausibleSinceMs the earliest believable reading
 * @returns false when the clock is plainly unset
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isClockPlausible, PLAUSIBLE_SINCE_MS } from "./clock.ts";
 *
 * assert(!isClockPlausible(0, PLAUSIBLE_SINCE_MS)); // 1970 is before any build
 * ```
 */
export function isClockPlausible(
  nowMs: number,
  plausibleSinceMs: number = PLAUSIBLE_SINCE_MS,
): boolean {
  return Number.isFinite(nowMs) && nowMs >= plausibleSinceMs;
}
