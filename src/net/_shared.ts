/**
 * Small pieces both adapters use. Private to `src/net`.
 *
 * @module
 */
import { NetError } from "./types.ts";

/** Removes the IPv4-mapped prefix a dual-stack socket reports (`::ffff:1.2.3.4`). */
export function unmapAddress(hostname: string): string {
  return hostname.startsWith("::ffff:") && hostname.includes(".") ? hostname.slice(7) : hostname;
}

/** Resolves after `ms` milliseconds; does not keep the process alive past an abort. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits for `promise` at most `ms` milliseconds.
 *
 * @returns true if it settled in time (its rejection counts as settled)
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
 * A queue of received chunks that a reader awaits: how callback-style sockets
 * become `read(): Promise<Uint8Array | null>`.
 */
export class ChunkQueue {
  #chunks: Uint8Array[] = [];
  #ended = false;
  #error: unknown = undefined;
  #waiter: { resolve: (v: Uint8Array | null) => void; reject: (e: unknown) => void } | null = null;

  /** Adds a chunk from the socket. */
  push(chunk: Uint8Array): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      w.resolve(chunk);
    } else {
      this.#chunks.push(chunk);
    }
  }

  /** Marks the end of the stream, or a failure when `error` is given. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = null;
      if (error !== undefined && this.#chunks.length === 0) w.reject(error);
      else w.resolve(this.#chunks.shift() ?? null);
    }
  }

  /** Next chunk, `null` at the end; rejects if the stream failed before more data. */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) return Promise.resolve(chunk);
    if (this.#ended) {
      return this.#error !== undefined ? Promise.reject(this.#error) : Promise.resolve(null);
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }
}

/** Where libc may be, in the order tried: glibc, musl (Alpine), macOS. */
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

/** The libc function that returns errno's address: glibc and musl, or macOS. */
export function errnoFunction(os: string): "__errno_location" | "__error" {
  return os === "darwin" ? "__error" : "__errno_location";
}

/** `CLOCK_REALTIME` (0 on Linux and macOS). */
export const CLOCK_REALTIME = 0;

/**
 * A `struct timespec` on a 64-bit platform: `tv_sec` and `tv_nsec`, each 64 bits.
 *
 * @param ms milliseconds since the Unix epoch
 * @returns the 16 bytes `clock_settime` reads
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

/** The error when no libc with `clock_settime` could be opened. */
export function noClockSetter(detail: string): NetError {
  return new NetError("ENOSYS", `Cannot set the clock: ${detail}`);
}
