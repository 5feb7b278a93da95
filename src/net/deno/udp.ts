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
 * Receives kept waiting at once, each with a buffer of its own. Each
 * `receive()` is an async op; with several in flight the datagrams that
 * arrived together are handed over in one turn of the event loop instead of
 * one turn each (a bare echo server: +20 % datagrams/s, bench/RESULTS.md).
 */
const RECEIVES_IN_FLIGHT = 8;

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
  for (let i = 0; i < RECEIVES_IN_FLIGHT; i++) {
    _receiveLoop(conn, handle, (data, from) => {
      try {
        options.onDatagram({ data, from: toAddr(from, "udp") }, socket);
      } catch {
        // A handler fault is one lost reply, never a dead server.
      }
    });
  }
  return Promise.resolve(socket);
}

/** One receive after another into a buffer of its own, until the socket closes. */
async function _receiveLoop(
  conn: Deno.DatagramConn,
  handle: { readonly closed: boolean },
  deliver: (data: Uint8Array, from: Deno.Addr) => void,
): Promise<void> {
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
    // Copied out of the receive buffer; empty requests need no copy.
    deliver(data.length === 0 ? EMPTY : _copy(data), from);
  }
}

/** Copies carved from one buffer at a time: `slice()` of a small array costs ~0.7 µs on V8, this ~0.07. */
const SLAB_BYTES = 65536;
let slab = new ArrayBuffer(0);
let slabAt = 0;

/** A copy of `data` that nothing else writes to (a slab is never reused: a new one is made). */
function _copy(data: Uint8Array): Uint8Array {
  if (data.length > SLAB_BYTES / 8) return data.slice();
  if (slabAt + data.length > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabAt = 0;
  }
  const copy = new Uint8Array(slab, slabAt, data.length);
  copy.set(data);
  slabAt += data.length;
  return copy;
}
