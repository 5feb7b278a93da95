/**
 * The clock's libc calls, as both adapters' FFI makes them: `clock_settime`
 * (where libc is, the `struct timespec`, what errno means), `adjtime` (a
 * slew) and the read-only `adjtimex` that tells whether the kernel's clock
 * is synchronised.
 * Private to `src/net`.
 *
 * @module
 */
import { NetError } from "./errors.ts";
import type { ClockSync } from "./types.ts";

/**
 * Where libc may be, in the order tried: glibc, musl (Alpine), macOS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { libcPaths } from "./_libc_clock.ts";
 *
 * assert(libcPaths("linux", "arm64").includes("libc.musl-aarch64.so.1"));
 * ```
 */
export function libcPaths(os: string, arch: string): string[] {
  if (os === "darwin") return ["/usr/lib/libSystem.B.dylib"];
  const muslArch = arch === "arm64" || arch === "aarch64" ? "aarch64" : "x86_64";
  return [
    "libc.so.6",
    `libc.musl-${muslArch}.so.1`,
    `/lib/ld-musl-${muslArch}.so.1`,
    "libc.so",
  ];
}

/**
 * The libc function that returns errno's address: glibc and musl, or macOS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoFunction } from "./_libc_clock.ts";
 *
 * assert(errnoFunction("linux") === "__errno_location");
 * ```
 */
export function errnoFunction(os: string): "__errno_location" | "__error" {
  return os === "darwin" ? "__error" : "__errno_location";
}

/**
 * `CLOCK_REALTIME` (0 on Linux and macOS).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLOCK_REALTIME } from "./_libc_clock.ts";
 *
 * assert(CLOCK_REALTIME === 0);
 * ```
 */
export const CLOCK_REALTIME = 0;

/**
 * A `struct timespec` on a 64-bit platform: `tv_sec` and `tv_nsec`, each 64 bits.
 *
 * @param ms milliseconds since the Unix epoch
 * @returns the 16 bytes `clock_settime` reads
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timespec } from "./_libc_clock.ts";
 *
 * const [seconds, nanoseconds] = timespec(1_500);
 * assert(seconds === 1n && nanoseconds === 500_000_000n);
 * ```
 */
export function timespec(ms: number): BigInt64Array {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(`Cannot set the clock: not a time: ${ms}`);
  }
  const whole = Math.floor(ms);
  const seconds = Math.floor(whole / 1000);
  return new BigInt64Array([BigInt(seconds), BigInt((whole - seconds * 1000) * 1_000_000)]);
}

/**
 * The error for a failed `clock_settime` or `adjtime`.
 *
 * @param errno errno after the call (1 EPERM, 22 EINVAL), or -1 if unknown
 * @param verb what was tried: `set` (clock_settime) or `slew` (adjtime)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clockSetError } from "./_libc_clock.ts";
 *
 * assert(clockSetError(1).code === "EPERM");
 * assert.match(clockSetError(22, "slew").message, /^Cannot slew the clock/);
 * ```
 */
export function clockSetError(errno: number, verb: "set" | "slew" = "set"): NetError {
  const call = verb === "set" ? "clock_settime" : "adjtime";
  if (errno === 1) {
    return new NetError(
      "EPERM",
      `Cannot ${verb} the clock: permission denied (needs root or CAP_SYS_TIME)`,
    );
  }
  if (errno === 22) return new NetError("EOTHER", `Cannot ${verb} the clock: the time was refused`);
  return new NetError("EOTHER", `Cannot ${verb} the clock: ${call} failed (errno ${errno})`);
}

/**
 * The error when no libc with `clock_settime` could be opened.
 *
 * @param detail why
 * @param action what could not be done, for the message
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { noClockSetter } from "./_libc_clock.ts";
 *
 * assert(noClockSetter("no libc").code === "ENOSYS");
 * ```
 */
export function noClockSetter(detail: string, action = "set the clock"): NetError {
  return new NetError("ENOSYS", `Cannot ${action}: ${detail}`);
}

/**
 * The libc calls `clock_settime` needs, as each runtime's FFI exposes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type LibcClock, setClockWith } from "./_libc_clock.ts";
 *
 * // A stand-in that refuses, as libc does without CAP_SYS_TIME.
 * const refusing: LibcClock = { clockSettime: () => -1, errno: () => 1, close() {} };
 * try {
 *   setClockWith(refusing, Date.now());
 * } catch (error) {
 *   assert((error as { code: string }).code === "EPERM");
 * }
 * ```
 */
export interface LibcClock {
  /** libc's `clock_settime(clockid, struct timespec *)`. */
  clockSettime(clockId: number, time: BigInt64Array): number;
  /** errno right after a failed call. */
  errno(): number;
  close(): void;
}

/**
 * Options for {@linkcode openLibc}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OpenLibcOptions } from "./_libc_clock.ts";
 *
 * const options: OpenLibcOptions = { os: "linux", arch: "x86_64" };
 * assert(options.os === "linux");
 * ```
 */
export interface OpenLibcOptions {
  /** The operating system as the runtime names it (`linux`, `darwin`). */
  os: string;
  /** The CPU architecture as the runtime names it (`x86_64`, `arm64`). */
  arch: string;
  /** An error that ends the search at once (Deno's missing FFI permission). */
  fatal?(error: unknown): NetError | undefined;
  /** What libc is opened for, for the error when none loads. @default "set the clock" */
  action?: string;
}

/**
 * Opens the first libc of {@linkcode libcPaths} that loads.
 *
 * @param open the runtime's dlopen of one path
 * @param options platform, and which errors end the search
 * @returns what `open` returned
 * @throws {NetError} `ENOSYS` when no libc loads
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLibc } from "./_libc_clock.ts";
 *
 * const opened = openLibc((path) => {
 *   if (path !== "libc.so") throw new Error(`cannot open ${path}`);
 *   return path;
 * }, { os: "linux", arch: "x86_64" });
 * assert(opened === "libc.so");
 * ```
 */
export function openLibc<T>(open: (path: string) => T, options: OpenLibcOptions): T {
  let lastError: unknown;
  for (const path of libcPaths(options.os, options.arch)) {
    try {
      return open(path);
    } catch (error) {
      const fatal = options.fatal?.(error);
      if (fatal) throw fatal;
      lastError = error;
    }
  }
  const detail = lastError instanceof Error ? lastError.message : String(lastError);
  throw noClockSetter(`cannot open libc: ${detail}`, options.action);
}

/**
 * Sets `CLOCK_REALTIME` through an opened libc, then closes it.
 *
 * @param libc the opened library
 * @param ms the new time, milliseconds since the Unix epoch
 * @throws {NetError} `EPERM` without the privilege, `EOTHER` for other errno values
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setClockWith } from "./_libc_clock.ts";
 *
 * let closed = false;
 * // A stand-in that refuses, as libc does without CAP_SYS_TIME.
 * const refusing = { clockSettime: () => -1, errno: () => 1, close: () => (closed = true) };
 * try {
 *   setClockWith(refusing, Date.now());
 * } catch (error) {
 *   assert((error as { code: string }).code === "EPERM");
 * }
 * assert(closed);
 * ```
 */
export function setClockWith(libc: LibcClock, ms: number): void {
  try {
    if (libc.clockSettime(CLOCK_REALTIME, timespec(ms)) === 0) return;
    // Read at once: nothing else runs on this thread between the call and here.
    throw clockSetError(libc.errno());
  } finally {
    libc.close();
  }
}

/**
 * The largest slew `adjtime` takes, seconds: glibc refuses more than
 * `INT_MAX / 1000000 - 2` (2145 s) with EINVAL. At the kernel's 500 µs per
 * second a slew that large would take 50 days anyway.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MAX_SLEW_S } from "./_libc_clock.ts";
 *
 * assert(MAX_SLEW_S === 2145);
 * ```
 */
export const MAX_SLEW_S = 2145;

/**
 * A `struct timeval` on a 64-bit platform for `adjtime`: `tv_sec` and
 * `tv_usec`, each 64 bits, with `tv_usec` in 0 … 999 999 (so −0.25 s is
 * −1 s + 750 000 µs, the form glibc and musl both add up).
 *
 * @param offsetS the slew, seconds (negative: slow the clock down)
 * @returns the 16 bytes `adjtime` reads
 * @throws {RangeError} for a slew that is not a number or beyond {@linkcode MAX_SLEW_S}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { timeval } from "./_libc_clock.ts";
 *
 * const [seconds, microseconds] = timeval(-0.25);
 * assert(seconds === -1n && microseconds === 750_000n);
 * ```
 */
export function timeval(offsetS: number): BigInt64Array {
  if (!Number.isFinite(offsetS) || Math.abs(offsetS) > MAX_SLEW_S) {
    throw new RangeError(
      `Cannot slew the clock: ${offsetS} s is beyond adjtime's ±${MAX_SLEW_S} s`,
    );
  }
  const micros = Math.round(offsetS * 1e6);
  const seconds = Math.floor(micros / 1e6);
  return new BigInt64Array([BigInt(seconds), BigInt(micros - seconds * 1e6)]);
}

/**
 * The libc call a slew needs, as each runtime's FFI exposes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LibcAdjtime } from "./_libc_clock.ts";
 *
 * const refusing: LibcAdjtime = { adjtime: () => -1, errno: () => 1, close() {} };
 * assert(refusing.adjtime(new BigInt64Array(2)) === -1);
 * ```
 */
export interface LibcAdjtime {
  /** libc's `adjtime(const struct timeval *delta, NULL)`. */
  adjtime(delta: BigInt64Array): number;
  /** errno right after a failed call. */
  errno(): number;
  close(): void;
}

/**
 * Slews `CLOCK_REALTIME` by `offsetS` through an opened libc, then closes
 * it: the kernel speeds the clock up or slows it down by at most 500 µs per
 * second until the offset is made up, so time never runs backwards. A later
 * slew replaces one still under way; a step cancels it.
 *
 * @param libc the opened library
 * @param offsetS seconds to add to the clock, gradually
 * @throws {NetError} `EPERM` without the privilege, `EOTHER` for other errno values
 * @throws {RangeError} beyond {@linkcode MAX_SLEW_S}
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { slewClockWith } from "./_libc_clock.ts";
 *
 * const seen: bigint[] = [];
 * const recording = {
 *   adjtime: (delta: BigInt64Array) => (seen.push(...delta), 0),
 *   errno: () => 0,
 *   close() {},
 * };
 * slewClockWith(recording, 0.05);
 * assert.deepEqual(seen, [0n, 50_000n]);
 * ```
 */
export function slewClockWith(libc: LibcAdjtime, offsetS: number): void {
  try {
    if (libc.adjtime(timeval(offsetS)) === 0) return;
    throw clockSetError(libc.errno(), "slew");
  } finally {
    libc.close();
  }
}

/**
 * Bytes of a Linux `struct timex` on a 64-bit platform (glibc and musl:
 * 208), rounded up: adjtimex writes into all of it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TIMEX_BYTES } from "./_libc_clock.ts";
 *
 * assert(TIMEX_BYTES >= 208);
 * ```
 */
export const TIMEX_BYTES = 256;

/** adjtimex's return value when the clock is not synchronised (Linux `TIME_ERROR`). */
const TIME_ERROR = 5;
/** `struct timex` status bits (Linux `include/uapi/linux/timex.h`). */
const STA_INS = 0x0010;
const STA_DEL = 0x0020;
const STA_UNSYNC = 0x0040;
/** Offsets in a 64-bit `struct timex`: `long maxerror` after modes, offset and freq; `int status`. */
const MAXERROR_AT = 24;
const STATUS_AT = 40;

/**
 * The libc call `clockSync` needs, as each runtime's FFI exposes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LibcAdjtimex } from "./_libc_clock.ts";
 *
 * const failing: LibcAdjtimex = { adjtimex: () => -1, close() {} };
 * assert(failing.adjtimex(new Uint8Array(256)) === -1);
 * ```
 */
export interface LibcAdjtimex {
  /** libc's `adjtimex(struct timex *)`. */
  adjtimex(timex: Uint8Array): number;
  close(): void;
}

/**
 * Reads the kernel's synchronisation state through an opened libc (modes =
 * 0, so nothing is changed), then closes it.
 *
 * @param libc the opened library
 * @returns the state; `"unknown"` if the call failed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readClockSyncWith } from "./_libc_clock.ts";
 *
 * // A stand-in for a kernel with no daemon: TIME_ERROR, STA_UNSYNC, maxerror 16 s.
 * const sync = readClockSyncWith({
 *   adjtimex(timex) {
 *     const view = new DataView(timex.buffer);
 *     view.setBigInt64(24, 16_000_000n, true);
 *     view.setInt32(40, 0x0040, true);
 *     return 5;
 *   },
 *   close() {},
 * });
 * assert.deepEqual(sync, { state: "unsynchronised", leap: 0, maxErrorS: 16 });
 * ```
 */
export function readClockSyncWith(libc: LibcAdjtimex): ClockSync {
  try {
    const timex = new Uint8Array(TIMEX_BYTES); // modes = 0: read only
    const result = libc.adjtimex(timex);
    if (result < 0) return unknownClockSync("adjtimex failed");
    const view = new DataView(timex.buffer);
    // Native byte order: every 64-bit Linux target netkit builds for is little-endian.
    const status = view.getInt32(STATUS_AT, true);
    const maxErrorS = Number(view.getBigInt64(MAXERROR_AT, true)) / 1e6;
    const synchronised = result !== TIME_ERROR && (status & STA_UNSYNC) === 0;
    const leap = status & STA_INS ? 1 : status & STA_DEL ? 2 : 0;
    return { state: synchronised ? "synchronised" : "unsynchronised", leap, maxErrorS };
  } finally {
    libc.close();
  }
}

/**
 * The state when the kernel's cannot be read.
 *
 * @param detail why (an error's message; a clock-setting prefix is dropped)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownClockSync } from "./_libc_clock.ts";
 *
 * assert(unknownClockSync("not Linux").state === "unknown");
 * ```
 */
export function unknownClockSync(detail: string): ClockSync {
  const why = detail.replace(/^Cannot set the clock: /, "");
  return { state: "unknown", leap: 0, maxErrorS: Number.NaN, detail: why };
}
