/**
 * The RFC 868 time client: one query over TCP or UDP, bounded by one
 * timeout that includes resolving the name.
 *
 * @module
 */
import type { NetAdapter, Transport } from "../net/types.ts";
import { decodeTime } from "./codec.ts";
import { type Clock, isClockPlausible, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";
import { askTcp } from "./_ask_tcp.ts";
import { askUdp } from "./_ask_udp.ts";
import {
  EXCHANGE_TIMEOUT,
  type ExchangeProgress,
  formatTimeout,
  type RawReply,
  whenAborted,
} from "./_exchange.ts";
import { resolveTarget } from "./_resolve_target.ts";
import { TimeQueryError, toTimeQueryError } from "./time_query_error.ts";

/** A host to ask. */
export interface TimeTarget {
  /** As the user wrote it: a name or an address. */
  host: string;
  port: number;
}

/** Options for {@linkcode queryTime} (and `pollTime`). */
export interface QueryTimeOptions {
  transport: Transport;
  /** Whole-query limit, resolution included. @default 5000 */
  timeoutMs?: number;
  /** UDP: resends of the request within the timeout. @default 2 */
  retries?: number;
  /** The local clock, for tests. @default the system clock */
  clock?: Clock;
  /** Earliest believable clock reading in ms. @default the day before the build date */
  plausibleSinceMs?: number;
}

/** One host's answer. */
export interface TimeAnswer {
  protocol: "time";
  host: string;
  address: string;
  port: number;
  transport: Transport;
  /** The raw 32-bit value received. */
  value: number;
  /** The time it stands for, seconds since the Unix epoch. */
  unix: number;
  /** Round trip: request sent (UDP) or connection made (TCP) to reply received. */
  rttMs: number;
  /** Server time minus local time at the moment the server read its clock. */
  offsetS: number;
}

/** Default `--timeout`. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default `--retries` (UDP). */
export const DEFAULT_RETRIES = 2;

/**
 * Asks one host for the time.
 *
 * @param net the runtime adapter
 * @param target host and port
 * @param options transport, timeout, retries
 * @returns the answer
 * @throws {TimeQueryError} with a kind and a message for each way it can fail
 * @example A refused connection is a `TimeQueryError` of kind `refused`
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryTime } from "./query_time.ts";
 * import { TimeQueryError } from "./time_query_error.ts";
 * import { NetError } from "../net/errors.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * // A stub adapter: the kernel said no.
 * const net = {
 *   connectTcp: () => Promise.reject(new NetError("ECONNREFUSED", "Connection refused")),
 * } as unknown as NetAdapter;
 * const error = await queryTime(net, { host: "127.0.0.1", port: 37 }, { transport: "tcp" })
 *   .catch((e) => e);
 * assert(error instanceof TimeQueryError && error.kind === "refused");
 * ```
 */
export async function queryTime(
  net: NetAdapter,
  target: TimeTarget,
  options: QueryTimeOptions,
): Promise<TimeAnswer> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const timedOut = whenAborted(abort.signal);
  const progress: ExchangeProgress = { phase: "resolving the host name" };
  try {
    const addresses = await Promise.race([resolveTarget(net, target.host), timedOut]);
    progress.phase = options.transport === "tcp" ? "connecting" : "waiting for a reply";
    const exchangeOptions = { clock, signal: abort.signal, progress };
    const exchange = options.transport === "tcp"
      ? askTcp(net, { addresses, port: target.port }, exchangeOptions)
      : askUdp(net, { addresses, port: target.port }, {
        ...exchangeOptions,
        retries: options.retries ?? DEFAULT_RETRIES,
        timeoutMs,
      });
    exchange.catch(() => {}); // settled by the race below; a late rejection is not an error
    const raw = await Promise.race([exchange, timedOut]);
    return _toAnswer(raw, target, { ...options, clock });
  } catch (error) {
    if (error === EXCHANGE_TIMEOUT) {
      if (progress.badReply) throw new TimeQueryError("bad-reply", progress.badReply);
      const seconds = formatTimeout(timeoutMs);
      throw new TimeQueryError("timeout", `timed out after ${seconds} while ${progress.phase}`);
    }
    throw toTimeQueryError(error);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Reads the value in the era nearest the local clock, and works out the offset. */
function _toAnswer(
  raw: RawReply,
  target: TimeTarget,
  options: QueryTimeOptions & { clock: Clock },
): TimeAnswer {
  const now = options.clock();
  const since = options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS;
  const reference = isClockPlausible(now, since) ? now / 1000 : since / 1000;
  const { value, unix } = decodeTime(raw.bytes, reference);
  // The server truncates to whole seconds, so its reading is best taken as
  // value + 0.5, made halfway through the round trip.
  const offsetS = unix + 0.5 - (raw.sentAt + raw.rttMs / 2) / 1000;
  return {
    protocol: "time",
    host: target.host,
    address: raw.address,
    port: target.port,
    transport: options.transport,
    value,
    unix,
    rttMs: raw.rttMs,
    offsetS,
  };
}
