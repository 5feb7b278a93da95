/**
 * The system clock on Deno: libc's `clock_settime`, `adjtime` and
 * `adjtimex` through `Deno.dlopen`.
 *
 * @module
 */
import type { ClockSync } from "../types.ts";
import {
  readClockSyncWith,
  setClockWith,
  slewClockWith,
  unknownClockSync,
} from "../_libc_clock.ts";
import { openDenoLibc } from "./_libc.ts";

/**
 * {@linkcode NetAdapter.setSystemClock} on Deno.
 *
 * @param ms the new time, milliseconds since the Unix epoch
 * @throws {NetError} EPERM without the privilege; ENOSYS without libc or --allow-ffi
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setSystemClock } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   // A time that is not a time is refused before libc is called.
 *   const refused = await setSystemClock(Number.NaN).catch((e) => e);
 *   assert(refused instanceof RangeError);
 * }
 * ```
 */
export function setSystemClock(ms: number): Promise<void> {
  try {
    const libc = openDenoLibc({ clock_settime: { parameters: ["i32", "buffer"], result: "i32" } });
    setClockWith({
      clockSettime: (id, time) => libc.symbols.clock_settime(id, time),
      errno: libc.errno,
      close: libc.close,
    }, ms);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@linkcode NetAdapter.slewSystemClock} on Deno: libc's `adjtime`.
 *
 * @param offsetS seconds to add, gradually
 * @throws {NetError} EPERM without the privilege; ENOSYS without libc or --allow-ffi
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slewSystemClock } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   // Beyond adjtime's range: refused before libc is called.
 *   const refused = await slewSystemClock(1e6).catch((e) => e);
 *   assert(refused instanceof RangeError);
 * }
 * ```
 */
export function slewSystemClock(offsetS: number): Promise<void> {
  try {
    const libc = openDenoLibc(
      { adjtime: { parameters: ["buffer", "buffer"], result: "i32" } },
      "slew the clock",
    );
    slewClockWith({
      adjtime: (delta) => libc.symbols.adjtime(delta, null),
      errno: libc.errno,
      close: libc.close,
    }, offsetS);
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@linkcode NetAdapter.clockSync} on Deno: `adjtimex` with modes = 0 (read-only).
 *
 * @returns the kernel's state; `"unknown"` off Linux or without --allow-ffi
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clockSync } from "./clock.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const sync = await clockSync();
 *   assert(["synchronised", "unsynchronised", "unknown"].includes(sync.state));
 * }
 * ```
 */
export function clockSync(): Promise<ClockSync> {
  if (Deno.build.os !== "linux") return Promise.resolve(unknownClockSync("not Linux"));
  try {
    const libc = openDenoLibc({ adjtimex: { parameters: ["buffer"], result: "i32" } });
    return Promise.resolve(readClockSyncWith({
      adjtimex: (timex) => libc.symbols.adjtimex(timex),
      close: libc.close,
    }));
  } catch (error) {
    return Promise.resolve(
      unknownClockSync(error instanceof Error ? error.message : String(error)),
    );
  }
}
