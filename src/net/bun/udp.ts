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
  const outbox = _outbox(native);
  const socket: UdpSocket = {
    addr: { transport: "udp", hostname: unmapAddress(native.hostname), port: native.port },
    send(bytes, to) {
      if (handle.closed) return false;
      outbox.add(bytes, to.port, to.hostname);
      return true;
    },
    close: handle.close,
    [Symbol.asyncDispose]: handle[Symbol.asyncDispose],
  };
  bound.socket = socket;
  return socket;
}

/** Most datagrams handed to one sendmmsg (Linux UIO_MAXIOV is 1024). */
const BATCH_LIMIT = 256;

/**
 * Replies gathered while Bun delivers a batch of received datagrams, sent
 * together with one sendmmsg (`sendMany`) when the batch is done: one
 * system call instead of one per datagram, which is what a busy UDP server
 * spends its time on.
 */
function _outbox(native: BunUdpSocket) {
  let queue: (Uint8Array | number | string)[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const packets = queue;
    queue = [];
    for (let at = 0; at < packets.length; at += BATCH_LIMIT * 3) {
      _sendBatch(native, packets.slice(at, at + BATCH_LIMIT * 3));
    }
  };
  return {
    add(bytes: Uint8Array, port: number, hostname: string) {
      queue.push(bytes, port, hostname);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

function _sendBatch(native: BunUdpSocket, packets: (Uint8Array | number | string)[]): void {
  // After an ICMP "port unreachable" for an earlier datagram, the next send
  // fails with ECONNREFUSED, whoever it is for: a throw when it is the
  // batch's first datagram, a short count otherwise. Either way the error is
  // consumed, so going on from the datagram that failed delivers the rest;
  // each datagram can cause at most one such error, which bounds the retries.
  const count = packets.length / 3;
  for (let attempt = 0, sent = 0; sent < count && attempt <= count + 1; attempt++) {
    try {
      sent += native.sendMany(sent === 0 ? packets : packets.slice(sent * 3));
    } catch {
      // the pending error is consumed: try again from the same datagram
    }
  }
}
