/**
 * The system clock on Deno: libc's `clock_settime` and `adjtimex` through `Deno.dlopen`.
 *
 * @module
 */
import type { ClockSync } from "../types.ts";
import {
  errnoFunction,
  noClockSetter,
  openLibc,
  readClockSyncWith,
  setClockWith,
  unknownClockSync,
} from "../_libc_clock.ts";

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
  const os = Deno.build.os;
  if (os === "windows") return Promise.reject(noClockSetter("not supported on Windows"));
  const errnoName = errnoFunction(os);
  const symbols = {
    clock_settime: { parameters: ["i32", "buffer"], result: "i32" },
    [errnoName]: { parameters: [], result: "pointer" },
  } as const;
  try {
    const lib = openLibc((path) => Deno.dlopen(path, symbols), {
      os,
      arch: Deno.build.arch,
      fatal: (error) =>
        error instanceof Deno.errors.NotCapable
          ? noClockSetter("Deno needs --allow-ffi (or -A) to call libc")
          : undefined,
    });
    setClockWith({
      clockSettime: (id, time) => lib.symbols.clock_settime(id, time) as number,
      errno() {
        const where = (lib.symbols[errnoName] as () => Deno.PointerValue)();
        return where ? new Deno.UnsafePointerView(where).getInt32() : -1;
      },
      close: () => lib.close(),
    }, ms);
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
  const symbols = { adjtimex: { parameters: ["buffer"], result: "i32" } } as const;
  try {
    const lib = openLibc((path) => Deno.dlopen(path, symbols), {
      os: Deno.build.os,
      arch: Deno.build.arch,
      fatal: (error) =>
        error instanceof Deno.errors.NotCapable
          ? noClockSetter("Deno needs --allow-ffi (or -A) to call libc")
          : undefined,
    });
    return Promise.resolve(readClockSyncWith({
      adjtimex: (timex) => lib.symbols.adjtimex(timex) as number,
      close: () => lib.close(),
    }));
  } catch (error) {
    return Promise.resolve(
      unknownClockSync(error instanceof Error ? error.message : String(error)),
    );
  }
}
