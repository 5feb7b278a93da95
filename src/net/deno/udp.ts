/**
 * UDP on Deno: in batches through libc where it can be used (Linux, `--allow-ffi`,
 * an address literal), else `Deno.listenDatagram`.
 *
 * @module
 */
import type { BindUdpOptions, UdpSocket } from "../types.ts";
import { bindUdpLibc } from "./_udp_batch.ts";
import { bindDatagramConn } from "./_udp_datagram_conn.ts";

/**
 * {@linkcode NetAdapter.bindUdp} on Deno. Through libc (`recvmmsg` and
 * `sendmmsg`, {@linkcode bindUdpLibc}) a loopback NTP server answers ~4×
 * as many requests per second as through `Deno.listenDatagram`, where every
 * datagram is an async op of its own (bench/RESULTS.md); the behaviour is
 * the same either way.
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
  const socket = bindUdpLibc(options);
  return socket ? Promise.resolve(socket) : bindDatagramConn(options);
}
