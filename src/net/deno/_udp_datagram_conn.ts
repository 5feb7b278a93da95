/**
 * UDP on Deno through `Deno.listenDatagram` (needs `"unstable": ["net"]`, set in
 * deno.json): every Deno UDP socket is bound here; where libc cannot be used
 * ({@linkcode serveInBatches} declines) it is also served here.
 *
 * @module
 */
import type { BindUdpOptions, UdpSocket } from "../types.ts";
import { closable, delay } from "../_shared.ts";
import { toAddr } from "./_addr.ts";
import { toNetError } from "./to_net_error.ts";
import { slabCopy } from "./_slab_copy.ts";

const EMPTY = new Uint8Array(0);
const ignore = () => {};

/**
 * Receives kept waiting at once, each with a buffer of its own. Each
 * `receive()` is an async op; with several in flight the datagrams that
 * arrived together are handed over in one turn of the event loop instead of
 * one turn each (a bare echo server: +20 % datagrams/s, bench/RESULTS.md).
 */
const RECEIVES_IN_FLIGHT = 8;

/**
 * A `Deno.listenDatagram` socket bound where `options` say.
 *
 * @param options where to bind
 * @returns the bound socket
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenUdp } from "./_udp_datagram_conn.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const conn = listenUdp({ hostname: "127.0.0.1", port: 0 });
 *   assert((conn.addr as Deno.NetAddr).port > 0);
 *   conn.close();
 * }
 * ```
 */
export function listenUdp(options: { hostname: string; port: number }): Deno.DatagramConn {
  try {
    return Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
  } catch (error) {
    throw toNetError(error, `Cannot bind UDP ${options.hostname}:${options.port}`);
  }
}

/**
 * {@linkcode NetAdapter.bindUdp} on Deno with `Deno.listenDatagram` alone.
 *
 * @param options where to bind, and the datagram handler
 * @returns the bound socket
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindDatagramConn } from "./_udp_datagram_conn.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   await using socket = await bindDatagramConn({ hostname: "127.0.0.1", port: 0, onDatagram() {} });
 *   assert(socket.addr.transport === "udp");
 * }
 * ```
 */
export function bindDatagramConn(options: BindUdpOptions): Promise<UdpSocket> {
  try {
    return Promise.resolve(serveDatagramConn(listenUdp(options), options.onDatagram));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Serves `onDatagram` on a bound `Deno.DatagramConn`, a receive op per
 * datagram: where libc cannot be used ({@linkcode serveInBatches} declines).
 *
 * @param conn the bound socket, closed by the returned socket's `close()`
 * @param onDatagram the datagram handler
 * @returns the socket
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenUdp, serveDatagramConn } from "./_udp_datagram_conn.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const conn = listenUdp({ hostname: "127.0.0.1", port: 0 });
 *   await using socket = serveDatagramConn(conn, () => {});
 *   assert(socket.addr.port === (conn.addr as Deno.NetAddr).port);
 * }
 * ```
 */
export function serveDatagramConn(
  conn: Deno.DatagramConn,
  onDatagram: BindUdpOptions["onDatagram"],
): UdpSocket {
  const handle = closable(() => conn.close());
  const socket: UdpSocket = {
    addr: toAddr(conn.addr, "udp"),
    send(bytes, to) {
      if (handle.closed) return false;
      // Rejections (unreachable peer, closed socket) drop the datagram, as UDP does.
      conn.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port }).catch(ignore);
      return true;
    },
    close: handle.close,
    [Symbol.asyncDispose]: handle[Symbol.asyncDispose],
  };
  for (let i = 0; i < RECEIVES_IN_FLIGHT; i++) {
    _receiveLoop(conn, handle, (data, from) => {
      try {
        onDatagram({ data, from: toAddr(from, "udp") }, socket);
      } catch {
        // A handler fault is one lost reply, never a dead server.
      }
    });
  }
  return socket;
}

/** One receive after another into a buffer of its own, until the socket closes. */
async function _receiveLoop(
  conn: Deno.DatagramConn,
  handle: { readonly closed: boolean },
  deliver: (data: Uint8Array, from: Deno.Addr) => void,
): Promise<void> {
  const buffer = new Uint8Array(65536);
  while (!handle.closed) {
    const received = await receiveDatagram(conn, buffer, () => handle.closed);
    if (!received) return;
    const [data, from] = received;
    // Copied out of the receive buffer; empty requests need no copy.
    deliver(data.length === 0 ? EMPTY : slabCopy(data), from);
  }
}

/**
 * One datagram from `conn` into `buffer`, or null once the socket is closed.
 * A transient error (an ICMP error surfaced on receive) is waited past,
 * never spun on.
 */
export async function receiveDatagram(
  conn: Deno.DatagramConn,
  buffer: Uint8Array,
  closed: () => boolean,
): Promise<[Uint8Array, Deno.Addr] | null> {
  for (let failures = 0;;) {
    try {
      return await conn.receive(buffer);
    } catch (error) {
      if (closed() || error instanceof Deno.errors.BadResource) return null;
      if (error instanceof Deno.errors.Interrupted) return null;
      if (++failures > 3) await delay(10);
    }
  }
}
