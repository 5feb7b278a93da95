/**
 * A wall clock with sub-millisecond resolution, for NTP's timestamps.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** How long {@linkcode preciseClock} waits at most for the wall clock's millisecond to turn. */
const ANCHOR_SPIN_MS = 2;

/**
 * A sub-millisecond wall clock built from a millisecond wall clock (`Date.now`)
 * and a fine monotonic one (`performance.now`): monotonic time plus an offset
 * that is checked on every reading. While the sum stays inside the wall
 * clock's current millisecond it is returned as is; when the wall clock is
 * stepped or slewed away, the offset follows at once (never by more than
 * the step). The first offset is taken on the wall clock's millisecond turn
 * (at most {@linkcode ANCHOR_SPIN_MS} of spinning), so readings start microseconds
 * from the truth rather than up to a millisecond.
 *
 * @param wall the wall clock, ms since 1970 (its millisecond is trusted)
 * @param monotonic the fine monotonic clock, ms
 * @returns a clock: ms since 1970, with a fraction
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preciseClock } from "./precise_clock.ts";
 *
 * const clock = preciseClock(() => Date.now(), () => performance.now());
 * const reading = clock();
 * assert(Math.abs(reading - Date.now()) <= 1);
 * // A wall clock stepped by a day is followed at once.
 * const stepped = preciseClock(() => Date.UTC(2030, 0, 1), () => performance.now());
 * assert(Math.floor(stepped()) === Date.UTC(2030, 0, 1));
 * ```
 */
export function preciseClock(wall: Clock, monotonic: Clock): Clock {
  let offset = _anchor(wall, monotonic);
  let last = -Infinity;
  return () => {
    const fine = monotonic();
    const ms = wall();
    let reading = offset + fine;
    // The wall clock says the true time is in [ms, ms + 1): stay inside it.
    if (reading < ms) {
      offset += ms - reading;
      reading = ms;
    } else if (reading >= ms + 1) {
      // The wall clock runs a little slow of the monotonic one (or was set back).
      const inside = ms + 1 - 0.001;
      offset -= reading - inside;
      reading = inside;
    }
    // Within the same millisecond, never read earlier than the last reading.
    if (last > reading && last < ms + 1) reading = last;
    last = reading;
    return reading;
  };
}

/** The offset from monotonic to wall time, taken when the wall clock's millisecond turns. */
function _anchor(wall: Clock, monotonic: Clock): number {
  const started = monotonic();
  const first = wall();
  for (;;) {
    const fine = monotonic();
    const ms = wall();
    if (ms !== first) return ms - fine;
    if (fine - started > ANCHOR_SPIN_MS) return ms + 0.5 - fine;
  }
}
