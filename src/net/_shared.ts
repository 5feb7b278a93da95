/**
 * Small pieces both adapters use: timers, signals, libc loading for the
 * clock, and the request header that keeps content codings off. Private to
 * `src/net`.
 *
 * @module
 */
import type { NetAdapter, SignalName } from "./types.ts";
import { NetError } from "./errors.ts";

/**
 * Resolves after `ms` milliseconds; does not keep the process alive past an abort.
 *
 * @example
 * ```ts
 * import { delay } from "./_shared.ts";
 *
 * const started = Date.now();
 * await delay(10);
 * console.assert(Date.now() - started >= 5);
 * ```
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `promise` at most `ms` milliseconds.
 *
 * @returns true if it settled in time (its rejection counts as settled)
 *
 * @example
 * ```ts
 * import { raceWithTimeout } from "./_shared.ts";
 *
 * console.assert(await raceWithTimeout(Promise.resolve(), 100));
 * console.assert(!(await raceWithTimeout(new Promise((r) => setTimeout(r, 200)), 10)));
 * ```
 */
export async function raceWithTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where libc may be, in the order tried: glibc, musl (Alpine), macOS.
 *
 * @example
 * ```ts
 * import { libcPaths } from "./_shared.ts";
 *
 * console.assert(libcPaths("linux", "arm64").includes("libc.musl-aarch64.so.1"));
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
 * import { errnoFunction } from "./_shared.ts";
 *
 * console.assert(errnoFunction("linux") === "__errno_location");
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
 * import { CLOCK_REALTIME } from "./_shared.ts";
 *
 * console.assert(CLOCK_REALTIME === 0);
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
 * import { timespec } from "./_shared.ts";
 *
 * const [seconds, nanoseconds] = timespec(1_500);
 * console.assert(seconds === 1n && nanoseconds === 500_000_000n);
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
 * The error for a failed `clock_settime`.
 *
 * @param errno errno after the call (1 EPERM, 22 EINVAL), or -1 if unknown
 *
 * @example
 * ```ts
 * import { clockSetError } from "./_shared.ts";
 *
 * console.assert(clockSetError(1).code === "EPERM");
 * ```
 */
export function clockSetError(errno: number): NetError {
  if (errno === 1) {
    return new NetError(
      "EPERM",
      "Cannot set the clock: permission denied (needs root or CAP_SYS_TIME)",
    );
  }
  if (errno === 22) return new NetError("EOTHER", "Cannot set the clock: the time was refused");
  return new NetError("EOTHER", `Cannot set the clock: clock_settime failed (errno ${errno})`);
}

/**
 * The error when no libc with `clock_settime` could be opened.
 *
 * @example
 * ```ts
 * import { noClockSetter } from "./_shared.ts";
 *
 * console.assert(noClockSetter("no libc").code === "ENOSYS");
 * ```
 */
export function noClockSetter(detail: string): NetError {
  return new NetError("ENOSYS", `Cannot set the clock: ${detail}`);
}

/** What {@linkcode closable} returns: a close that runs once, and its state. */
export interface Closable extends AsyncDisposable {
  /** Releases the resource once; never throws, safe to call twice. */
  close(): void;
  /** Whether close() was called. */
  readonly closed: boolean;
}

/**
 * The `close()` every listener and socket of the contract has: runs
 * `release` once, swallows its error (the runtime already closed it), and
 * doubles as `Symbol.asyncDispose`.
 *
 * @param release the runtime's close
 * @returns the close, the state, and the disposer
 * @example
 * ```ts
 * import { closable } from "./_shared.ts";
 *
 * let calls = 0;
 * const handle = closable(() => {
 *   calls++;
 *   throw new Error("already closed");
 * });
 * handle.close();
 * await handle[Symbol.asyncDispose]();
 * console.assert(calls === 1 && handle.closed);
 * ```
 */
export function closable(release: () => void): Closable {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      release();
    } catch { /* already closed by the peer or the runtime */ }
  };
  return {
    close,
    get closed() {
      return closed;
    },
    [Symbol.asyncDispose]() {
      close();
      return Promise.resolve();
    },
  };
}

/**
 * The libc calls `clock_settime` needs, as each runtime's FFI exposes them.
 *
 * @example
 * ```ts
 * import { type LibcClock, setClockWith } from "./_shared.ts";
 *
 * // A stand-in that refuses, as libc does without CAP_SYS_TIME.
 * const refusing: LibcClock = { clockSettime: () => -1, errno: () => 1, close() {} };
 * try {
 *   setClockWith(refusing, Date.now());
 * } catch (error) {
 *   console.assert((error as { code: string }).code === "EPERM");
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
 * import type { OpenLibcOptions } from "./_shared.ts";
 *
 * const options: OpenLibcOptions = { os: "linux", arch: "x86_64" };
 * console.assert(options.os === "linux");
 * ```
 */
export interface OpenLibcOptions {
  /** The operating system as the runtime names it (`linux`, `darwin`). */
  os: string;
  /** The CPU architecture as the runtime names it (`x86_64`, `arm64`). */
  arch: string;
  /** An error that ends the search at once (Deno's missing FFI permission). */
  fatal?(error: unknown): NetError | undefined;
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
 * import { openLibc } from "./_shared.ts";
 *
 * const opened = openLibc((path) => {
 *   if (path !== "libc.so") throw new Error(`cannot open ${path}`);
 *   return path;
 * }, { os: "linux", arch: "x86_64" });
 * console.assert(opened === "libc.so");
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
  throw noClockSetter(`cannot open libc: ${detail}`);
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
 * import { setClockWith } from "./_shared.ts";
 *
 * let closed = false;
 * // A stand-in that refuses, as libc does without CAP_SYS_TIME.
 * const refusing = { clockSettime: () => -1, errno: () => 1, close: () => (closed = true) };
 * try {
 *   setClockWith(refusing, Date.now());
 * } catch (error) {
 *   console.assert((error as { code: string }).code === "EPERM");
 * }
 * console.assert(closed);
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
 * {@linkcode NetAdapter.onSignal} on top of a runtime's add/remove pair.
 *
 * @param add installs a listener for one signal
 * @param remove removes it again
 * @returns the adapter's `onSignal`
 *
 * @example
 * ```ts
 * import { signalSubscriber } from "./_shared.ts";
 *
 * const listeners = new Set<() => void>();
 * const onSignal = signalSubscriber((_s, l) => listeners.add(l), (_s, l) => listeners.delete(l));
 * const seen: string[] = [];
 * const remove = onSignal(["SIGTERM"], (signal) => seen.push(signal));
 * for (const listener of listeners) listener();
 * remove();
 * console.assert(seen[0] === "SIGTERM" && listeners.size === 0);
 * ```
 */
export function signalSubscriber(
  add: (signal: SignalName, listener: () => void) => void,
  remove: (signal: SignalName, listener: () => void) => void,
): NetAdapter["onSignal"] {
  return (signals, handler) => {
    const listeners = signals.map((signal) => {
      const listener = () => handler(signal);
      add(signal, listener);
      return [signal, listener] as const;
    });
    return () => {
      for (const [signal, listener] of listeners) remove(signal, listener);
    };
  };
}

/**
 * `init` with `Accept-Encoding: identity` unless the caller chose an encoding:
 * how both adapters keep the server from applying a content coding the
 * caller did not ask for (RFC 9110 §12.5.3).
 *
 * @param init the request options
 * @returns a copy whose headers ask for no content coding
 *
 * @example
 * ```ts
 * import { withIdentityEncoding } from "./_shared.ts";
 *
 * const init = withIdentityEncoding({ headers: { accept: "text/html" } });
 * console.assert(new Headers(init.headers).get("accept-encoding") === "identity");
 * ```
 */
export function withIdentityEncoding(init: RequestInit): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  return { ...init, headers };
}
