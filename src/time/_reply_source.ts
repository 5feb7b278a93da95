/**
 * What the time server sends: the 4-byte reply for the current second, or
 * nothing while the clock is plainly unset (RFC 868: a server that cannot
 * tell the time sends nothing).
 *
 * @module
 */
import { encodeTime } from "./codec.ts";
import type { Clock } from "./clock.ts";
import { clockGuard } from "./_clock_guard.ts";

/** Options for {@linkcode replySource}. */
export interface ReplySourceOptions {
  clock: Clock;
  /** Earliest believable clock reading in ms. */
  plausibleSinceMs: number;
  /** Told once when the clock turns out unset, and once when it is set again. */
  log: (line: string) => void;
  /** Called for every reply withheld because the clock is unset. */
  onUnset: () => void;
}

/**
 * A function that gives the reply to send now, or null when the clock
 * cannot be believed. The reply changes once a second and is encoded once a
 * second (measured on Bun UDP: 0.57x -> 0.64x of a C server); each second
 * gets a new array, never changed in place, so sends in flight keep their bytes.
 *
 * @param options the clock, the plausibility bound and where notices go
 * @returns the reply for now, or null
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replySource } from "./_reply_source.ts";
 *
 * let now = 0;
 * const lines: string[] = [];
 * const reply = replySource({
 *   clock: () => now,
 *   plausibleSinceMs: 1000,
 *   log: (line) => lines.push(line),
 *   onUnset: () => {},
 * });
 * assert.equal(reply(), null); // 1970: unset
 * assert.equal(lines.length, 1);
 * now = 5000;
 * assert.equal(reply()?.length, 4); // set again
 * assert.equal(lines.length, 2);
 * ```
 */
export function replySource(options: ReplySourceOptions): () => Uint8Array | null {
  const mayAnswer = clockGuard({
    plausibleSinceMs: options.plausibleSinceMs,
    log: options.log,
    reason: "RFC 868: send nothing when the time is unknown",
    onUnset: options.onUnset,
  });
  let cachedSecond = NaN;
  let cachedReply: Uint8Array = new Uint8Array(0);
  return () => {
    const now = options.clock();
    if (!mayAnswer(now)) return null;
    const second = Math.floor(now / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedReply = encodeTime(second);
    }
    return cachedReply;
  };
}
