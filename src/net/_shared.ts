/**
 * Small pieces both adapters use. Private to `src/net`.
 *
 * @module
 */
import { NetError, type NetErrorCode } from "./errors.ts";

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

/**
 * `init` with `Accept-Encoding: identity` unless the caller chose an encoding:
 * how both adapters ask for the server's bytes undecoded.
 *
 * @param init the request options
 * @returns a copy whose headers ask for no content coding
 */
export function withIdentityEncoding(init: RequestInit): RequestInit {
  const headers = new Headers(init.headers);
  if (!headers.has("accept-encoding")) headers.set("accept-encoding", "identity");
  return { ...init, headers };
}

const KNOWN_CODES = new Set<string>([
  "EADDRINUSE",
  "EACCES",
  "EADDRNOTAVAIL",
  "EAFNOSUPPORT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EMFILE",
]);

/** Native error names (the names of Deno's error classes) mapped to codes. */
const NAME_TO_CODE: Record<string, NetErrorCode> = {
  AddrInUse: "EADDRINUSE",
  PermissionDenied: "EACCES",
  AddrNotAvailable: "EADDRNOTAVAIL",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  TimedOut: "ETIMEDOUT",
  AbortError: "EABORTED",
};

/**
 * Turns whatever a runtime threw into a {@linkcode NetError}.
 *
 * @param error the native error
 * @param context what was being done, e.g. `Cannot listen on 127.0.0.1:37`
 * @returns a NetError carrying the native error as `cause`
 */
export function toNetError(error: unknown, context: string): NetError {
  if (error instanceof NetError) return error;
  const e = error as { code?: unknown; name?: unknown; message?: unknown };
  const rawCode = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  let code: NetErrorCode = "EOTHER";
  if (KNOWN_CODES.has(rawCode)) code = rawCode as NetErrorCode;
  else if (rawCode === "EAI_NONAME" || rawCode === "EAI_AGAIN" || rawCode === "DNSException") {
    code = "ENOTFOUND";
  } else if (typeof e?.name === "string" && e.name in NAME_TO_CODE) code = NAME_TO_CODE[e.name];
  else if (/lookup address|Name or service not known|getaddrinfo/i.test(message)) {
    code = "ENOTFOUND";
  } else if (/permission denied|EACCES/i.test(message)) code = "EACCES";
  return new NetError(code, `${context}: ${message}`, { cause: error });
}
