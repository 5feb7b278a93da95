/**
 * The system clock on Bun: libc's `clock_settime`, `adjtime` and `adjtimex`
 * through `bun:ffi`.
 *
 * @module
 */
import process from "node:process";
import type { ClockSync } from "../types.ts";
import {
  readClockSyncWith,
  setClockWith,
  slewClockWith,
  unknownClockSync,
} from "../_libc_clock.ts";
import { openBunLibc } from "./_libc.ts";

/**
 * {@linkcode NetAdapter.setSystemClock} on Bun.
 *
 * @param ms the new time, milliseconds since the Unix epoch
 * @throws {NetError} EPERM without the privilege; ENOSYS without libc
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setSystemClock } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   // A time that is not a time is refused before libc is called.
 *   const refused = await setSystemClock(Number.NaN).catch((e) => e);
 *   assert(refused instanceof RangeError);
 * }
 * ```
 */
export async function setSystemClock(ms: number): Promise<void> {
  const libc = await openBunLibc((t) => ({
    clock_settime: { args: [t.i32, t.ptr], returns: t.i32 },
  }));
  setClockWith({
    clockSettime: (id, time) => libc.symbols.clock_settime(id, time),
    errno: libc.errno,
    close: libc.close,
  }, ms);
}

/**
 * {@linkcode NetAdapter.slewSystemClock} on Bun: libc's `adjtime`.
 *
 * @param offsetS seconds to add, gradually
 * @throws {NetError} EPERM without the privilege; ENOSYS without libc
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slewSystemClock } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   // Beyond adjtime's range: refused before libc is called.
 *   const refused = await slewSystemClock(1e6).catch((e) => e);
 *   assert(refused instanceof RangeError);
 * }
 * ```
 */
export async function slewSystemClock(offsetS: number): Promise<void> {
  const libc = await openBunLibc(
    (t) => ({ adjtime: { args: [t.ptr, t.ptr], returns: t.i32 } }),
    "slew the clock",
  );
  slewClockWith({
    adjtime: (delta) => libc.symbols.adjtime(delta, null),
    errno: libc.errno,
    close: libc.close,
  }, offsetS);
}

/**
 * {@linkcode NetAdapter.clockSync} on Bun: `adjtimex` with modes = 0 (read-only).
 *
 * @returns the kernel's state; `"unknown"` off Linux or without libc
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clockSync } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const sync = await clockSync();
 *   assert(["synchronised", "unsynchronised", "unknown"].includes(sync.state));
 * }
 * ```
 */
export async function clockSync(): Promise<ClockSync> {
  if (process.platform !== "linux") return unknownClockSync("not Linux");
  try {
    const libc = await openBunLibc((t) => ({ adjtimex: { args: [t.ptr], returns: t.i32 } }));
    return readClockSyncWith({
      adjtimex: (timex) => libc.symbols.adjtimex(timex),
      close: libc.close,
    });
  } catch (error) {
    return unknownClockSync(error instanceof Error ? error.message : String(error));
  }
}
