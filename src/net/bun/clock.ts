/**
 * The system clock on Bun: libc's `clock_settime` and `adjtimex` through `bun:ffi`.
 *
 * @module
 */
import process from "node:process";
import type { ClockSync } from "../types.ts";
import {
  errnoFunction,
  noClockSetter,
  openLibc,
  readClockSyncWith,
  setClockWith,
  unknownClockSync,
} from "../_libc_clock.ts";
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
  const ffi = await _ffi();
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
    const ffi = await _ffi();
    const symbols = { adjtimex: { args: [ffi.FFIType.ptr], returns: ffi.FFIType.i32 } };
    const lib = openLibc((path) => ffi.dlopen(path, symbols), {
      os: process.platform,
      arch: process.arch,
    });
    return readClockSyncWith({
      adjtimex: (timex) => lib.symbols.adjtimex(timex),
      close: () => lib.close(),
    });
  } catch (error) {
    return unknownClockSync(error instanceof Error ? error.message : String(error));
  }
}

function _ffi(): Promise<BunFfi> {
  // A specifier in a variable: deno check and Deno's loader never see "bun:",
  // and bun build --compile still embeds the built-in.
  const specifier = "bun:ffi";
  return import(specifier) as Promise<BunFfi>;
}
