/**
 * One datagram to a Unix socket on Bun: libc's `socket` and `sendto`
 * through `bun:ffi` (Bun's UDP sockets and node:dgram speak only IP).
 *
 * @module
 */
import process from "node:process";
import { noClockSetter } from "../_libc_clock.ts";
import { sendDatagramWith } from "../_libc_socket.ts";
import { openBunLibc } from "./_libc.ts";

/**
 * {@linkcode NetAdapter.sendUnixDatagram} on Bun.
 *
 * @param path the socket's path, or `@name` for Linux's abstract namespace
 * @param bytes the datagram
 * @throws {NetError} ENOENT, EACCES, ECONNREFUSED; ENOSYS off Linux
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import process from "node:process";
 * import { sendUnixDatagram } from "./unix_datagram.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/") && process.platform === "linux") {
 *   const missing = await sendUnixDatagram("/nonexistent/notify", new Uint8Array(1)).catch((e) => e);
 *   assert.equal(missing.code, "ENOENT");
 * }
 * ```
 */
export async function sendUnixDatagram(path: string, bytes: Uint8Array): Promise<void> {
  const action = `send to socket ${path}`;
  if (process.platform !== "linux") throw noClockSetter("Unix datagrams need Linux", action);
  const libc = await openBunLibc((t) => ({
    socket: { args: [t.i32, t.i32, t.i32], returns: t.i32 },
    sendto: { args: [t.i32, t.ptr, t.u64, t.i32, t.ptr, t.u32], returns: t.i64_fast },
    close: { args: [t.i32], returns: t.i32 },
  }), action);
  try {
    sendDatagramWith({
      socket: (domain, type, protocol) => libc.symbols.socket(domain, type, protocol),
      sendto: (fd, data, flags, address) =>
        Number(libc.symbols.sendto(fd, data, data.length, flags, address, address.length)),
      close: (fd) => libc.symbols.close(fd),
      errno: libc.errno,
    }, { path, bytes });
  } finally {
    libc.close();
  }
}
