/**
 * `Retry-After` (RFC 9110 §10.2.3): how long a `503` or `429` asks to wait.
 *
 * @module
 */

/** The longest wait netkit accepts from a server, in seconds. */
export const MAX_RETRY_AFTER_SECONDS = 600;

/**
 * `Retry-After` as seconds: a delay or an HTTP date; capped at 10 minutes.
 *
 * @param value the header
 * @param now the wall clock in milliseconds, for a date
 * @returns seconds to wait, or undefined when absent or unreadable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRetryAfter } from "./retry_after.ts";
 *
 * const now = Date.parse("2026-11-22T10:00:00Z");
 * assert(parseRetryAfter("3", now) === 3);
 * assert(parseRetryAfter("Sun, 22 Nov 2026 10:00:30 GMT", now) === 30);
 * assert(parseRetryAfter("soon", now) === undefined);
 * ```
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, (at - now) / 1000);
  }
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}
