/**
 * UDP on Deno in batches through libc: one nonblocking `recvmmsg` brings up
 * to {@linkcode RECV_BATCH} datagrams, and the replies the handler sends
 * while a batch is delivered leave in one `sendmmsg` (`MSG_DONTWAIT`: a
 * full kernel buffer drops a datagram, it never blocks the event loop).
 *
 * Memory the kernel writes into is held by the socket's own closures for as
 * long as a call may use it, and the descriptor is closed only after the
 * last `recvmmsg` has returned (`close()` wakes it with `shutdown()`).
 *
 * @module
 */
import type { BindUdpOptions, NetAddr, UdpSocket } from "../types.ts";
import { isIPv4, isIPv6 } from "../ip.ts";
import { slabCopy } from "./_slab_copy.ts";
import { addressBook, AF_INET, AF_INET6, NAME_BYTES, sockaddr, udpLibc } from "./_udp_libc.ts";
import type { UdpLibc } from "./_udp_libc.ts";

/** Datagrams one `recvmmsg` may bring, each into 64 KiB (the largest UDP payload fits). */
const RECV_BATCH = 32;
const RECV_BYTES = 65536;
/** Replies gathered for one `sendmmsg`; larger ones go alone with `sendto`. */
const SEND_BATCH = 64;
const SEND_BYTES = 2048;
/** Linux LP64 layouts: struct mmsghdr 64 bytes (msghdr 56, msg_len at 56), iovec 16. */
const MMSG = 64;
const IOV = 16;
const SOCK_DGRAM_CLOEXEC = 2 | 0x80000;
const MSG_DONTWAIT = 0x40;
const MSG_WAITFORONE = 0x10000;
const SHUT_RDWR = 2;
/** Batches taken on the event loop's own thread before one goes through Deno's pool. */
const SYNC_TURNS = 8;
const EMPTY = new Uint8Array(0);

/**
 * {@linkcode NetAdapter.bindUdp} on Deno through libc, or null where that
 * cannot be done (no libc, not Linux, no `--allow-ffi`, a host name rather
 * than an address, or the bind failed): the caller then binds with
 * `Deno.listenDatagram`, which also words the error.
 *
 * @param options where to bind, and the datagram handler
 * @returns the bound socket, or null
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindUdpLibc } from "./_udp_batch.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/") && Deno.build.os === "linux") {
 *   await using socket = bindUdpLibc({ hostname: "127.0.0.1", port: 0, onDatagram() {} });
 *   assert(socket && socket.addr.port > 0);
 * }
 * ```
 */
export function bindUdpLibc(options: BindUdpOptions): UdpSocket | null {
  const libc = udpLibc();
  const family = isIPv4(options.hostname) ? AF_INET : isIPv6(options.hostname) ? AF_INET6 : 0;
  if (!libc || family === 0) return null;
  const name = sockaddr(libc, family, options.hostname);
  const fd = name ? libc.socket(family, SOCK_DGRAM_CLOEXEC, 0) : -1;
  if (!name || fd < 0) return null;
  name[2] = options.port >> 8;
  name[3] = options.port & 0xff;
  const length = new Uint32Array([NAME_BYTES]);
  const bound = new Uint8Array(NAME_BYTES);
  if (
    libc.bind(fd, name, name.length) !== 0 ||
    libc.getsockname(fd, bound, new Uint8Array(length.buffer)) !== 0
  ) {
    libc.close(fd);
    return null;
  }
  // SO_RCVTIMEO 1 s: a receive returns at least that often, whatever happens.
  const second = new BigInt64Array([1n, 0n]);
  libc.setsockopt(fd, 1, 20, new Uint8Array(second.buffer), 16);
  const book = addressBook(libc, family);
  return _serve(libc, fd, book.read(bound, 0), options.onDatagram, book);
}

/** struct mmsghdr slots with their iovecs, sockaddrs and data, pointing into each other. */
interface Slots {
  msgs: Uint8Array;
  msgView: DataView;
  iovView: DataView;
  names: Uint8Array;
  data: Uint8Array;
}

function _slots(count: number, bytes: number): Slots {
  const msgs = new Uint8Array(MMSG * count);
  const iovs = new Uint8Array(IOV * count);
  const names = new Uint8Array(NAME_BYTES * count);
  const data = new Uint8Array(bytes * count);
  const msgView = new DataView(msgs.buffer);
  const iovView = new DataView(iovs.buffer);
  const at = (a: Uint8Array) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));
  const [namesAt, iovsAt, dataAt] = [at(names), at(iovs), at(data)];
  for (let i = 0; i < count; i++) {
    iovView.setBigUint64(IOV * i, dataAt + BigInt(bytes * i), true);
    iovView.setBigUint64(IOV * i + 8, BigInt(bytes), true);
    msgView.setBigUint64(MMSG * i, namesAt + BigInt(NAME_BYTES * i), true);
    msgView.setUint32(MMSG * i + 8, NAME_BYTES, true);
    msgView.setBigUint64(MMSG * i + 16, iovsAt + BigInt(IOV * i), true);
    msgView.setBigUint64(MMSG * i + 24, 1n, true);
  }
  // The views keep the arrays (and so the memory the pointers name) alive.
  return { msgs, msgView, iovView, names, data };
}

function _serve(
  libc: UdpLibc,
  fd: number,
  addr: NetAddr,
  onDatagram: BindUdpOptions["onDatagram"],
  book: ReturnType<typeof addressBook>,
): UdpSocket {
  const out = _slots(SEND_BATCH, SEND_BYTES);
  const state = { closed: false, delivering: false, queued: 0 };
  const flush = () => {
    for (let sent = 0; sent < state.queued;) {
      const n = libc.sendmmsg(
        fd,
        out.msgs.subarray(MMSG * sent),
        state.queued - sent,
        MSG_DONTWAIT,
      );
      // A datagram the kernel refuses (full buffer, unreachable) is dropped, as UDP does.
      sent += n > 0 ? n : 1;
    }
    state.queued = 0;
  };
  const socket: UdpSocket = {
    addr,
    send(bytes, to) {
      if (state.closed) return false;
      const slot = state.queued;
      const nameLength = book.write(out.names, NAME_BYTES * slot, to);
      if (nameLength === 0) return false;
      if (bytes.length > SEND_BYTES) {
        const name = out.names.slice(NAME_BYTES * slot, NAME_BYTES * slot + nameLength);
        return libc.sendto(fd, bytes, BigInt(bytes.length), MSG_DONTWAIT, name, nameLength) >= 0;
      }
      out.data.set(bytes, SEND_BYTES * slot);
      out.iovView.setBigUint64(IOV * slot + 8, BigInt(bytes.length), true);
      out.msgView.setUint32(MMSG * slot + 8, nameLength, true);
      if (++state.queued === SEND_BATCH || !state.delivering) flush();
      return true;
    },
    close() {
      if (state.closed) return;
      state.closed = true;
      libc.shutdown(fd, SHUT_RDWR); // wakes the waiting recvmmsg
    },
    [Symbol.asyncDispose]() {
      socket.close();
      return done;
    },
  };
  const deliver = (data: Uint8Array, from: NetAddr) => {
    try {
      onDatagram({ data, from }, socket);
    } catch {
      // A handler fault is one lost reply, never a dead server.
    }
  };
  const done = _receiveLoop(libc, fd, state, deliver, flush);
  return socket;
}

async function _receiveLoop(
  libc: UdpLibc,
  fd: number,
  state: { closed: boolean; delivering: boolean; queued: number },
  deliver: (data: Uint8Array, from: NetAddr) => void,
  flush: () => void,
): Promise<void> {
  const slots = _slots(RECV_BATCH, RECV_BYTES);
  const book = addressBook(libc, AF_INET6);
  let quickFailures = 0;
  let turns = 0;
  while (!state.closed) {
    for (let i = 0; i < RECV_BATCH; i++) slots.msgView.setUint32(MMSG * i + 8, NAME_BYTES, true);
    // What is already queued is taken on this thread; only an empty queue (or every
    // SYNC_TURNS-th batch, so timers and other sockets get their turn) waits on Deno's pool:
    // each hand-over to and from that thread costs two wake-ups.
    let count = ++turns % SYNC_TURNS === 0
      ? -1
      : libc.recvmmsgNow(fd, slots.msgs, RECV_BATCH, MSG_DONTWAIT, null);
    const started = performance.now();
    if (count <= 0) count = await libc.recvmmsg(fd, slots.msgs, RECV_BATCH, MSG_WAITFORONE, null);
    if (state.closed) break;
    if (count <= 0) {
      // A timeout is normal; an error at once, again and again, must not spin.
      quickFailures = performance.now() - started < 100 ? quickFailures + 1 : 0;
      if (quickFailures > 3) await new Promise((resolve) => setTimeout(resolve, 10));
      continue;
    }
    quickFailures = 0;
    state.delivering = true;
    for (let i = 0; i < count; i++) {
      const length = slots.msgView.getUint32(MMSG * i + 56, true);
      const at = RECV_BYTES * i;
      const data = length === 0 ? EMPTY : slabCopy(slots.data.subarray(at, at + length));
      deliver(data, book.read(slots.names, NAME_BYTES * i));
    }
    state.delivering = false;
    if (state.queued > 0) flush();
  }
  libc.close(fd);
}
