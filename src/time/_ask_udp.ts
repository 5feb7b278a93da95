/**
 * RFC 868 over UDP: send the empty request, resend it within the timeout,
 * and take only a 4-byte reply from the address and port asked.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress } from "../net/types.ts";
import { unmapAddress } from "../net/ip.ts";
import { RFC868_REPLY_LENGTH } from "./codec.ts";
import { type ExchangeOptions, type RawReply, whenAborted } from "./_exchange.ts";

/** Where {@linkcode askUdp} sends. */
export interface UdpTarget {
  /** The first one is asked. */
  addresses: ResolvedAddress[];
  port: number;
}

/** Options for {@linkcode askUdp}. */
export interface AskUdpOptions extends ExchangeOptions {
  /** Resends of the request, spread over `timeoutMs`. */
  retries: number;
  timeoutMs: number;
}

/**
 * Sends an empty datagram, resends it up to `retries` times spread over the
 * timeout, and accepts only a 4-byte reply from the address and port asked.
 * A wrong-length reply is noted in `progress.badReply` and waited past.
 *
 * @param net the runtime adapter
 * @param target the addresses and port
 * @param options the clock, signal, progress, retries and timeout
 * @returns the 4-byte reply
 * @throws the `EXCHANGE_TIMEOUT` symbol when the signal aborts first
 * @example A stub socket that answers at once
 * ```ts
 * import assert from "node:assert/strict";
 * import { askUdp } from "./_ask_udp.ts";
 * import type { NetAdapter, BindUdpOptions } from "../net/types.ts";
 *
 * const net = {
 *   bindUdp: (bind: BindUdpOptions) => Promise.resolve({
 *     send: () => {
 *       queueMicrotask(() => {
 *         const from = { hostname: "127.0.0.1", port: 37, transport: "udp" as const };
 *         bind.onDatagram({ data: new Uint8Array(4), from }, {} as never);
 *       });
 *       return true;
 *     },
 *     close() {},
 *   }),
 * } as unknown as NetAdapter;
 * const reply = await askUdp(net, { addresses: [{ address: "127.0.0.1", family: 4 }], port: 37 }, {
 *   clock: Date.now,
 *   signal: new AbortController().signal,
 *   progress: { phase: "waiting for a reply" },
 *   retries: 0,
 *   timeoutMs: 1000,
 * });
 * assert(reply.bytes.length === 4 && reply.address === "127.0.0.1");
 * ```
 */
export async function askUdp(
  net: NetAdapter,
  target: UdpTarget,
  options: AskUdpOptions,
): Promise<RawReply> {
  const { port } = target;
  const first = target.addresses[0];
  // Sockets report sources without a %zone and with ::ffff: mapping removed.
  const expected = unmapAddress(first.address.split("%")[0]);
  let sentAt = 0;
  let started = 0;
  let settle!: (reply: RawReply) => void;
  const replied = new Promise<RawReply>((resolve) => (settle = resolve));
  const socket = await net.bindUdp({
    hostname: first.family === 6 ? "::" : "0.0.0.0",
    port: 0,
    onDatagram({ data, from }) {
      // Anything not from the address and port asked is someone else's datagram.
      if (from.hostname !== expected || from.port !== port) return;
      if (data.length !== RFC868_REPLY_LENGTH) {
        options.progress.badReply = `${data.length < 4 ? "short" : "overlong"} reply: ` +
          `expected 4 bytes, received ${data.length}`;
        return;
      }
      settle({ bytes: data, address: first.address, sentAt, rttMs: performance.now() - started });
    },
  });
  const interval = options.timeoutMs / (Math.max(0, options.retries) + 1);
  let resend: ReturnType<typeof setInterval> | undefined;
  try {
    const send = () => {
      sentAt = options.clock();
      started = performance.now();
      socket.send(new Uint8Array(0), { hostname: first.address, port });
    };
    send();
    let sends = 1;
    resend = setInterval(() => {
      if (sends++ <= options.retries) send();
    }, interval);
    // Ends the wait (and so frees the socket) when the query's timeout strikes.
    return await Promise.race([replied, whenAborted(options.signal)]);
  } finally {
    clearInterval(resend);
    socket.close();
  }
}
