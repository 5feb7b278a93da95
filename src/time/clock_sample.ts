/**
 * An answer of any time protocol as the agreement check sees it: who, the
 * offset, and how far off that offset may be. `query-time --set` and
 * `sync-time` both judge answers this way.
 *
 * @module
 */
import type { ClockSample } from "./plan_clock_set.ts";
import type { PollResult } from "./poll_time.ts";

/**
 * The agreement check's view of one answer. RFC 868 answers are whole
 * seconds: the server's reading lies anywhere in its second (±0.5 s) and
 * anywhere in the round trip. An SNTP answer is off by at most half its
 * delay plus the server's own root distance (RFC 5905 §10). An HTTP(S)
 * answer carries its own precision.
 *
 * @param result an answer from `pollTime`
 * @returns its host (with the address when they differ), offset and uncertainty
 * @example An RFC 868 answer with a 2 ms round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { clockSample } from "./clock_sample.ts";
 *
 * const sample = clockSample({
 *   ok: true, outlier: false, protocol: "time", host: "clock", address: "192.0.2.1", port: 37,
 *   transport: "tcp", value: 0, unix: 0, rttMs: 2, offsetS: 1.5,
 * });
 * assert.deepEqual(sample, { host: "clock (192.0.2.1)", offsetS: 1.5, uncertaintyS: 0.501 });
 * ```
 */
export function clockSample(result: PollResult & { ok: true }): ClockSample {
  const host = result.address === result.host ? result.host : `${result.host} (${result.address})`;
  const uncertaintyS = result.protocol === "ntp"
    ? result.rttMs / 2000 + result.rootDistanceS
    : result.protocol === "time"
    ? 0.5 + result.rttMs / 2000
    : result.precisionMs / 1000;
  return { host, offsetS: result.offsetS, uncertaintyS };
}
