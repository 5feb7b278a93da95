/**
 * HTTP time: the server's `Date` header (RFC 9110 §6.6.1) of `HEAD /`, over
 * HTTPS (or plain HTTP where asked). One request gives the second; further
 * requests on the same connection, each timed to reach the server just as
 * its second changes by the estimate so far (htpdate's method), narrow the
 * offset to a few tens of milliseconds.
 *
 * Each reply bounds the offset θ (server minus local): the server stamped
 * its Date D at some local instant between the request's send time s and
 * the reply's arrival r, so D ≤ t + θ < D + 1 for some t in [s, r], i.e.
 * θ in [D − r, D + 1 − s). The answer is the middle of the intersection of
 * every reply's bounds, and its precision is half that intersection's width.
 *
 * @module
 */
import type { CertificateCheck, CertificateInfo, NetAdapter } from "../net/types.ts";
import { type Clock, isClockPlausible, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";
import { DEFAULT_TIMEOUT_MS } from "./query_time.ts";
import { TimeQueryError } from "./time_query_error.ts";
import { formatTimeout } from "./_exchange.ts";

/** RFC 9110 §4.2.2: HTTPS on TCP port 443. */
export const HTTPS_PORT = 443;
/** RFC 9110 §4.2.1: HTTP on TCP port 80. */
export const HTTP_PORT = 80;

/** A server to read the time of. */
export interface HttpsTarget {
  host: string;
  port: number;
  /** false: plain HTTP (`http://`), unauthenticated. */
  tls: boolean;
}

/** Options for {@linkcode queryHttps}. */
export interface QueryHttpsOptions {
  /**
   * The connection and first request; each further sample adds 1 s (the most
   * it waits for the server's next second). @default 5000
   */
  timeoutMs?: number;
  /** Requests on the connection; each after the first halves the uncertainty. @default 1 */
  samples?: number;
  /** The local wall clock. @default the system clock */
  clock?: Clock;
  /** A monotonic clock in ms, for the timings. @default performance.now */
  monotonic?: () => number;
  /** Waits until the next request's moment. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** The earliest believable time (ms): a Date before it is refused. @default the day before the build */
  plausibleSinceMs?: number;
  /** PEM certificates trusted as CAs besides the runtime's roots. */
  caCerts?: string[];
  /** `--insecure`: no certificate check at all. */
  insecure?: boolean;
  /**
   * Judge the certificate as on an unset clock whatever the clock reads: the
   * chain and name verified without dates, the Date inside every validity.
   * `sync-time` before its first sync: a clock stepped to its floor (the saved
   * time) reads a time it knows is too early, and a certificate renewed since
   * would look not yet valid.
   */
  clockUnverified?: boolean;
}

/** A server's answer. */
export interface HttpsAnswer {
  protocol: "https" | "http";
  transport: "tcp";
  host: string;
  address: string;
  port: number;
  /** Whether the server's identity was verified (false for http:// and --insecure). */
  authenticated: boolean;
  /** The server's time at the last reply's arrival, Unix seconds with the fraction. */
  unix: number;
  /** Server clock minus local clock, seconds: the middle of what the replies allow. */
  offsetS: number;
  /** Half the width of the offset's interval: the answer is within this, ms. */
  precisionMs: number;
  /** The smallest round trip of the requests, ms. */
  rttMs: number;
  /** Requests made. */
  samples: number;
}

/** The offset interval so far, seconds. */
interface Bounds {
  low: number;
  high: number;
}

/**
 * Reads a server's time from its `Date` headers.
 *
 * When the local clock is plainly unset (before `plausibleSinceMs`) the
 * certificate's chain and name are verified without its dates, and the Date
 * is accepted only inside every certificate's validity; otherwise the
 * runtime's ordinary verification applies. A Date before `plausibleSinceMs`
 * is always refused.
 *
 * @param net the runtime adapter
 * @param target host, port, HTTPS or HTTP
 * @param options timeout, samples, clocks, trusted CAs
 * @returns the answer
 * @throws {TimeQueryError} on no Date, a Date outside the chain's validity or
 *   before the floor, contradicting Dates, a timeout; NetErrors of the connection
 * @example A refused connection
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryHttps } from "./query_https.ts";
 * import { NetError } from "../net/errors.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = {
 *   openHeadSession: () => Promise.reject(new NetError("ECONNREFUSED", "connection refused")),
 * } as unknown as NetAdapter;
 * await assert.rejects(queryHttps(net, { host: "192.0.2.1", port: 443, tls: true }, {}));
 * ```
 */
export async function queryHttps(
  net: NetAdapter,
  target: HttpsTarget,
  options: QueryHttpsOptions,
): Promise<HttpsAnswer> {
  const samples = options.samples ?? 1;
  const timeoutMs = (options.timeoutMs ?? DEFAULT_TIMEOUT_MS) + (samples - 1) * 1000;
  const signal = AbortSignal.timeout(timeoutMs);
  const wall = _wallClock(options);
  const floorMs = options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS;
  const check: CertificateCheck = !target.tls || options.insecure
    ? "none"
    : isClockPlausible(wall(), floorMs) && !options.clockUnverified
    ? "ordinary"
    : "ignore-dates";
  try {
    await using session = await net.openHeadSession({
      hostname: target.host,
      port: target.port,
      tls: target.tls,
      check,
      caCerts: options.caCerts,
      signal,
    });
    const dateRule = { chain: check === "ignore-dates" ? session.chain : [], floorMs };
    let bounds: Bounds = { low: -Infinity, high: Infinity };
    let rttMs = Infinity;
    let arrivedMs = 0;
    for (let i = 0; i < samples; i++) {
      if (i > 0) await _waitForBoundary(bounds, { rttMs, wall, sleep: options.sleep });
      const sentMs = wall();
      const reply = await session.head("/");
      arrivedMs = wall();
      rttMs = Math.min(rttMs, arrivedMs - sentMs);
      const dateS = _dateOf(reply.headers, dateRule);
      bounds = _narrow(bounds, { dateS, sentMs, arrivedMs });
    }
    const offsetS = (bounds.low + bounds.high) / 2;
    return {
      protocol: target.tls ? "https" : "http",
      transport: "tcp",
      host: target.host,
      address: target.host,
      port: target.port,
      authenticated: check !== "none",
      unix: arrivedMs / 1000 + offsetS,
      offsetS,
      precisionMs: (bounds.high - bounds.low) * 500,
      rttMs,
      samples,
    };
  } catch (error) {
    if (signal.aborted) {
      throw new TimeQueryError("timeout", `timed out after ${formatTimeout(timeoutMs)}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Wall-clock readings advanced by the monotonic clock (one wall reading, no steps mid-query). */
function _wallClock(options: QueryHttpsOptions): () => number {
  const monotonic = options.monotonic ?? (() => performance.now());
  const wall0 = (options.clock ?? systemClock)();
  const mono0 = monotonic();
  return () => wall0 + (monotonic() - mono0);
}

/**
 * Sleeps until a request sent now would reach the server (half a round trip
 * later) just as its second changes by the middle of the bounds.
 */
async function _waitForBoundary(
  bounds: Bounds,
  clocks: { rttMs: number; wall: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  const { rttMs } = clocks;
  const middleS = (bounds.low + bounds.high) / 2;
  const arrivalS = clocks.wall() / 1000 + rttMs / 2000;
  // The server's time at arrival, by the estimate; wait for its next whole second.
  const serverS = arrivalS + middleS;
  const waitMs = (Math.ceil(serverS) - serverS) * 1000;
  const sleep = clocks.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  if (waitMs > 0) await sleep(waitMs);
}

/** The interval one reply allows, intersected with the bounds so far. */
function _narrow(
  bounds: Bounds,
  reply: { dateS: number; sentMs: number; arrivedMs: number },
): Bounds {
  const low = Math.max(bounds.low, reply.dateS - reply.arrivedMs / 1000);
  const high = Math.min(bounds.high, reply.dateS + 1 - reply.sentMs / 1000);
  if (low > high) {
    throw new TimeQueryError(
      "bad-reply",
      "the server's Date headers contradict each other (a cache, or a clock that stepped)",
    );
  }
  return { low, high };
}

/** The Date header in Unix seconds (plus Age, RFC 9111 §5.1), checked against the floor and chain. */
function _dateOf(
  headers: Headers,
  rule: { chain: CertificateInfo[]; floorMs: number },
): number {
  const text = headers.get("date");
  const parsed = text === null ? NaN : Date.parse(text);
  if (!Number.isFinite(parsed)) {
    throw new TimeQueryError(
      "bad-reply",
      text === null ? "no Date header in the reply" : `not an HTTP date: '${text}'`,
    );
  }
  const age = Number(headers.get("age") ?? 0);
  const dateMs = parsed + (Number.isSafeInteger(age) && age > 0 ? age * 1000 : 0);
  const iso = new Date(dateMs).toISOString();
  if (dateMs < rule.floorMs) {
    throw new TimeQueryError(
      "bad-reply",
      `the server's Date ${iso} is before this build's date (not believable)`,
    );
  }
  const outside = rule.chain.find((c) => dateMs < c.notBeforeMs || dateMs > c.notAfterMs);
  if (outside) {
    throw new TimeQueryError(
      "bad-reply",
      `the server's Date ${iso} lies outside the validity of its certificate '${outside.subject}' ` +
        `(${new Date(outside.notBeforeMs).toISOString()} to ` +
        `${new Date(outside.notAfterMs).toISOString()}): refused`,
    );
  }
  return dateMs / 1000;
}
