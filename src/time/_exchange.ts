/**
 * What the TCP and UDP askers share with the query that runs them: the raw
 * reply, the progress note the timeout message is built from, and the
 * rejection that means "the query's time is up".
 *
 * @module
 */
import type { Clock } from "./clock.ts";

/** The rejection an asker gives when the query's signal aborts. */
export const EXCHANGE_TIMEOUT: unique symbol = Symbol("timeout");

/** What an exchange has got to, for the message when the timeout strikes. */
export interface ExchangeProgress {
  phase: string;
  /** A wrong reply seen while waiting for a right one (UDP). */
  badReply?: string;
}

/** The bytes a server sent, and when. */
export interface RawReply {
  bytes: Uint8Array;
  address: string;
  /** Local wall clock (ms) when the request went out. */
  sentAt: number;
  /** Round trip in ms, from the monotonic high-resolution timer. */
  rttMs: number;
}

/** Options every asker takes. */
export interface ExchangeOptions {
  /** The local wall clock, read when the request goes out. */
  clock: Clock;
  /** Aborts when the query's time is up. */
  signal: AbortSignal;
  /** Updated as the exchange goes on. */
  progress: ExchangeProgress;
}

/**
 * A promise that rejects with {@linkcode EXCHANGE_TIMEOUT} when `signal` aborts.
 *
 * @param signal the query's signal
 * @returns a promise that never resolves
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EXCHANGE_TIMEOUT, whenAborted } from "./_exchange.ts";
 *
 * const abort = new AbortController();
 * const waiting = whenAborted(abort.signal);
 * abort.abort();
 * assert((await waiting.catch((e) => e)) === EXCHANGE_TIMEOUT);
 * ```
 */
export function whenAborted(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(EXCHANGE_TIMEOUT);
    signal.addEventListener("abort", () => reject(EXCHANGE_TIMEOUT), { once: true });
  });
  aborted.catch(() => {}); // raced by the caller; unobserved when the reply wins
  return aborted;
}

/**
 * A timeout as the user reads it: `1.5 s`, `5 s`, `0.25 s`.
 *
 * @param timeoutMs the timeout in ms
 * @returns seconds, at most three decimals, and the unit
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTimeout } from "./_exchange.ts";
 *
 * assert.equal(formatTimeout(1500), "1.5 s");
 * ```
 */
export function formatTimeout(timeoutMs: number): string {
  return `${Number((timeoutMs / 1000).toFixed(3))} s`;
}
