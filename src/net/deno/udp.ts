/**
 * UDP on Deno: `Deno.listenDatagram` (needs `"unstable": ["net"]`, set in deno.json).
 *
 * @module
 */
import type { BindUdpOptions, UdpSocket } from "../types.ts";
import { closable, delay } from "../_shared.ts";
import { toAddr } from "./_addr.ts";
import { toNetError } from "./to_net_error.ts";

const EMPTY = new Uint8Array(0);
const ignore = () => {};

/**
 * {@linkcode NetAdapter.bindUdp} on Deno.
 *
 * @param options where to bind, and the datagram handler
 * @returns the bound socket
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindUdp } from "./udp.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   await using socket = await bindUdp({ hostname: "127.0.0.1", port: 0, onDatagram() {} });
 *   assert(socket.addr.transport === "udp");
 * }
 * ```
 */
export function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
  } catch (error) {
    return Promise.reject(
      toNetError(error, `Cannot bind UDP ${options.hostname}:${options.port}`),
    );
  }
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
  (async () => {
    const buffer = new Uint8Array(65536);
    let failures = 0;
    while (!handle.closed) {
      let data: Uint8Array, from: Deno.Addr;
      try {
        [data, from] = await conn.receive(buffer);
        failures = 0;
      } catch (error) {
        if (handle.closed || error instanceof Deno.errors.BadResource) return;
        if (error instanceof Deno.errors.Interrupted) return;
        // A transient error (an ICMP error surfaced on receive): keep serving, never spin.
        if (++failures > 3) await delay(10);
        continue;
      }
      try {
        // Copied out of the shared receive buffer; empty requests need no copy.
        const copy = data.length === 0 ? EMPTY : data.slice();
        options.onDatagram({ data: copy, from: toAddr(from, "udp") }, socket);
      } catch {
        // A handler fault is one lost reply, never a dead server.
      }
    }
  })();
  return Promise.resolve(socket);
}
