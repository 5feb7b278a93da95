/**
 * The RFC 868 time client: one query over TCP or UDP, and a poll of several hosts.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress, TcpConn, Transport } from "../net/types.ts";
import { NetError } from "../net/errors.ts";
import { decodeTime, RFC868_REPLY_LENGTH, TimeReplyError } from "./codec.ts";
import { isIPv4, isIPv6, unmapAddress } from "../net/ip.ts";
import { type Clock, isClockPlausible, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";

/** Why a query failed; each kind has its own message. */
export type TimeQueryFailure =
  | "unknown-host"
  | "refused"
  | "unreachable"
  | "timeout"
  | "no-data"
  | "bad-reply"
  | "reset"
  | "other";

/** A query that got no usable answer. */
export class TimeQueryError extends Error {
  readonly kind: TimeQueryFailure;
  constructor(kind: TimeQueryFailure, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeQueryError";
    this.kind = kind;
  }
}

/** A host to ask. */
export interface TimeTarget {
  /** As the user wrote it: a name or an address. */
  host: string;
  port: number;
}

/** Options for {@linkcode queryTime} and {@linkcode pollTime}. */
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

/** A host's answer or failure, as a poll reports it. */
export type PollResult =
  | ({ ok: true; outlier: boolean } & TimeAnswer)
  | { ok: false; host: string; port: number; transport: Transport; error: TimeQueryError };

/** Default `--timeout`. */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Default `--retries` (UDP). */
export const DEFAULT_RETRIES = 2;
/** Default `--tolerance`: seconds from the median before a host is an outlier. */
export const DEFAULT_TOLERANCE_S = 5;

/** A TCP reply longer than this is not read further. */
const MAX_TCP_READ = 64;

/**
 * Asks one host for the time.
 *
 * @param net the runtime adapter
 * @param target host and port
 * @param options transport, timeout, retries
 * @returns the answer
 * @throws {TimeQueryError} with a kind and a message for each way it can fail
 * @example
 * ```ts
 * const answer = await queryTime(selectAdapter(), { host: "127.0.0.1", port: 37 }, { transport: "tcp" });
 * console.log(new Date(answer.unix * 1000).toISOString());
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
  const timedOut = new Promise<never>((_, reject) => {
    abort.signal.addEventListener("abort", () => reject(TIMEOUT), { once: true });
  });
  timedOut.catch(() => {});
  const seconds = formatSeconds(timeoutMs);
  const progress: Progress = { phase: "resolving the host name" };
  try {
    const addresses = await Promise.race([resolveTarget(net, target.host), timedOut]);
    progress.phase = options.transport === "tcp" ? "connecting" : "waiting for a reply";
    const exchange = options.transport === "tcp"
      ? askTcp(net, addresses, target.port, clock, abort.signal, progress)
      : askUdp(net, addresses, target.port, clock, abort.signal, progress, {
        retries: options.retries ?? DEFAULT_RETRIES,
        timeoutMs,
      });
    exchange.catch(() => {}); // settled by the race below; a late rejection is not an error
    const raw = await Promise.race([exchange, timedOut]);
    const now = clock();
    const reference = isClockPlausible(now, options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS)
      ? now / 1000
      : (options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS) / 1000;
    const { value, unix } = decodeTime(raw.bytes, reference);
    const rttMs = raw.rttMs;
    // The server truncates to whole seconds, so its reading is best taken as
    // value + 0.5, made halfway through the round trip.
    const offsetS = unix + 0.5 - (raw.sentAt + rttMs / 2) / 1000;
    return {
      host: target.host,
      address: raw.address,
      port: target.port,
      transport: options.transport,
      value,
      unix,
      rttMs,
      offsetS,
    };
  } catch (error) {
    if (error === TIMEOUT) {
      if (progress.badReply) throw new TimeQueryError("bad-reply", progress.badReply);
      throw new TimeQueryError("timeout", `timed out after ${seconds} while ${progress.phase}`);
    }
    throw toQueryError(error);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/**
 * Asks several hosts at once (RFC 868's "brief poll of several independent
 * sites") and flags answers more than `toleranceS` from the median offset.
 *
 * @param net the runtime adapter
 * @param targets hosts to ask, in the order to report them
 * @param options query options plus `toleranceS`
 * @returns one result per target, in order
 */
export async function pollTime(
  net: NetAdapter,
  targets: TimeTarget[],
  options: QueryTimeOptions & { toleranceS?: number },
): Promise<PollResult[]> {
  const settled = await Promise.allSettled(targets.map((t) => queryTime(net, t, options)));
  const answers = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const outliers = flagOutliers(
    answers.map((a) => a.offsetS),
    options.toleranceS ?? DEFAULT_TOLERANCE_S,
  );
  let next = 0;
  return settled.map((s, i): PollResult => {
    if (s.status === "fulfilled") return { ok: true, outlier: outliers[next++], ...s.value };
    const { host, port } = targets[i];
    return { ok: false, host, port, transport: options.transport, error: toQueryError(s.reason) };
  });
}

/**
 * Which offsets lie more than `toleranceS` from their median. With fewer
 * than two there is nothing to compare, so none is an outlier.
 *
 * @param offsets offsets in seconds
 * @param toleranceS allowed distance from the median
 * @returns one flag per offset
 * @example
 * ```ts
 * flagOutliers([0.1, 0.2, 30], 5); // [false, false, true]
 * ```
 */
export function flagOutliers(offsets: number[], toleranceS: number): boolean[] {
  if (offsets.length < 2) return offsets.map(() => false);
  const sorted = [...offsets].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return offsets.map((o) => Math.abs(o - median) > toleranceS);
}

const TIMEOUT = Symbol("timeout");

/** What an exchange has got to, for the message when the timeout strikes. */
interface Progress {
  phase: string;
  /** A wrong reply seen while waiting for a right one (UDP). */
  badReply?: string;
}

interface RawReply {
  bytes: Uint8Array;
  address: string;
  /** Local wall clock (ms) when the request went out. */
  sentAt: number;
  /** Round trip in ms, from the monotonic high-resolution timer. */
  rttMs: number;
}

async function resolveTarget(net: NetAdapter, host: string): Promise<ResolvedAddress[]> {
  // An address needs no resolver round trip.
  if (isIPv6(host)) return [{ address: host, family: 6 }];
  if (isIPv4(host)) return [{ address: host, family: 4 }];
  const addresses = await net.resolve(host);
  if (addresses.length === 0) throw new NetError("ENOTFOUND", `Cannot resolve ${host}`);
  return addresses;
}

/** TCP: connect to each address in turn until one accepts, then read to EOF. */
async function askTcp(
  net: NetAdapter,
  addresses: ResolvedAddress[],
  port: number,
  clock: Clock,
  signal: AbortSignal,
  progress: Progress,
): Promise<RawReply> {
  let conn: TcpConn | undefined;
  let address = "";
  let lastError: unknown;
  for (const candidate of addresses) {
    try {
      conn = await net.connectTcp({ hostname: candidate.address, port, signal });
      address = candidate.address;
      break;
    } catch (error) {
      lastError = error;
      if (signal.aborted) throw error;
    }
  }
  if (!conn) throw lastError;
  const sentAt = clock();
  const started = performance.now();
  let rttMs = -1;
  const stopReading = () => conn!.close();
  signal.addEventListener("abort", stopReading, { once: true });
  try {
    progress.phase = "waiting for the reply";
    const chunks: Uint8Array[] = [];
    let length = 0;
    while (length <= MAX_TCP_READ) {
      const chunk = await conn.read();
      if (chunk === null) break;
      chunks.push(chunk);
      length += chunk.length;
      if (length >= RFC868_REPLY_LENGTH && rttMs < 0) rttMs = performance.now() - started;
      progress.phase = `reading the reply (${length} bytes so far)`;
    }
    if (length === 0) {
      throw new TimeQueryError(
        "no-data",
        "server closed the connection without sending the time (RFC 868: it cannot tell the time)",
      );
    }
    if (length !== RFC868_REPLY_LENGTH) {
      throw new TimeQueryError(
        "bad-reply",
        length > MAX_TCP_READ
          ? `not an RFC 868 reply: expected 4 bytes, received more than ${MAX_TCP_READ}`
          : `${length < 4 ? "short" : "overlong"} reply: expected 4 bytes, received ${length}`,
      );
    }
    const bytes = new Uint8Array(RFC868_REPLY_LENGTH);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return { bytes, address, sentAt, rttMs };
  } finally {
    signal.removeEventListener("abort", stopReading);
    conn.close();
  }
}

/**
 * UDP: send an empty datagram, resend up to `retries` times spread over the
 * timeout, accept only a 4-byte reply from the address and port asked.
 */
async function askUdp(
  net: NetAdapter,
  addresses: ResolvedAddress[],
  port: number,
  clock: Clock,
  signal: AbortSignal,
  progress: Progress,
  options: { retries: number; timeoutMs: number },
): Promise<RawReply> {
  const target = addresses[0];
  // Sockets report sources without a %zone and with ::ffff: mapping removed.
  const expected = unmapAddress(target.address.split("%")[0]);
  let sentAt = 0;
  let started = 0;
  let settle!: (reply: RawReply) => void;
  const replied = new Promise<RawReply>((resolve) => (settle = resolve));
  const socket = await net.bindUdp({
    hostname: target.family === 6 ? "::" : "0.0.0.0",
    port: 0,
    onDatagram({ data, from }) {
      // Anything not from the address and port asked is someone else's datagram.
      if (from.hostname !== expected || from.port !== port) return;
      if (data.length !== RFC868_REPLY_LENGTH) {
        progress.badReply = `${data.length < 4 ? "short" : "overlong"} reply: ` +
          `expected 4 bytes, received ${data.length}`;
        return;
      }
      settle({ bytes: data, address: target.address, sentAt, rttMs: performance.now() - started });
    },
  });
  const interval = options.timeoutMs / (Math.max(0, options.retries) + 1);
  let resend: ReturnType<typeof setInterval> | undefined;
  try {
    const send = () => {
      sentAt = clock();
      started = performance.now();
      socket.send(new Uint8Array(0), { hostname: target.address, port });
    };
    send();
    let sends = 1;
    resend = setInterval(() => {
      if (sends++ <= options.retries) send();
    }, interval);
    // Ends the wait (and so frees the socket) when the query's timeout strikes.
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener("abort", () => reject(TIMEOUT), { once: true })
    );
    return await Promise.race([replied, aborted]);
  } finally {
    clearInterval(resend);
    socket.close();
  }
}

function toQueryError(error: unknown): TimeQueryError {
  if (error instanceof TimeQueryError) return error;
  if (error instanceof TimeReplyError) return new TimeQueryError("bad-reply", error.message);
  if (error instanceof NetError) {
    switch (error.code) {
      case "ENOTFOUND":
        return new TimeQueryError("unknown-host", "cannot resolve the host name", {
          cause: error,
        });
      case "ECONNREFUSED":
        return new TimeQueryError("refused", "connection refused", { cause: error });
      case "EHOSTUNREACH":
      case "ENETUNREACH":
        return new TimeQueryError("unreachable", "host unreachable", { cause: error });
      case "ECONNRESET":
        return new TimeQueryError("reset", "connection reset by the server", { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TimeQueryError("other", message, { cause: error });
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
