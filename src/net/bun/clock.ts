/**
 * Setting the system clock on Bun: libc's `clock_settime` through `bun:ffi`.
 *
 * @module
 */
import process from "node:process";
import { errnoFunction, noClockSetter, openLibc, setClockWith } from "../_libc_clock.ts";
import type { BunFfi } from "./_api.ts";

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
  if (process.platform === "win32") throw noClockSetter("not supported on Windows");
  // A specifier in a variable: deno check and Deno's loader never see "bun:",
  // and bun build --compile still embeds the built-in.
  const specifier = "bun:ffi";
  const ffi = (await import(specifier)) as BunFfi;
  const errnoName = errnoFunction(process.platform);
  const symbols = {
    clock_settime: { args: [ffi.FFIType.i32, ffi.FFIType.ptr], returns: ffi.FFIType.i32 },
    [errnoName]: { args: [], returns: ffi.FFIType.ptr },
  };
  const lib = openLibc((path) => ffi.dlopen(path, symbols), {
    os: process.platform,
    arch: process.arch,
  });
  setClockWith({
    clockSettime: (id, time) => lib.symbols.clock_settime(id, time),
    errno() {
      const where = lib.symbols[errnoName]();
      return where ? ffi.read.i32(where, 0) : -1;
    },
    close: () => lib.close(),
  }, ms);
}
