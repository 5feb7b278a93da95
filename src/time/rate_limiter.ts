/**
 * Per-source token buckets: how the UDP time server refuses to be a reflector.
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** Options for {@linkcode RateLimiter}. */
export interface RateLimiterOptions {
  /** Sustained replies per second per source; 0 disables the limit. */
  ratePerSecond: number;
  /** Replies a quiet source may get at once. @default ratePerSecond (at least 1) */
  burst?: number;
  /** Sources remembered at most; bounds memory under a spoofed flood. @default 10000 */
  maxSources?: number;
  /** Time source in ms, for tests. @default performance.now (monotonic: a clock step changes nothing) */
  now?: Clock;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (source address).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RateLimiter } from "./rate_limiter.ts";
 *
 * const limiter = new RateLimiter({ ratePerSecond: 2, now: () => 0 });
 * assert(limiter.allow("192.0.2.1") && limiter.allow("192.0.2.1"));
 * assert(!limiter.allow("192.0.2.1")); // the burst of 2 is spent
 * ```
 */
export class RateLimiter {
  #rate: number;
  #burst: number;
  #maxSources: number;
  #now: Clock;
  #buckets = new Map<string, Bucket>();

  constructor(options: RateLimiterOptions) {
    if (!(options.ratePerSecond >= 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError(`Cannot limit rate: ${options.ratePerSecond} is not a rate`);
    }
    this.#rate = options.ratePerSecond;
    this.#burst = Math.max(1, options.burst ?? options.ratePerSecond);
    this.#maxSources = options.maxSources ?? 10_000;
    this.#now = options.now ?? (() => performance.now());
  }

  /** How many sources are being tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * Takes a token for `key` if one is left.
   *
   * @param key the source address
   * @returns whether the source may get a reply now
   */
  allow(key: string): boolean {
    if (this.#rate === 0) return true;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket) {
      const elapsed = Math.max(0, now - bucket.at);
      bucket.tokens = Math.min(this.#burst, bucket.tokens + elapsed * this.#rate / 1000);
      bucket.at = now;
    } else {
      if (this.#buckets.size >= this.#maxSources) this.#evict(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets sources whose bucket has refilled; if none has, the oldest tenth. */
  #evict(now: number): void {
    const refillMs = this.#burst / this.#rate * 1000;
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at >= refillMs) this.#buckets.delete(key);
    }
    if (this.#buckets.size < this.#maxSources) return;
    let drop = Math.ceil(this.#maxSources / 10);
    for (const key of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}
