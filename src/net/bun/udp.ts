/**
 * UDP on Bun: `Bun.udpSocket`.
 *
 * @module
 */
import type { BindUdpOptions, UdpSocket } from "../types.ts";
import { unmapAddress } from "../ip.ts";
import { closable } from "../_shared.ts";
import type { BunApi, BunUdpSocket } from "./_api.ts";
import { toNetError } from "./to_net_error.ts";

declare const Bun: BunApi;

/**
 * {@linkcode NetAdapter.bindUdp} on Bun.
 *
 * @param options where to bind, and the datagram handler
 * @returns the bound socket
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindUdp } from "./udp.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   await using socket = await bindUdp({ hostname: "127.0.0.1", port: 0, onDatagram() {} });
 *   assert(socket.addr.transport === "udp");
 * }
 * ```
 */
export async function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  let native: BunUdpSocket;
  // The wrapper is built after binding; datagrams before that have no handler yet.
  const bound: { socket?: UdpSocket } = {};
  try {
    native = await Bun.udpSocket({
      hostname: options.hostname,
      port: options.port,
      binaryType: "uint8array",
      socket: {
        data(_native, data, port, address) {
          if (!bound.socket) return;
          try {
            options.onDatagram({
              data,
              from: { transport: "udp", hostname: unmapAddress(address), port },
            }, bound.socket);
          } catch {
            // A handler fault is one lost reply, never a dead server.
          }
        },
        error() {
          // ICMP "port unreachable" for an earlier send arrives here as
          // ECONNREFUSED; the socket stays usable, nothing to do.
        },
      },
    });
  } catch (error) {
    throw toNetError(error, `Cannot bind UDP ${options.hostname}:${options.port}`);
  }
  const handle = closable(() => native.close());
  const socket: UdpSocket = {
    addr: { transport: "udp", hostname: unmapAddress(native.hostname), port: native.port },
    send(bytes, to) {
      if (handle.closed) return false;
      // After an ICMP "port unreachable" for an earlier datagram, the next
      // send throws ECONNREFUSED synchronously, whoever it is for. The throw
      // consumes the pending error, so one retry delivers this datagram.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          return native.send(bytes, to.port, to.hostname);
        } catch {
          // fall through to the retry
        }
      }
      return false;
    },
    close: handle.close,
    [Symbol.asyncDispose]: handle[Symbol.asyncDispose],
  };
  bound.socket = socket;
  return socket;
}
