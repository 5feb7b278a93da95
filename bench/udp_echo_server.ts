/**
 * The ceiling a runtime's UDP API allows: a bare echo server (48 bytes in,
 * the same 48 bytes back, no NTP work), for `bench/ntp_server_bench.sh` to run
 * beside chronyd and netkit (`bench/ntp_load.c --echo` checks the echoes).
 * Not part of netkit: it calls the runtimes' APIs directly, on purpose.
 *
 *   bun bench/udp_echo_server.ts bun-send     HOST   # Bun.udpSocket, one send() per datagram
 *   bun bench/udp_echo_server.ts bun-sendmany HOST   # Bun.udpSocket, sendMany() per loop turn
 *   bun bench/udp_echo_server.ts dgram        HOST   # node:dgram (Bun's)
 *   deno run -A bench/udp_echo_server.ts deno  HOST  # Deno.listenDatagram, receive -> send
 *   deno run -A bench/udp_echo_server.ts deno-par HOST  # the same, 8 receives in flight
 *   deno run -A bench/udp_echo_server.ts dgram HOST  # node:dgram (Deno's)
 *   bun bench/udp_echo_server.ts ffi HOST            # libc through FFI: blocking
 *   deno run -A bench/udp_echo_server.ts ffi HOST    #   recvmmsg/sendmmsg, 64 a call
 *   deno run -A bench/udp_echo_server.ts ffi-async HOST  # Deno: recvmmsg as a
 *                                                    #   nonblocking FFI call (a promise)
 *
 * The ffi variants bypass the runtime's UDP API (and its event loop: the
 * blocking one never returns to it): they show what the kernel and
 * JavaScript allow, not something netkit could ship as is. Linux, 64-bit.
 *
 * Binds port 0 and prints `listening on ntp://HOST:PORT` on stderr, as
 * serve-time does; runs until SIGTERM.
 *
 * @module
 */
import dgram from "node:dgram";
import process from "node:process";
import { setImmediate } from "node:timers";

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
const [variant = "", host = "127.0.0.1"] = process.argv.slice(2);

function listening(port: number): void {
  process.stderr.write(`listening on ntp://${host}:${port}\n`);
}

async function bunEcho(batch: boolean): Promise<void> {
  let queue: (Uint8Array | number | string)[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const packets = queue;
    queue = [];
    socket.sendMany(packets);
  };
  // deno-lint-ignore no-explicit-any
  const socket: any = await runtime.Bun.udpSocket({
    hostname: host,
    port: 0,
    binaryType: "uint8array",
    socket: {
      // deno-lint-ignore no-explicit-any
      data(s: any, data: Uint8Array, port: number, address: string) {
        if (data.length !== 48) return;
        if (!batch) {
          s.send(data, port, address);
          return;
        }
        // The receive buffer is Bun's, reused for the next batch: copy.
        queue.push(data.slice(), port, address);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      },
      error() {},
    },
  });
  listening(socket.port);
}

async function denoEcho(inFlight: number): Promise<void> {
  const conn = runtime.Deno.listenDatagram({ transport: "udp", hostname: host, port: 0 });
  listening(conn.addr.port);
  const ignore = () => {};
  const loop = async () => {
    const buffer = new Uint8Array(2048);
    for (;;) {
      const [data, from] = await conn.receive(buffer);
      if (data.length !== 48) continue;
      conn.send(data.slice(), from).catch(ignore);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
}

function dgramEcho(): void {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  socket.on("message", (data, from) => {
    if (data.length === 48) socket.send(data, from.port, from.address);
  });
  socket.on("error", () => {});
  socket.bind(0, host, () => listening(socket.address().port));
}

/** Linux LP64 layouts: struct mmsghdr is 64 bytes (msghdr 56 + msg_len + padding). */
const MMSG = 64, BATCH = 64, NAME = 28, BYTES = 2048;

// deno-lint-ignore no-explicit-any
type Libc = Record<string, (...args: any[]) => any>;

async function openLibc(
  nonblockingRecv: boolean,
): Promise<{ libc: Libc; address(view: Uint8Array): bigint }> {
  if (runtime.Bun) {
    const ffiName = "bun:ffi";
    const ffi = await import(ffiName);
    const i32 = "i32", u32 = "u32", ptr = "ptr";
    const lib = ffi.dlopen("libc.so.6", {
      socket: { args: [i32, i32, i32], returns: i32 },
      bind: { args: [i32, ptr, u32], returns: i32 },
      getsockname: { args: [i32, ptr, ptr], returns: i32 },
      recvmmsg: { args: [i32, ptr, u32, i32, ptr], returns: i32 },
      sendmmsg: { args: [i32, ptr, u32, i32], returns: i32 },
    });
    return { libc: lib.symbols, address: (view) => BigInt(ffi.ptr(view)) };
  }
  const D = runtime.Deno;
  const lib = D.dlopen("libc.so.6", {
    socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
    bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
    getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
    recvmmsg: {
      parameters: ["i32", "buffer", "u32", "i32", "pointer"],
      result: "i32",
      nonblocking: nonblockingRecv,
    },
    sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  });
  return {
    libc: lib.symbols,
    address: (view) => BigInt(D.UnsafePointer.value(D.UnsafePointer.of(view))),
  };
}

const keepAlive: Uint8Array[] = [];

async function ffiEcho(nonblockingRecv: boolean): Promise<void> {
  if (host.includes(":")) throw new Error("ffi variants: IPv4 only");
  const { libc, address } = await openLibc(nonblockingRecv);
  const fd = libc.socket(2, 2, 0); // AF_INET, SOCK_DGRAM (blocking)
  const sin = new Uint8Array(16);
  new DataView(sin.buffer).setUint16(0, 2, true); // sin_family, port 0
  sin.set(host.split(".").map(Number), 4);
  if (fd < 0 || libc.bind(fd, sin, 16) !== 0) throw new Error("ffi: cannot bind");
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, 16, true);
  libc.getsockname(fd, sin, len);
  listening(new DataView(sin.buffer).getUint16(2, false));
  const msgs = new Uint8Array(MMSG * BATCH), iovs = new Uint8Array(16 * BATCH);
  const names = new Uint8Array(NAME * BATCH), bufs = new Uint8Array(BYTES * BATCH);
  const m = new DataView(msgs.buffer), v = new DataView(iovs.buffer);
  // Only their addresses are used below: keep the arrays reachable, or the
  // garbage collector frees memory the kernel still writes into.
  keepAlive.push(names, iovs, bufs);
  const at = { names: address(names), iovs: address(iovs), bufs: address(bufs) };
  for (let i = 0; i < BATCH; i++) {
    v.setBigUint64(16 * i, at.bufs + BigInt(BYTES * i), true);
    m.setBigUint64(MMSG * i, at.names + BigInt(NAME * i), true); // msg_name
    m.setBigUint64(MMSG * i + 16, at.iovs + BigInt(16 * i), true); // msg_iov
    m.setBigUint64(MMSG * i + 24, 1n, true); // msg_iovlen
  }
  for (;;) {
    for (let i = 0; i < BATCH; i++) {
      m.setUint32(MMSG * i + 8, NAME, true); // msg_namelen
      v.setBigUint64(16 * i + 8, BigInt(BYTES), true); // iov_len
    }
    // MSG_WAITFORONE (0x10000): block for the first, then take what is there.
    const n = nonblockingRecv
      ? await libc.recvmmsg(fd, msgs, BATCH, 0x10000, null)
      : libc.recvmmsg(fd, msgs, BATCH, 0x10000, null);
    if (n <= 0) continue;
    for (let i = 0; i < n; i++) {
      v.setBigUint64(16 * i + 8, BigInt(m.getUint32(MMSG * i + 56, true)), true); // len = msg_len
    }
    libc.sendmmsg(fd, msgs, n, 0);
  }
}

process.on("SIGTERM", () => process.exit(0));
switch (variant) {
  case "bun-send":
    await bunEcho(false);
    break;
  case "bun-sendmany":
    await bunEcho(true);
    break;
  case "deno":
    await denoEcho(1);
    break;
  case "deno-par":
    await denoEcho(8);
    break;
  case "dgram":
    dgramEcho();
    break;
  case "ffi":
    // Blocks in recvmmsg: SIGTERM is never seen; exit on the signal's default.
    process.removeAllListeners("SIGTERM");
    await ffiEcho(false);
    break;
  case "ffi-async":
    await ffiEcho(true);
    break;
  default:
    process.stderr.write(
      "usage: udp_echo_server.ts bun-send|bun-sendmany|deno|deno-par|dgram|ffi|ffi-async [HOST]\n",
    );
    process.exit(2);
}
