/**
 * UDP on Deno in batches through libc, on the socket `Deno.listenDatagram`
 * bound: Deno's own `receive()` waits for a datagram, then nonblocking
 * `recvmmsg` calls take what else is queued, up to {@linkcode RECV_BATCH}
 * at a time, and the replies the handler sends while a batch is delivered
 * leave in one `sendmmsg` (`MSG_DONTWAIT`: a full kernel buffer drops a
 * datagram, it never blocks the event loop).
 *
 * Every call is made on the event loop's thread. A wait on a thread of
 * Deno's pool (a nonblocking FFI `recvmmsg`) was tried first: on a busy
 * machine the hand-over there and back took 10 to 70 ms, and meanwhile
 * nothing read the socket, so its buffer (~270 small datagrams by default)
 * overflowed and a request after a flood was lost; Deno's `receive()` is
 * woken by the same epoll as the rest of the event loop.
 *
 * Memory the kernel writes into is held by the socket's own closures, and
 * no call is made on the descriptor once `close()` has closed the conn
 * (the number may then belong to another file).
 *
 * @module
 */
import type { Datagram, NetAddr, UdpSocket } from "../types.ts";
import { setImmediate } from "node:timers";
import { toAddr } from "./_addr.ts";
import { slabCopy } from "./_slab_copy.ts";
import { addressBook, AF_INET, AF_INET6, datagramFd, NAME_BYTES, udpLibc } from "./_udp_libc.ts";
import type { UdpLibc } from "./_udp_libc.ts";
import { receiveDatagram } from "./_udp_datagram_conn.ts";

/** Datagrams one `recvmmsg` may bring, each into 64 KiB (the largest UDP payload fits). */
const RECV_BATCH = 32;
const RECV_BYTES = 65536;
/** Replies gathered for one `sendmmsg`; larger ones go alone with `sendto`. */
const SEND_BATCH = 64;
const SEND_BYTES = 2048;
/** Linux LP64 layouts: struct mmsghdr 64 bytes (msghdr 56, msg_len at 56), iovec 16. */
const MMSG = 64;
const IOV = 16;
const MSG_DONTWAIT = 0x40;
/** Full batches taken in a row before timers and other sockets get a turn. */
const SYNC_TURNS = 8;
const EMPTY = new Uint8Array(0);

/**
 * Serves `onDatagram` on a bound `Deno.DatagramConn` in batches through
 * libc, or null where that cannot be done (no libc, not Linux, no
 * `--allow-ffi`, or its descriptor cannot be found): the caller then serves
 * it with {@linkcode serveDatagramConn}.
 *
 * @param conn the bound socket, closed by the returned socket's `close()`
 * @param onDatagram the datagram handler
 * @returns the socket, or null
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveInBatches } from "./_udp_batch.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/") && Deno.build.os === "linux") {
 *   const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
 *   await using socket = serveInBatches(conn, () => {});
 *   assert(socket && socket.addr.port === (conn.addr as Deno.NetAddr).port);
 * }
 * ```
 */
export function serveInBatches(
  conn: Deno.DatagramConn,
  onDatagram: (datagram: Datagram, socket: UdpSocket) => void,
): UdpSocket | null {
  const libc = udpLibc();
  const bound = conn.addr as Deno.NetAddr;
  const fd = libc ? datagramFd(libc, bound.hostname, bound.port) : -1;
  if (!libc || fd < 0) return null;
  const book = addressBook(libc, bound.hostname.includes(":") ? AF_INET6 : AF_INET);
  return _serve(libc, fd, conn, onDatagram, book);
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
  conn: Deno.DatagramConn,
  onDatagram: (datagram: Datagram, socket: UdpSocket) => void,
  book: ReturnType<typeof addressBook>,
): UdpSocket {
  const out = _slots(SEND_BATCH, SEND_BYTES);
  const state = { closed: false, delivering: false, queued: 0 };
  const flush = () => {
    for (let sent = 0; sent < state.queued && !state.closed;) {
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
    addr: toAddr(conn.addr, "udp"),
    send(bytes, to) {
      if (state.closed) return false;
      const slot = state.queued;
      const nameLength = book.write(out.names, NAME_BYTES * slot, to);
      if (nameLength === 0) return false;
      if (bytes.length > SEND_BYTES) {
        const name = out.names.slice(NAME_BYTES * slot, NAME_BYTES * slot + nameLength);
        if (state.queued > 0) flush(); // the replies queued before it leave first
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
      try {
        conn.close(); // ends the waiting receive
      } catch { /* already closed */ }
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
  const done = _receiveLoop(libc, fd, conn, state, deliver, flush);
  return socket;
}

async function _receiveLoop(
  libc: UdpLibc,
  fd: number,
  conn: Deno.DatagramConn,
  state: { closed: boolean; delivering: boolean; queued: number },
  deliver: (data: Uint8Array, from: NetAddr) => void,
  flush: () => void,
): Promise<void> {
  const first = new Uint8Array(RECV_BYTES);
  const slots = _slots(RECV_BATCH, RECV_BYTES);
  const book = addressBook(libc, AF_INET6);
  while (!state.closed) {
    const received = await receiveDatagram(conn, first, () => state.closed);
    if (!received) break;
    const [data, from] = received;
    state.delivering = true;
    deliver(data.length === 0 ? EMPTY : slabCopy(data), toAddr(from, "udp"));
    // The rest of the queue, a batch a call; the first reply leaves with the first batch's.
    let count = RECV_BATCH;
    for (let turn = 0; turn < SYNC_TURNS && count === RECV_BATCH && !state.closed; turn++) {
      for (let i = 0; i < RECV_BATCH; i++) slots.msgView.setUint32(MMSG * i + 8, NAME_BYTES, true);
      count = libc.recvmmsg(fd, slots.msgs, RECV_BATCH, MSG_DONTWAIT, null);
      for (let i = 0; i < count; i++) {
        const length = slots.msgView.getUint32(MMSG * i + 56, true);
        const at = RECV_BYTES * i;
        const data = length === 0 ? EMPTY : slabCopy(slots.data.subarray(at, at + length));
        deliver(data, book.read(slots.names, NAME_BYTES * i));
      }
      if (state.queued > 0) flush();
    }
    state.delivering = false;
    if (state.queued > 0) flush();
    // Still full after SYNC_TURNS batches: timers and other sockets first, then the rest
    // (a resolved receive() may not give them that turn).
    if (count === RECV_BATCH) await new Promise((resolve) => setImmediate(resolve));
  }
}
