/**
 * UDP on Deno: a `Deno.listenDatagram` socket, served in batches through libc
 * where it can be (Linux, `--allow-ffi`), else with Deno's own receives.
 *
 * @module
 */
import type { BindUdpOptions, UdpSocket } from "../types.ts";
import { serveInBatches } from "./_udp_batch.ts";
import { listenUdp, serveDatagramConn } from "./_udp_datagram_conn.ts";

/**
 * {@linkcode NetAdapter.bindUdp} on Deno. Through libc (`recvmmsg` and
 * `sendmmsg`, {@linkcode serveInBatches}) a loopback NTP server answers ~4×
 * as many requests per second as through `Deno.listenDatagram` alone, where
 * every datagram is an async op of its own (bench/RESULTS.md); the
 * behaviour is the same either way.
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
    conn = listenUdp(options);
  } catch (error) {
    return Promise.reject(error);
  }
  return Promise.resolve(
    serveInBatches(conn, options.onDatagram) ?? serveDatagramConn(conn, options.onDatagram),
  );
}
