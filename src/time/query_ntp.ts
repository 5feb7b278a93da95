/**
 * The SNTP client (RFC 4330; the client mode of NTPv4, RFC 5905): one server
 * address asked `samples` times, 2 s apart, the sample with the smallest
 * round-trip delay kept (as sntp and chrony do). Kiss-o'-death codes are
 * obeyed: `DENY`/`RSTR` stop the asking, `RATE` backs off.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress } from "../net/types.ts";
import { type Clock, isClockPlausible, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";
import { askNtp, type NtpExchange } from "./_ask_ntp.ts";
import { EXCHANGE_TIMEOUT, type ExchangeProgress, formatTimeout } from "./_exchange.ts";
import { preciseClock } from "./precise_clock.ts";
import { NTP_PORT, ntpOffsetDelay, refidText, unixFromNtpTimestamp } from "./ntp_packet.ts";
import { DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS } from "./query_time.ts";
import { TimeQueryError, toTimeQueryError } from "./time_query_error.ts";

/** RFC 4330 §5 and chrony's `iburst`: 2 s between the requests of one burst. */
export const NTP_SAMPLE_SPACING_MS = 2000;

/** One server address to ask over SNTP. */
export interface NtpTarget {
  /** As the user wrote it. */
  host: string;
  /** One of its addresses (the host itself for an address literal). */
  address: ResolvedAddress;
  /** @default NTP_PORT */
  port?: number;
}

/** Options for {@linkcode queryNtp}. */
export interface QueryNtpOptions {
  /** Longest wait for one request's reply, resends included. @default 5000 */
  timeoutMs?: number;
  /** Resends of a request within its timeout, each with a new nonce. @default 2 */
  retries?: number;
  /** Requests to send; the one with the smallest delay is kept. @default 1 */
  samples?: number;
  /** Time from one request to the next. @default NTP_SAMPLE_SPACING_MS */
  spacingMs?: number;
  /** The local wall clock (read once, then advanced monotonically). @default the system clock */
  clock?: Clock;
  /** Earliest believable clock reading in ms. @default the day before the build date */
  plausibleSinceMs?: number;
  /** Waits between requests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Fills nonces with random bits. @default crypto.getRandomValues */
  random?: (words: Uint32Array) => void;
}

/** A server's answer. */
export interface NtpAnswer {
  protocol: "ntp";
  transport: "udp";
  host: string;
  address: string;
  port: number;
  /** The server's transmit timestamp (T3), Unix seconds with the fraction. */
  unix: number;
  /** θ = ((T2 − T1) + (T3 − T4)) / 2, seconds: server clock minus local clock. */
  offsetS: number;
  /** δ = (T4 − T1) − (T3 − T2), in ms: the round trip without the server's own time. */
  rttMs: number;
  stratum: number;
  /** The reference ID as text: a source name at stratum 1, an address above. */
  refid: string;
  /** Leap indicator: 0 none, 1 a 61-second minute ahead, 2 a 59-second one. */
  leap: number;
  /** Root delay / 2 + root dispersion, seconds: how far the server may be from true time. */
  rootDistanceS: number;
  /** Requests whose replies were accepted. */
  samples: number;
  /** What the user should know although an answer came (a `RATE` kiss that was obeyed). */
  notes: string[];
}

type Sample = NtpExchange & { offsetS: number; delayS: number; t3: number };

/**
 * Asks one server address over SNTP.
 *
 * @param net the runtime adapter
 * @param target the host, one address of it, and the port
 * @param options timeout per request, retries, samples, the local clock
 * @returns the sample with the smallest delay
 * @throws {TimeQueryError} of kind `timeout`, `bad-reply`, `unsynchronised`, `kiss-deny`,
 *   `kiss-rate`, `kiss`, or one the adapter's errors map to
 * @example A closed port: the kernel's ICMP reply is lost to UDP, so the query times out
 * ```ts
 * import assert from "node:assert/strict";
 * import { queryNtp } from "./query_ntp.ts";
 * import { TimeQueryError } from "./time_query_error.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = {
 *   bindUdp: () => Promise.resolve({ send: () => true, close() {} }),
 * } as unknown as NetAdapter;
 * const target = { host: "192.0.2.1", address: { address: "192.0.2.1", family: 4 as const } };
 * const error = await queryNtp(net, target, { timeoutMs: 100 }).catch((e) => e);
 * assert(error instanceof TimeQueryError && error.kind === "timeout");
 * ```
 */
export async function queryNtp(
  net: NetAdapter,
  target: NtpTarget,
  options: QueryNtpOptions = {},
): Promise<NtpAnswer> {
  const samples = options.samples ?? 1;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const clock = preciseClock(options.clock ?? systemClock, () => performance.now());
  const baseSpacingMs = options.spacingMs ?? NTP_SAMPLE_SPACING_MS;
  let spacingMs = baseSpacingMs;
  let best: Sample | undefined;
  let accepted = 0;
  let lastError: TimeQueryError | undefined;
  const notes: string[] = [];
  let nextAt = performance.now();
  for (let i = 0; i < samples; i++) {
    await sleep(Math.max(0, nextAt - performance.now()));
    nextAt = performance.now() + spacingMs;
    try {
      const sample = await _sample(net, target, { ...options, clock });
      accepted++;
      if (!best || sample.delayS < best.delayS) best = sample;
    } catch (error) {
      lastError = toTimeQueryError(error);
      if (lastError.kind === "kiss-deny") {
        throw new TimeQueryError("kiss-deny", `${lastError.message} (not asking it again)`);
      }
      if (lastError.kind !== "kiss-rate") continue;
      // RFC 5905 §7.4: RATE means ask less often: wait twice as long, once. With an
      // answer in hand, or at a second RATE, stop (so a run stays bounded).
      if (best || i === samples - 1 || spacingMs > baseSpacingMs) {
        const note = `${lastError.message} (backed off: not asking it again in this run)`;
        if (!best) throw new TimeQueryError("kiss-rate", note);
        notes.push(note);
        break;
      }
      spacingMs *= 2;
      nextAt = performance.now() + spacingMs;
      lastError = new TimeQueryError(
        "kiss-rate",
        `${lastError.message} (backed off to one request every ${spacingMs / 1000} s)`,
      );
    }
  }
  if (!best) throw lastError!;
  return _toAnswer(best, target, { accepted, notes });
}

/** One request: its reply, read in the right era, as offset and delay. */
async function _sample(
  net: NetAdapter,
  target: NtpTarget,
  options: QueryNtpOptions & { clock: Clock },
): Promise<Sample> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const progress: ExchangeProgress = { phase: "waiting for a reply" };
  let exchange: NtpExchange;
  try {
    exchange = await askNtp(net, { address: target.address, port: target.port ?? NTP_PORT }, {
      clock: options.clock,
      signal: abort.signal,
      progress,
      retries: options.retries ?? DEFAULT_RETRIES,
      timeoutMs,
      random: options.random,
    });
  } catch (error) {
    if (error !== EXCHANGE_TIMEOUT) throw error;
    const seconds = formatTimeout(timeoutMs);
    if (progress.badReply) {
      throw new TimeQueryError("bad-reply", `${progress.badReply} (no valid reply in ${seconds})`);
    }
    throw new TimeQueryError("timeout", `timed out after ${seconds} while ${progress.phase}`);
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  // The era nearest the local clock, or the build date when the clock is plainly unset.
  const since = options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS;
  const reference = isClockPlausible(exchange.t1Ms, since) ? exchange.t1Ms / 1000 : since / 1000;
  const t2 = unixFromNtpTimestamp(exchange.packet.receive, reference);
  const t3 = unixFromNtpTimestamp(exchange.packet.transmit, reference);
  const { offset, delay } = ntpOffsetDelay([exchange.t1Ms / 1000, t2, t3, exchange.t4Ms / 1000]);
  if (delay < 0) {
    throw new TimeQueryError(
      "bad-reply",
      `impossible timestamps: negative round-trip delay (${(delay * 1000).toFixed(3)} ms; ` +
        `the server claims it held the request longer than the round trip took)`,
    );
  }
  return { ...exchange, offsetS: offset, delayS: delay, t3 };
}

function _toAnswer(
  sample: Sample,
  target: NtpTarget,
  { accepted, notes }: { accepted: number; notes: string[] },
): NtpAnswer {
  const { packet } = sample;
  return {
    protocol: "ntp",
    transport: "udp",
    host: target.host,
    address: target.address.address,
    port: target.port ?? NTP_PORT,
    unix: sample.t3,
    offsetS: sample.offsetS,
    rttMs: sample.delayS * 1000,
    stratum: packet.stratum,
    refid: refidText(packet.refid, packet.stratum),
    leap: packet.leap,
    rootDistanceS: sample.rootDistanceS,
    samples: accepted,
    notes,
  };
}
