/**
 * libc through `Deno.dlopen`, with errno: what clock.ts and
 * unix_datagram.ts open. Private to `src/net/deno`.
 *
 * @module
 */
import { errnoFunction, noClockSetter, openLibc } from "../_libc_clock.ts";

/** An opened libc: its symbols, errno, and close. */
export interface DenoLibc<S extends Deno.ForeignLibraryInterface> {
  symbols: Deno.DynamicLibrary<S>["symbols"];
  /** errno right after a failed call; -1 if it cannot be read. */
  errno(): number;
  close(): void;
}

/**
 * Opens the first libc that loads, with `symbols` and errno's.
 *
 * @param symbols the functions to bind
 * @param action what libc is for, for the error when it cannot be opened
 * @returns the library
 * @throws {NetError} ENOSYS without libc or without --allow-ffi
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openDenoLibc } from "./_libc.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/") && Deno.build.os === "linux") {
 *   const libc = openDenoLibc({ getpid: { parameters: [], result: "i32" } } as const);
 *   assert.equal(libc.symbols.getpid(), Deno.pid);
 *   libc.close();
 * }
 * ```
 */
export function openDenoLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
  action = "set the clock",
): DenoLibc<S> {
  const os = Deno.build.os;
  if (os === "windows") throw noClockSetter("not supported on Windows", action);
  const errnoName = errnoFunction(os);
  const withErrno = { ...symbols, [errnoName]: { parameters: [], result: "pointer" } } as const;
  const lib = openLibc((path) => Deno.dlopen(path, withErrno), {
    os,
    arch: Deno.build.arch,
    action,
    fatal: (error) =>
      error instanceof Deno.errors.NotCapable
        ? noClockSetter("Deno needs --allow-ffi (or -A) to call libc", action)
        : undefined,
  });
  return {
    symbols: lib.symbols as Deno.DynamicLibrary<S>["symbols"],
    errno() {
      const where = (lib.symbols[errnoName] as () => Deno.PointerValue)();
      return where ? new Deno.UnsafePointerView(where).getInt32() : -1;
    },
    close: () => lib.close(),
  };
}
