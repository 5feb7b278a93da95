/**
 * Whether a server may answer now: not while the clock reads earlier than
 * the build date (a device without a real-time clock that has not synced).
 * Says so once when the clock turns out unset, and once when it is set again.
 *
 * @module
 */
import { isClockPlausible } from "./clock.ts";

/** Options for {@linkcode clockGuard}. */
export interface ClockGuardOptions {
  /** Earliest believable clock reading in ms. */
  plausibleSinceMs: number;
  /** Told once when the clock turns out unset, and once when it is set again. */
  log: (line: string) => void;
  /** Why nothing is sent, for the notice, e.g. `RFC 868: send nothing when the time is unknown`. */
  reason: string;
  /** Called for every reply withheld because the clock is unset. */
  onUnset: () => void;
}

/**
 * A function that says whether a clock reading may be served.
 *
 * @param options the plausibility bound, where notices go and why
 * @returns `(nowMs) => boolean`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clockGuard } from "./_clock_guard.ts";
 *
 * const lines: string[] = [];
 * const guard = clockGuard({
 *   plausibleSinceMs: 1000,
 *   log: (line) => lines.push(line),
 *   reason: "a test",
 *   onUnset: () => {},
 * });
 * assert(!guard(0) && !guard(1));
 * assert.equal(lines.length, 1); // said once
 * assert(guard(5000));
 * assert.equal(lines.length, 2); // and once when set again
 * ```
 */
export function clockGuard(options: ClockGuardOptions): (nowMs: number) => boolean {
  let clockWasUnset = false;
  return (now) => {
    if (!isClockPlausible(now, options.plausibleSinceMs)) {
      options.onUnset();
      if (!clockWasUnset) {
        clockWasUnset = true;
        options.log(
          `clock reads ${_safeIso(now)}, before this build's date: ` +
            `not answering until the clock is set (${options.reason})`,
        );
      }
      return false;
    }
    if (clockWasUnset) {
      clockWasUnset = false;
      options.log(`clock now reads ${_safeIso(now)}: answering again`);
    }
    return true;
  };
}

function _safeIso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
