/**
 * The RFC 868 time server, TCP and UDP, written against the adapter contract.
 *
 * @module
 */
import type {
  BindUdpOptions,
  Datagram,
  Listener,
  ListenTcpOptions,
  NetAdapter,
  NetAddr,
  UdpSocket,
} from "../net/types.ts";
import { NetError } from "../net/errors.ts";
import { type Clock, PLAUSIBLE_SINCE_MS, systemClock } from "./clock.ts";
import { RateLimiter } from "./rate_limiter.ts";
import { replySource } from "./_reply_source.ts";

/** Default `--udp-rate`: UDP replies per second per source address. */
export const DEFAULT_UDP_RATE = 20;

/** Options for {@linkcode serveTime}. */
export interface ServeTimeOptions {
  hostname: string;
  /** 0 picks a free port, the same one for TCP and UDP. */
  port: number;
  /** Serve TCP. @default true */
  tcp?: boolean;
  /** Serve UDP. @default true */
  udp?: boolean;
  /** UDP replies per second per source address; 0 = unlimited. @default DEFAULT_UDP_RATE */
  udpRate?: number;
  /** The per-source limit, when shared with another UDP server (SNTP); replaces `udpRate`. */
  limiter?: RateLimiter;
  /** The clock to serve, for tests. @default the system clock */
  clock?: Clock;
  /** Earliest believable clock reading in ms. @default the day before the build date */
  plausibleSinceMs?: number;
  /** Where notices go (clock unset / set again). @default nowhere */
  log?: (line: string) => void;
}

/** A running time server. */
export interface TimeServer extends AsyncDisposable {
  /** The TCP listener's address, if serving TCP. */
  readonly tcp?: NetAddr;
  /** The UDP socket's address, if serving UDP. */
  readonly udp?: NetAddr;
  /** What the server has answered and dropped so far. */
  readonly stats: TimeServerStats;
  /** Stops listening on both transports. */
  close(): void;
}

/** Counters of a running time server. */
export interface TimeServerStats {
  tcpReplies: number;
  udpReplies: number;
  /** UDP datagrams dropped: non-empty, rate-limited or from port 0. */
  udpDropped: number;
  /** Requests left unanswered because the clock was plainly unset. */
  unsetClock: number;
}

/** Attempts at finding a port free on both transports when asked for port 0. */
const FREE_PORT_ATTEMPTS = 20;

/**
 * Starts an RFC 868 server.
 *
 * TCP: each connection gets the 4-byte time and is closed. UDP: each empty
 * datagram gets the 4-byte time, non-empty ones are dropped (which is what
 * stops time↔time and time↔echo loops), and each source address is limited
 * to `udpRate` replies per second. With a plainly unset clock nothing is
 * sent, as RFC 868 asks: TCP closes without data, UDP stays silent.
 *
 * @param net the runtime adapter
 * @param options where to listen and how
 * @returns the running server
 * @throws {NetError} when a socket cannot be bound (EADDRINUSE, EACCES, …)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveTime } from "./server.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * // A stub adapter that binds port 3737 for whatever is asked.
 * const addr = (transport: "tcp" | "udp") => ({ transport, hostname: "127.0.0.1", port: 3737 });
 * const net = {
 *   listenTcp: () => ({ addr: addr("tcp"), close() {} }),
 *   bindUdp: () => Promise.resolve({ addr: addr("udp"), send: () => true, close() {} }),
 * } as unknown as NetAdapter;
 * await using server = await serveTime(net, { hostname: "127.0.0.1", port: 0 });
 * assert(server.tcp?.port === 3737 && server.udp?.port === 3737);
 * ```
 */
export async function serveTime(net: NetAdapter, options: ServeTimeOptions): Promise<TimeServer> {
  const wantTcp = options.tcp ?? true;
  const wantUdp = options.udp ?? true;
  if (!wantTcp && !wantUdp) throw new TypeError("Cannot serve time: no transport selected");
  const limiter = options.limiter ??
    new RateLimiter({ ratePerSecond: options.udpRate ?? DEFAULT_UDP_RATE });
  const stats: TimeServerStats = { tcpReplies: 0, udpReplies: 0, udpDropped: 0, unsetClock: 0 };
  const reply = replySource({
    clock: options.clock ?? systemClock,
    plausibleSinceMs: options.plausibleSinceMs ?? PLAUSIBLE_SINCE_MS,
    log: options.log ?? (() => {}),
    onUnset: () => stats.unsetClock++,
  });

  const onConnection = async (conn: { write(b: Uint8Array): Promise<void>; close(): void }) => {
    try {
      const bytes = reply();
      if (bytes) {
        await conn.write(bytes);
        stats.tcpReplies++;
      }
    } finally {
      conn.close();
    }
  };
  const onDatagram = (datagram: Datagram, socket: UdpSocket) => {
    // Only the RFC's request (an empty datagram) is answered; port 0 cannot be replied to.
    const allowed = datagram.data.length === 0 && datagram.from.port !== 0 &&
      limiter.allow(datagram.from.hostname);
    if (!allowed) {
      stats.udpDropped++;
      return;
    }
    const bytes = reply();
    if (bytes && socket.send(bytes, datagram.from)) stats.udpReplies++;
  };

  const [listener, socket] = await _bindBoth(net, {
    hostname: options.hostname,
    port: options.port,
    onConnection: wantTcp ? onConnection : undefined,
    onDatagram: wantUdp ? onDatagram : undefined,
  });
  const close = () => {
    listener?.close();
    socket?.close();
  };
  return {
    tcp: listener?.addr,
    udp: socket?.addr,
    stats,
    close,
    [Symbol.asyncDispose]() {
      close();
      return Promise.resolve();
    },
  };
}

interface _BindOptions {
  hostname: string;
  port: number;
  /** Serve TCP with this handler. */
  onConnection?: ListenTcpOptions["onConnection"];
  /** Serve UDP with this handler. */
  onDatagram?: BindUdpOptions["onDatagram"];
}

type _Bound = [Listener | undefined, UdpSocket | undefined];

/** Binds the transports asked for on one port; port 0 retries until both get the same one. */
async function _bindBoth(net: NetAdapter, options: _BindOptions): Promise<_Bound> {
  for (let attempt = 1;; attempt++) {
    try {
      return await _bindOnce(net, options);
    } catch (error) {
      // Port 0 on TCP may hand out a port whose UDP twin is taken: try another.
      const retry = options.port === 0 && options.onConnection && options.onDatagram &&
        error instanceof NetError && error.code === "EADDRINUSE" &&
        attempt < FREE_PORT_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

async function _bindOnce(net: NetAdapter, options: _BindOptions): Promise<_Bound> {
  const { hostname, onConnection, onDatagram } = options;
  const listener = onConnection
    ? net.listenTcp({ hostname, port: options.port, onConnection })
    : undefined;
  try {
    const port = listener ? listener.addr.port : options.port;
    const socket = onDatagram ? await net.bindUdp({ hostname, port, onDatagram }) : undefined;
    return [listener, socket];
  } catch (error) {
    listener?.close();
    throw error;
  }
}
