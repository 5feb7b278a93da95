/**
 * Failed logins counted per source: after {@linkcode LOGIN_FAILURES} within
 * {@linkcode LOGIN_WINDOW_MS} a source is refused (429) until the window
 * has passed, right password or not, so guessing costs hours, not seconds.
 *
 * @module
 */

/** Failed logins a source may make per window. */
export const LOGIN_FAILURES = 5;
/** The window, in ms. */
export const LOGIN_WINDOW_MS = 60_000;
/** Sources remembered at most: bounds memory under a flood of addresses. */
const MAX_SOURCES = 10_000;

/** Options for {@linkcode LoginLimiter}. */
export interface LoginLimiterOptions {
  /** Failures allowed per window. @default {@linkcode LOGIN_FAILURES} */
  failures?: number;
  /** The window in ms. @default {@linkcode LOGIN_WINDOW_MS} */
  windowMs?: number;
  /** Monotonic ms, for tests. @default performance.now */
  now?: () => number;
}

/**
 * Counts failures per source.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoginLimiter } from "./login_limiter.ts";
 *
 * let now = 0;
 * const limiter = new LoginLimiter({ failures: 2, windowMs: 1000, now: () => now });
 * limiter.fail("192.0.2.1");
 * limiter.fail("192.0.2.1");
 * assert(limiter.blockedFor("192.0.2.1") === 1000 && limiter.blockedFor("192.0.2.2") === 0);
 * now = 1000;
 * assert(limiter.blockedFor("192.0.2.1") === 0);
 * ```
 */
export class LoginLimiter {
  #failures: number;
  #windowMs: number;
  #now: () => number;
  #sources = new Map<string, { count: number; since: number }>();

  constructor(options: LoginLimiterOptions = {}) {
    this.#failures = options.failures ?? LOGIN_FAILURES;
    this.#windowMs = options.windowMs ?? LOGIN_WINDOW_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /**
   * How long a source is still refused, in ms; 0 when it may try.
   *
   * @param source the client's address
   * @returns the wait in ms
   */
  blockedFor(source: string): number {
    const entry = this.#sources.get(source);
    if (!entry) return 0;
    const left = entry.since + this.#windowMs - this.#now();
    if (left <= 0) this.#sources.delete(source);
    return entry.count >= this.#failures && left > 0 ? left : 0;
  }

  /**
   * Counts one failed login of a source.
   *
   * @param source the client's address
   */
  fail(source: string): void {
    const now = this.#now();
    const entry = this.#sources.get(source);
    if (entry && now - entry.since < this.#windowMs) {
      entry.count++;
      return;
    }
    if (this.#sources.size >= MAX_SOURCES) this.#sources.clear();
    this.#sources.set(source, { count: 1, since: now });
  }
}
