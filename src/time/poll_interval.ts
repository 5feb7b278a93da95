/**
 * How long `sync-time` waits between checks once it has synced: from
 * `--interval` (64 s, RFC 5905's MINPOLL 2^6), doubled after every check that
 * found the clock within the step threshold, up to `--max-interval` (1024 s,
 * MAXPOLL 2^10); back to `--interval` after a step, because a clock that had
 * to be stepped is not yet trusted to keep time.
 *
 * @module
 */

/** Default `--interval`, seconds (RFC 5905 §7.3: MINPOLL 6, 2^6 s). */
export const DEFAULT_INTERVAL_S = 64;

/** Default `--max-interval`, seconds (RFC 5905 §7.3: MAXPOLL 10, 2^10 s). */
export const DEFAULT_MAX_INTERVAL_S = 1024;

/** What the last check did, for {@linkcode nextPollInterval}. */
export type CheckOutcome =
  /** The clock was stepped. */
  | "stepped"
  /** The clock was within the step threshold (slewed, or nothing to do). */
  | "kept"
  /** No agreement, or no answer: the interval stays as it was. */
  | "failed";

/** The bounds of the interval. */
export interface PollIntervalOptions {
  /** `--interval`, seconds. */
  minS: number;
  /** `--max-interval`, seconds. */
  maxS: number;
}

/**
 * The next interval between checks.
 *
 * @param currentS the interval used so far, seconds
 * @param outcome what the check just made did
 * @param options `--interval` and `--max-interval`
 * @returns the next interval, seconds
 * @example 64 s doubles to 1024 s, a step brings it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextPollInterval } from "./poll_interval.ts";
 *
 * const bounds = { minS: 64, maxS: 1024 };
 * assert.equal(nextPollInterval(64, "kept", bounds), 128);
 * assert.equal(nextPollInterval(1024, "kept", bounds), 1024);
 * assert.equal(nextPollInterval(512, "stepped", bounds), 64);
 * assert.equal(nextPollInterval(512, "failed", bounds), 512);
 * ```
 */
export function nextPollInterval(
  currentS: number,
  outcome: CheckOutcome,
  options: PollIntervalOptions,
): number {
  if (outcome === "stepped") return options.minS;
  if (outcome === "failed") return Math.min(Math.max(currentS, options.minS), options.maxS);
  return Math.min(Math.max(currentS * 2, options.minS), options.maxS);
}
