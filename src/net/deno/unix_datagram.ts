/**
 * One datagram to a Unix socket on Deno: libc's `socket` and `sendto`
 * through `Deno.dlopen` (Deno's own Unix datagrams are unstable-only).
 *
 * @module
 */
import { noClockSetter } from "../_libc_clock.ts";
import { sendDatagramWith } from "../_libc_socket.ts";
import { openDenoLibc } from "./_libc.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/**
 * {@linkcode NetAdapter.sendUnixDatagram} on Deno.
 *
 * @param path the socket's path, or `@name` for Linux's abstract namespace
 * @param bytes the datagram
 * @throws {NetError} ENOENT, EACCES, ECONNREFUSED; ENOSYS off Linux or without --allow-ffi
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sendUnixDatagram } from "./unix_datagram.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/") && Deno.build.os === "linux") {
 *   const missing = await sendUnixDatagram("/nonexistent/notify", new Uint8Array(1)).catch((e) => e);
 *   assert.equal(missing.code, "ENOENT");
 * }
 * ```
 */
export function sendUnixDatagram(path: string, bytes: Uint8Array): Promise<void> {
  const action = `send to socket ${path}`;
  try {
    if (Deno.build.os !== "linux") throw noClockSetter("Unix datagrams need Linux", action);
    const libc = openDenoLibc(SYMBOLS, action);
    try {
      sendDatagramWith({
        socket: (domain, type, protocol) => libc.symbols.socket(domain, type, protocol),
        sendto: (fd, data, flags, address) =>
          Number(
            libc.symbols.sendto(fd, data, BigInt(data.length), flags, address, address.length),
          ),
        close: (fd) => libc.symbols.close(fd),
        errno: libc.errno,
      }, { path, bytes });
    } finally {
      libc.close();
    }
    return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}
