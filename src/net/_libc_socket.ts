/**
 * One datagram to a Unix datagram socket through libc (`socket`, `sendto`,
 * `close`), as both adapters' FFI makes the calls: neither runtime's
 * stable API nor node:dgram sends to an `AF_UNIX` datagram socket, and
 * systemd's `$NOTIFY_SOCKET` is one. Linux only. Private to `src/net`.
 *
 * @module
 */
import { NetError, type NetErrorCode } from "./errors.ts";

/** `AF_UNIX` (Linux `include/linux/socket.h`). */
export const AF_UNIX = 1;
/** `SOCK_DGRAM | SOCK_CLOEXEC` on Linux (a child started later never inherits it). */
export const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000;
/** `sizeof(sun_path)` in Linux's `struct sockaddr_un`. */
const SUN_PATH_BYTES = 108;

/**
 * A `struct sockaddr_un` for `path`: `sa_family` (16 bits, native order),
 * then the path. A path starting with `@` names Linux's abstract namespace:
 * the `@` becomes a NUL byte and the address covers only the name's bytes,
 * no trailing NUL (unix(7)).
 *
 * @param path a socket path (`/run/systemd/notify`) or `@name`
 * @returns the address bytes, exactly as long as `sendto`'s `addrlen`
 * @throws {RangeError} for an empty path or one longer than `sun_path`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sockaddrUn } from "./_libc_socket.ts";
 *
 * const abstract = sockaddrUn("@x");
 * assert.deepEqual([...abstract], [1, 0, 0, 0x78]);
 * assert.equal(sockaddrUn("/a").length, 2 + 2 + 1); // NUL-terminated
 * ```
 */
export function sockaddrUn(path: string): Uint8Array {
  const abstract = path.startsWith("@");
  const name = new TextEncoder().encode(abstract ? path.slice(1) : path);
  const length = name.length + 1; // the abstract NUL, or the path's terminating NUL
  if (path === "" || path === "@" || length > SUN_PATH_BYTES) {
    throw new RangeError(`Cannot send to socket "${path}": not a Unix socket path`);
  }
  const address = new Uint8Array(2 + length);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true); // every Linux target is little-endian
  address.set(name, abstract ? 3 : 2);
  return address;
}

/**
 * The libc calls a datagram needs, as each runtime's FFI exposes them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LibcSocket } from "./_libc_socket.ts";
 *
 * const none: LibcSocket = { socket: () => -1, sendto: () => -1, close: () => 0, errno: () => 97 };
 * assert(none.socket(1, 2, 0) === -1);
 * ```
 */
export interface LibcSocket {
  socket(domain: number, type: number, protocol: number): number;
  sendto(fd: number, bytes: Uint8Array, flags: number, address: Uint8Array): number;
  close(fd: number): number;
  /** errno right after a failed call. */
  errno(): number;
}

/** errno values a send to a Unix socket meets, and what they become. */
const ERRNO_CODES: Record<number, [NetErrorCode, string]> = {
  2: ["ENOENT", "no such socket"],
  13: ["EACCES", "permission denied"],
  111: ["ECONNREFUSED", "nobody is listening"],
  11: ["EOTHER", "the receiver's queue is full"],
  90: ["EOTHER", "the message is too long"],
};

/**
 * Sends `bytes` as one datagram to the Unix socket at `path`.
 *
 * @param libc the opened library (left open: the caller closes it)
 * @param target the socket path and the message
 * @throws {NetError} `ENOENT`, `EACCES`, `ECONNREFUSED` or `EOTHER`, naming the path
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sendDatagramWith } from "./_libc_socket.ts";
 *
 * const sent: string[] = [];
 * const libc = {
 *   socket: () => 3,
 *   sendto: (_fd: number, bytes: Uint8Array) => (sent.push(new TextDecoder().decode(bytes)), bytes.length),
 *   close: () => 0,
 *   errno: () => 0,
 * };
 * sendDatagramWith(libc, { path: "@notify", bytes: new TextEncoder().encode("READY=1") });
 * assert.deepEqual(sent, ["READY=1"]);
 * ```
 */
export function sendDatagramWith(
  libc: LibcSocket,
  target: { path: string; bytes: Uint8Array },
): void {
  const address = sockaddrUn(target.path);
  const fd = libc.socket(AF_UNIX, SOCK_DGRAM_CLOEXEC, 0);
  if (fd < 0) throw _sendError(libc.errno(), target.path);
  try {
    if (libc.sendto(fd, target.bytes, 0, address) < 0) throw _sendError(libc.errno(), target.path);
  } finally {
    libc.close(fd);
  }
}

function _sendError(errno: number, path: string): NetError {
  const [code, what] = ERRNO_CODES[errno] ?? ["EOTHER", `errno ${errno}`];
  return new NetError(code, `Cannot send to socket ${path}: ${what}`);
}
