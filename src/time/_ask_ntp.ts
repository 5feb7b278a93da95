/**
 * One SNTP request (RFC 4330 §5, RFC 5905 §8): a 48-byte mode-3 packet whose
 * only non-zero field is a random transmit timestamp (the nonce), sent from a
 * fresh socket on a port the kernel picks (RFC 9109), resent within the
 * timeout with a new nonce each time, and one reply accepted by the rules of
 * {@linkcode checkNtpReply} from the address and port asked.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress } from "../net/types.ts";
import { unmapAddress } from "../net/ip.ts";
import { type ExchangeOptions, whenAborted } from "./_exchange.ts";
import {
  encodeNtpPacket,
  isZeroTimestamp,
  NTP_MODE,
  type NtpPacket,
  type NtpTimestamp,
  sameTimestamp,
} from "./ntp_packet.ts";
import { checkNtpReply } from "./check_ntp_reply.ts";
import { TimeQueryError } from "./time_query_error.ts";

/** RFC 5905 §7.3: the version the request carries. */
const REQUEST_VERSION = 4;

/** Where {@linkcode askNtp} sends. */
export interface NtpAddressTarget {
  address: ResolvedAddress;
  port: number;
}

/** Options for {@linkcode askNtp}. */
export interface AskNtpOptions extends ExchangeOptions {
  /** Resends of the request (each with a new nonce), spread over `timeoutMs`. */
  retries: number;
  timeoutMs: number;
  /** Fills a nonce with random bits. @default crypto.getRandomValues */
  random?: (words: Uint32Array) => void;
  /** A monotonic clock in ms, for the round trip. @default performance.now */
  monotonic?: () => number;
}

/** An accepted reply and the local timestamps around it. */
export interface NtpExchange {
  packet: NtpPacket;
  rootDistanceS: number;
  /** T1: the local clock (ms, sub-ms resolution) when the answered request went out. */
  t1Ms: number;
  /**
   * T4: when the reply arrived, as T1 plus the monotonic time since: the
   * wall clock may be pulled back or forward between the two readings (the
   * precise clock keeping to the wall clock's millisecond, a step), and a
   * round trip measured across that could even come out shorter than the
   * server's hold (a negative delay).
   */
  t4Ms: number;
}

/**
 * Sends the request, resends it up to `retries` times within `timeoutMs`,
 * and settles on the first acceptable reply. Datagrams that are not an
 * answer to us are noted in `progress.badReply` and waited past.
 *
 * @param net the runtime adapter
 * @param target the address and port
 * @param options the clock (sub-ms), signal, progress, retries and timeout
 * @returns the reply and T1, T4
 * @throws {TimeQueryError} when the server's answer to our nonce is not a time (a
 *   kiss-o'-death, unsynchronised); the `EXCHANGE_TIMEOUT` symbol when the signal aborts
 * @example A stub socket that sends back a stratum-16 reply carrying the nonce
 * ```ts
 * import assert from "node:assert/strict";
 * import { askNtp } from "./_ask_ntp.ts";
 * import { decodeNtpPacket, encodeNtpPacket, NTP_MODE } from "./ntp_packet.ts";
 * import type { BindUdpOptions, NetAdapter } from "../net/types.ts";
 *
 * const net = {
 *   bindUdp: (bind: BindUdpOptions) => Promise.resolve({
 *     send: (request: Uint8Array) => {
 *       const origin = decodeNtpPacket(request).transmit;
 *       const reply = encodeNtpPacket({ version: 4, mode: NTP_MODE.SERVER, stratum: 16, origin });
 *       const from = { hostname: "127.0.0.1", port: 123, transport: "udp" as const };
 *       queueMicrotask(() => bind.onDatagram({ data: reply, from }, {} as never));
 *       return true;
 *     },
 *     close() {},
 *   }),
 * } as unknown as NetAdapter;
 * const error = await askNtp(net, { address: { address: "127.0.0.1", family: 4 }, port: 123 }, {
 *   clock: Date.now,
 *   signal: new AbortController().signal,
 *   progress: { phase: "waiting for a reply" },
 *   retries: 0,
 *   timeoutMs: 1000,
 * }).catch((e) => e);
 * assert.equal(error.message, "server is unsynchronised (stratum 16)");
 * ```
 */
export async function askNtp(
  net: NetAdapter,
  target: NtpAddressTarget,
  options: AskNtpOptions,
): Promise<NtpExchange> {
  const { port, address } = target;
  // Sockets report sources without a %zone and with ::ffff: mapping removed.
  const expected = unmapAddress(address.address.split("%")[0]);
  const monotonic = options.monotonic ?? (() => performance.now());
  const sent: { nonce: NtpTimestamp; t1Ms: number; sentAt: number }[] = [];
  let settle!: (exchange: NtpExchange) => void;
  let fail!: (error: TimeQueryError) => void;
  const replied = new Promise<NtpExchange>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const socket = await net.bindUdp({
    hostname: address.family === 6 ? "::" : "0.0.0.0",
    port: 0,
    onDatagram({ data, from }) {
      const arrivedAt = monotonic();
      // Anything not from the address and port asked is someone else's datagram.
      if (from.hostname !== expected || from.port !== port) return;
      const verdict = checkNtpReply(data, sent.map((s) => s.nonce));
      if (verdict.verdict === "ignore") options.progress.badReply = verdict.reason;
      else if (verdict.verdict === "final") fail(new TimeQueryError(verdict.kind, verdict.reason));
      else {
        const { packet, rootDistanceS } = verdict;
        const { t1Ms, sentAt } = sent.find((s) => sameTimestamp(s.nonce, packet.origin))!;
        settle({ packet, rootDistanceS, t1Ms, t4Ms: t1Ms + (arrivedAt - sentAt) });
      }
    },
  });
  const interval = options.timeoutMs / (Math.max(0, options.retries) + 1);
  let resend: ReturnType<typeof setInterval> | undefined;
  try {
    const send = () => {
      const nonce = _nonce(options.random);
      const request = encodeNtpPacket({
        version: REQUEST_VERSION,
        mode: NTP_MODE.CLIENT,
        transmit: nonce,
      });
      sent.push({ nonce, t1Ms: options.clock(), sentAt: monotonic() });
      socket.send(request, { hostname: address.address, port });
    };
    send();
    resend = setInterval(() => {
      if (sent.length <= options.retries) send();
    }, interval);
    // Ends the wait (and so frees the socket) when the sample's time is up.
    return await Promise.race([replied, whenAborted(options.signal)]);
  } finally {
    clearInterval(resend);
    socket.close();
  }
}

/**
 * A random transmit timestamp: 64 bits from the system's CSPRNG, never zero
 * (a zero originate means "unknown" to servers and is what spoofers guess).
 */
function _nonce(random: (words: Uint32Array) => void = (w) => crypto.getRandomValues(w)) {
  const words = new Uint32Array(2);
  let nonce: NtpTimestamp;
  do {
    random(words);
    nonce = { seconds: words[0], fraction: words[1] };
  } while (isZeroTimestamp(nonce));
  return nonce;
}
