/**
 * How long `sync-time` waits before asking again while it has never synced:
 * 1, 2, 4 … 64 s, each jittered so that many devices booting together (a
 * power cut over a whole street) do not ask in step (RFC 4330 §10: back off
 * exponentially; chrony's and BusyBox's unreachable-server backoff).
 *
 * @module
 */

/** The first wait after a failed round, ms. */
export const FIRST_RETRY_MS = 1000;

/** The longest wait between rounds before the first sync, ms. */
export const MAX_RETRY_MS = 64_000;

/** Each wait is its nominal length times a factor in [1 - JITTER, 1 + JITTER). */
export const RETRY_JITTER = 0.2;

/** Options for {@linkcode retryBackoff}. */
export interface RetryBackoffOptions {
  /** A number in [0, 1). @default Math.random */
  random?: () => number;
  /** The longest nominal wait, ms. @default MAX_RETRY_MS */
  maxMs?: number;
}

/**
 * The wait after the `failures`-th failed round in a row.
 *
 * @param failures failed rounds so far, at least 1
 * @param options the random source and the cap
 * @returns milliseconds to wait: 1 s, 2 s, 4 s … 64 s, each ±20 %
 * @throws {RangeError} when `failures` is not a whole number of at least 1
 * @example Without jitter (random 0.5): 1, 2, 4 … then 64 s for good
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryBackoff } from "./retry_backoff.ts";
 *
 * const waits = [1, 2, 3, 7, 8, 50].map((n) => retryBackoff(n, { random: () => 0.5 }));
 * assert.deepEqual(waits, [1000, 2000, 4000, 64000, 64000, 64000]);
 * assert.equal(retryBackoff(1, { random: () => 0 }), 800);
 * ```
 */
export function retryBackoff(failures: number, options: RetryBackoffOptions = {}): number {
  if (!Number.isInteger(failures) || failures < 1) {
    throw new RangeError(
      `Cannot compute a retry wait: expected failures >= 1, received ${failures}`,
    );
  }
  const maxMs = options.maxMs ?? MAX_RETRY_MS;
  const nominal = Math.min(maxMs, FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 30));
  const random = (options.random ?? Math.random)();
  return Math.round(nominal * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random));
}
