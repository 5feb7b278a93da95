/**
 * libc's socket calls for UDP on Deno (`Deno.dlopen`), Linux only: the
 * symbols, and socket addresses to and from text.
 *
 * Why: each `Deno.DatagramConn` receive and send is an async op of its own,
 * which caps a server at ~0.3× chronyd's NTP rate on loopback; one
 * `recvmmsg` call brings up to 32 datagrams, and one `sendmmsg` sends a
 * turn's replies (bench/RESULTS.md, SNTP server). The calls are made on the
 * socket `Deno.listenDatagram` opened, found with {@linkcode datagramFd}.
 *
 * @module
 */
import type { NetAddr } from "../types.ts";
import { isIPv4 } from "../ip.ts";
import { openLibc } from "../_libc_clock.ts";

const SYMBOLS = {
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  // On the event loop's thread, with MSG_DONTWAIT: what is already queued, never a wait.
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "pointer"], result: "i32" },
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "isize" },
  inet_pton: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
} as const;

/** The opened symbols. */
export type UdpLibc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Linux values (the same on x86_64 and aarch64). */
export const AF_INET = 2;
export const AF_INET6 = 10;
/** struct sockaddr_in6's size; a sockaddr_in (16) fits in it. */
export const NAME_BYTES = 28;
const SOL_SOCKET = 1;
const SO_TYPE = 3;
const SOCK_DGRAM = 2;

let opened: UdpLibc | null | undefined;

/**
 * libc's socket calls, or null where they cannot be used: not Linux on
 * x86_64/aarch64, no `--allow-ffi`, no libc found.
 *
 * @returns the symbols (opened once, for the life of the process) or null
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { udpLibc } from "./_udp_libc.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/") && Deno.build.os === "linux") {
 *   assert(udpLibc() !== null); // the tests run with -A
 * }
 * ```
 */
export function udpLibc(): UdpLibc | null {
  if (opened !== undefined) return opened;
  opened = null;
  const { os, arch } = Deno.build;
  if (os !== "linux" || (arch !== "x86_64" && arch !== "aarch64")) return null;
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") return null;
  try {
    opened = openLibc((path) => Deno.dlopen(path, SYMBOLS).symbols, { os, arch });
  } catch {
    // No libc loads: the socket is served the plain way.
  }
  return opened;
}

/**
 * The descriptor of this process's UDP socket bound to `hostname` and
 * `port` (a `Deno.DatagramConn`'s, which Deno does not expose), or -1 when
 * there is not exactly one or `/proc/self/fd` cannot be read. A TCP socket
 * on the same address and port is told apart by its type.
 *
 * @param libc the symbols
 * @param hostname the bound address, as the socket reports it
 * @param port the bound port
 * @returns the descriptor, or -1
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { datagramFd, udpLibc } from "./_udp_libc.ts";
 *
 * const libc = navigator.userAgent.startsWith("Deno/") ? udpLibc() : null;
 * if (libc) {
 *   const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 *   assert(datagramFd(libc, "127.0.0.1", (conn.addr as Deno.NetAddr).port) > 2);
 *   conn.close();
 * }
 * ```
 */
export function datagramFd(libc: UdpLibc, hostname: string, port: number): number {
  const family = isIPv4(hostname) ? AF_INET : AF_INET6;
  const want = _encode(libc, family, hostname);
  if (!want) return -1;
  want[2] = port >> 8;
  want[3] = port & 0xff;
  let entries: Deno.DirEntry[];
  try {
    // Asked first: without --allow-read a read would prompt on a terminal.
    const read = Deno.permissions.querySync({ name: "read", path: "/proc/self/fd" });
    if (read.state !== "granted") return -1;
    entries = [...Deno.readDirSync("/proc/self/fd")];
  } catch {
    return -1; // not Linux's /proc, or no --allow-read
  }
  const type = new Int32Array(1);
  const typeLength = new Uint32Array(1);
  const name = new Uint8Array(NAME_BYTES);
  const nameLength = new Uint32Array(1);
  const found: number[] = [];
  for (const entry of entries) {
    const fd = Number(entry.name);
    typeLength[0] = 4;
    nameLength[0] = NAME_BYTES;
    if (
      !Number.isInteger(fd) ||
      libc.getsockopt(
          fd,
          SOL_SOCKET,
          SO_TYPE,
          new Uint8Array(type.buffer),
          new Uint8Array(typeLength.buffer),
        ) !== 0 ||
      type[0] !== SOCK_DGRAM ||
      libc.getsockname(fd, name, new Uint8Array(nameLength.buffer)) !== 0 ||
      nameLength[0] !== want.length
    ) continue;
    // Family and port, then the address (an IPv6 name's flow info and scope aside).
    const address = family === AF_INET ? [4, 8] : [8, 24];
    let same = true;
    for (let i = 0; i < 4 && same; i++) same = name[i] === want[i];
    for (let i = address[0]; i < address[1] && same; i++) same = name[i] === want[i];
    if (same) found.push(fd);
  }
  return found.length === 1 ? found[0] : -1;
}

/** Socket addresses to and from text, with a bounded cache each way. */
export interface AddressBook {
  /** The sender's address in a received sockaddr at `at`. */
  read(names: Uint8Array, at: number): NetAddr;
  /** Writes the sockaddr for a destination at `at`; its length, or 0 when it is not an address. */
  write(names: Uint8Array, at: number, to: { hostname: string; port: number }): number;
}

const CACHED = 4096;

/**
 * An {@linkcode AddressBook} for a socket of `family`.
 *
 * @param libc the symbols
 * @param family AF_INET or AF_INET6
 * @returns the book
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AF_INET, addressBook, udpLibc } from "./_udp_libc.ts";
 *
 * const libc = navigator.userAgent.startsWith("Deno/") ? udpLibc() : null;
 * if (libc) {
 *   const names = new Uint8Array(28);
 *   const book = addressBook(libc, AF_INET);
 *   assert.equal(book.write(names, 0, { hostname: "192.0.2.7", port: 123 }), 16);
 *   assert.deepEqual(book.read(names, 0), { transport: "udp", hostname: "192.0.2.7", port: 123 });
 * }
 * ```
 */
export function addressBook(libc: UdpLibc, family: number): AddressBook {
  const v4 = new Map<number, string>();
  const prepared = new Map<string, Uint8Array>();
  const dotted = (b: Uint8Array, at: number) => {
    const key = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    let text = v4.get(key);
    if (text === undefined) {
      text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
      if (v4.size >= CACHED) v4.clear();
      v4.set(key, text);
    }
    return text;
  };
  return {
    read(names, at) {
      const port = (names[at + 2] << 8) | names[at + 3];
      let hostname: string;
      if (names[at] === AF_INET) hostname = dotted(names, at + 4);
      else if (_isMapped(names, at + 8)) hostname = dotted(names, at + 20);
      else hostname = _ntop(libc, names.subarray(at + 8, at + 24));
      return { transport: "udp", hostname, port };
    },
    write(names, at, to) {
      let name = prepared.get(to.hostname) ?? null;
      if (!name) {
        name = _encode(libc, family, to.hostname);
        if (!name) return 0;
        if (prepared.size >= CACHED) prepared.clear();
        prepared.set(to.hostname, name);
      }
      names.set(name, at);
      names[at + 2] = to.port >> 8;
      names[at + 3] = to.port & 0xff;
      return name.length;
    },
  };
}

/** The sockaddr (port 0) of an address literal for a socket of `family` (IPv4 on IPv6 mapped), or null. */
function _encode(libc: UdpLibc, family: number, hostname: string): Uint8Array | null {
  const ipv4 = isIPv4(hostname) ? hostname.split(".").map(Number) : null;
  if (family === AF_INET) {
    if (!ipv4) return null;
    const name = new Uint8Array(16);
    name[0] = AF_INET;
    name.set(ipv4, 4);
    return name;
  }
  const name = new Uint8Array(NAME_BYTES);
  name[0] = AF_INET6;
  if (ipv4) {
    name[18] = name[19] = 0xff;
    name.set(ipv4, 20);
    return name;
  }
  const text = new TextEncoder().encode(`${hostname.split("%")[0]}\0`);
  const address = new Uint8Array(16);
  if (libc.inet_pton(AF_INET6, text, address) !== 1) return null;
  name.set(address, 8);
  return name;
}

function _isMapped(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) return false;
  return b[at + 10] === 0xff && b[at + 11] === 0xff;
}

function _ntop(libc: UdpLibc, address: Uint8Array): string {
  const text = new Uint8Array(64);
  libc.inet_ntop(AF_INET6, address.slice(), text, text.length);
  return new TextDecoder().decode(text.subarray(0, text.indexOf(0)));
}
