/**
 * The SNTP server (RFC 4330; the server mode of NTPv4, RFC 5905) on UDP,
 * written against the adapter contract.
 *
 * @module
 */
import type { ClockSync, Datagram, NetAdapter, NetAddr, UdpSocket } from "../net/types.ts";
import { type Clock, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { clockGuard } from "./_clock_guard.ts";
import {
  answerableVersion,
  kissOfDeath,
  ntpReply,
  ntpReplyTemplate,
  stampTransmit,
} from "./_ntp_answer.ts";
import { type ServerIdentity, syncState } from "./sync_state.ts";
import { DEFAULT_UDP_RATE } from "./server.ts";

/** How often the kernel's synchronisation state is read again, ms. */
export const SYNC_REFRESH_MS = 16_000;

/**
 * Kiss-o'-death `RATE` packets per second per source over its limit: one
 * every 2 s at most (chrony's `kod` does the same: an occasional kiss, never
 * one per request, so a spoofed source is never flooded).
 */
const KISS_RATE = 0.5;

/** Options for {@linkcode serveNtp}. */
export interface ServeNtpOptions extends Partial<ServerIdentity> {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** The per-source limit, shared with the RFC 868 UDP server. @default a new one at udpRate */
  limiter?: RateLimiter;
  /** Replies per second per source when no limiter is given; 0 = unlimited. @default DEFAULT_UDP_RATE */
  udpRate?: number;
  /** The clock served, ms since 1970 with a fraction (sub-ms). @default the system clock */
  clock?: Clock;
  /** Earliest believable clock reading in ms. @default the day before the build date */
  plausibleSinceMs?: number;
  /** Reads the kernel's synchronisation state (inject it in tests). @default net.clockSync */
  clockSync?: () => Promise<ClockSync>;
  /** Where notices go (the clock's state, unset clock). @default nowhere */
  log?: (line: string) => void;
}

/** Counters of a running SNTP server. */
export interface NtpServerStats {
  /** Time replies sent. */
  replies: number;
  /** `RATE` kisses sent to sources over their limit. */
  kisses: number;
  /** Datagrams that got nothing: not a client request, over the limit, from port 0. */
  dropped: number;
  /** Requests left unanswered because the clock was plainly unset. */
  unsetClock: number;
}

/** A running SNTP server. */
export interface NtpServer extends AsyncDisposable {
  readonly addr: NetAddr;
  readonly stats: NtpServerStats;
  close(): void;
}

/**
 * Starts an SNTP server on UDP.
 *
 * It answers client requests (mode 3, version 3 or 4, at least 48 bytes)
 * with 48 bytes, the receive timestamp taken when the datagram is read and
 * the transmit timestamp when the reply is written; everything else gets
 * nothing, so no reply is ever larger than its request and two servers can
 * never loop. Stratum, leap and reference ID follow the kernel's
 * synchronisation state ({@linkcode syncState}), read at start and every
 * {@linkcode SYNC_REFRESH_MS}. A source over its rate limit gets at most an
 * occasional `RATE` kiss, never a time. With a plainly unset clock nothing
 * is sent.
 *
 * @param net the runtime adapter
 * @param options where to listen and what to say
 * @returns the running server
 * @throws {NetError} when the socket cannot be bound
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveNtp } from "./ntp_server.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * // A stub adapter: binds nothing, reports port 1123.
 * const net = {
 *   bindUdp: () =>
 *     Promise.resolve({ addr: { transport: "udp", hostname: "127.0.0.1", port: 1123 }, send: () => true, close() {} }),
 *   clockSync: () => Promise.resolve({ state: "unsynchronised", leap: 0, maxErrorS: 16 }),
 * } as unknown as NetAdapter;
 * await using server = await serveNtp(net, { hostname: "127.0.0.1", port: 0, local: true });
 * assert.equal(server.addr.port, 1123);
 * ```
 */
export async function serveNtp(net: NetAdapter, options: ServeNtpOptions): Promise<NtpServer> {
  const stats: NtpServerStats = { replies: 0, kisses: 0, dropped: 0, unsetClock: 0 };
  const clock = options.clock ?? systemClock;
  const limiter = options.limiter ??
    new RateLimiter({ ratePerSecond: options.udpRate ?? DEFAULT_UDP_RATE });
  const kisses = new RateLimiter({ ratePerSecond: KISS_RATE });
  const mayAnswer = clockGuard({
    plausibleSinceMs: options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS,
    log: options.log ?? (() => {}),
    reason: "NTP",
    onUnset: () => stats.unsetClock++,
  });
  const state = await _syncWatch(net, options, clock);

  const onDatagram = (datagram: Datagram, socket: UdpSocket) => {
    const receivedMs = clock();
    const request = datagram.data;
    if (answerableVersion(request) === 0 || datagram.from.port === 0) {
      stats.dropped++;
      return;
    }
    if (!mayAnswer(receivedMs)) return;
    const source = datagram.from.hostname;
    if (!limiter.allow(source)) {
      stats.dropped++;
      if (kisses.allow(source) && socket.send(kissOfDeath(request, "RATE"), datagram.from)) {
        stats.kisses++;
      }
      return;
    }
    const reply = ntpReply(request, state.template(receivedMs), receivedMs / 1000);
    if (socket.send(stampTransmit(reply, clock() / 1000), datagram.from)) stats.replies++;
  };

  const socket = await net.bindUdp({
    hostname: options.hostname,
    port: options.port,
    onDatagram,
  });
  return {
    addr: socket.addr,
    stats,
    close: () => socket.close(),
    [Symbol.asyncDispose]() {
      socket.close();
      return Promise.resolve();
    },
  };
}

/**
 * The reply template for the kernel's current state: read now, then again
 * (in the background, from the request path) once {@linkcode SYNC_REFRESH_MS}
 * has passed on the served clock. Changes of state are logged.
 */
async function _syncWatch(
  net: NetAdapter,
  options: ServeNtpOptions,
  clock: Clock,
): Promise<{ template(nowMs: number): Uint8Array }> {
  const read = options.clockSync ?? (() => net.clockSync());
  const log = options.log ?? (() => {});
  const identity: ServerIdentity = {
    stratum: options.stratum,
    refid: options.refid,
    local: options.local ?? false,
  };
  let template: Uint8Array = new Uint8Array(0);
  let said = "";
  let readAt = 0;
  let reading = false;
  const update = (sync: ClockSync) => {
    readAt = clock();
    const fields = syncState(sync, { ...identity, nowUnixS: readAt / 1000 });
    template = ntpReplyTemplate(fields);
    const line = _describe(sync, fields.stratum, identity.local);
    if (line !== said) log(line);
    said = line;
  };
  update(await read());
  return {
    template(nowMs) {
      // The wall clock is already read for each request; a step back reads again too.
      const age = nowMs - readAt;
      if (!reading && (age >= SYNC_REFRESH_MS || age < 0)) {
        reading = true;
        read().then(update, () => {}).finally(() => (reading = false));
      }
      return template;
    },
  };
}

function _describe(sync: ClockSync, stratum: number, local: boolean): string {
  if (sync.state === "synchronised") {
    return `NTP: the kernel clock is synchronised: answering as stratum ${stratum}`;
  }
  const what = sync.state === "unknown"
    ? `the kernel clock's state cannot be read (${sync.detail ?? "unknown"})`
    : "the kernel clock is not synchronised";
  return local
    ? `NTP: ${what}; --local: answering as stratum ${stratum}`
    : `NTP: ${what}: answering with leap 3, stratum 16, which clients refuse ` +
      "(run a time daemon, or give --local on a network with no other time source)";
}
