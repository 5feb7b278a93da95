/**
 * libc through `bun:ffi`, with errno: what clock.ts and unix_datagram.ts
 * open. Private to `src/net/bun`.
 *
 * @module
 */
import process from "node:process";
import { errnoFunction, noClockSetter, openLibc } from "../_libc_clock.ts";
import type { BunFfi } from "./_api.ts";

/** An opened libc: its symbols, errno, and close. */
export interface BunLibc {
  // deno-lint-ignore no-explicit-any
  symbols: Record<string, (...args: any[]) => any>;
  /** errno right after a failed call; -1 if it cannot be read. */
  errno(): number;
  close(): void;
}

/** Symbols as `bun:ffi` takes them: argument and result types. */
export type BunSymbols = Record<string, { args: number[]; returns: number }>;

/**
 * Opens the first libc that loads, with the symbols `describe` names and errno's.
 *
 * @param describe the functions to bind, in the FFI's type names
 * @param action what libc is for, for the error when it cannot be opened
 * @returns the library
 * @throws {NetError} ENOSYS without libc
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { openBunLibc } from "./_libc.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/") && process.platform === "linux") {
 *   const libc = await openBunLibc((t) => ({ getpid: { args: [], returns: t.i32 } }));
 *   assert.equal(libc.symbols.getpid(), process.pid);
 *   libc.close();
 * }
 * ```
 */
export async function openBunLibc(
  describe: (types: BunFfi["FFIType"]) => BunSymbols,
  action = "set the clock",
): Promise<BunLibc> {
  if (process.platform === "win32") throw noClockSetter("not supported on Windows", action);
  const ffi = await _ffi();
  const errnoName = errnoFunction(process.platform);
  const symbols = {
    ...describe(ffi.FFIType),
    [errnoName]: { args: [], returns: ffi.FFIType.ptr },
  };
  const lib = openLibc((path) => ffi.dlopen(path, symbols), {
    os: process.platform,
    arch: process.arch,
    action,
  });
  return {
    symbols: lib.symbols,
    errno() {
      const where = lib.symbols[errnoName]();
      return where ? ffi.read.i32(where, 0) : -1;
    },
    close: () => lib.close(),
  };
}

function _ffi(): Promise<BunFfi> {
  // A specifier in a variable: deno check and Deno's loader never see "bun:",
  // and bun build --compile still embeds the built-in.
  const specifier = "bun:ffi";
  return import(specifier) as Promise<BunFfi>;
}
