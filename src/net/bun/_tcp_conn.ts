/**
 * A Bun socket as the contract's {@linkcode TcpConn}: its callbacks feed a
 * queue that `read()` awaits. Private to `src/net/bun`.
 *
 * @module
 */
import type { HostPort, NetAddr, TcpConn } from "../types.ts";
import { NetError } from "../errors.ts";
import { unmapAddress } from "../ip.ts";
import type { BunSocket, BunSocketHandlers } from "./_api.ts";
import { ChunkQueue } from "./_chunk_queue.ts";
import { toNetError } from "./to_net_error.ts";

/**
 * Per-socket state behind a Bun socket: the reader queue and pending writes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BunTcpConn } from "./_tcp_conn.ts";
 *
 * // Only the socket methods BunTcpConn calls, as a stand-in.
 * const socket = { data: undefined, remoteAddress: "::ffff:127.0.0.1", remotePort: 9, localPort: 1 };
 * const conn = new BunTcpConn(
 *   { ...socket, write: (b: Uint8Array) => b.length, end: () => 0, terminate() {}, timeout() {} } as never,
 *   { transport: "tcp", hostname: "127.0.0.1", port: 1 },
 * );
 * assert(conn.remoteAddr.hostname === "127.0.0.1");
 * conn.queue.end();
 * assert((await conn.read()) === null);
 * ```
 */
export class BunTcpConn implements TcpConn {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  readonly queue = new ChunkQueue();
  #socket: BunSocket<BunTcpConn>;
  #drained: (() => void) | null = null;
  #closed = false;

  constructor(socket: BunSocket<BunTcpConn>, local: NetAddr) {
    this.#socket = socket;
    this.localAddr = local;
    this.remoteAddr = {
      transport: "tcp",
      hostname: unmapAddress(socket.remoteAddress),
      port: socket.remotePort,
    };
  }

  read(): Promise<Uint8Array | null> {
    return this.queue.read();
  }

  async write(bytes: Uint8Array): Promise<void> {
    // Bun does not buffer: write() takes what the kernel accepts, we keep the rest.
    let rest = bytes;
    while (rest.length > 0) {
      if (this.#closed) throw new NetError("ECONNRESET", "Cannot write: connection closed");
      const n = this.#socket.write(rest);
      if (n < 0) throw new NetError("ECONNRESET", "Cannot write: connection closed");
      rest = rest.subarray(n);
      if (rest.length > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
    }
  }

  /** Called by the socket handlers. */
  onDrain(): void {
    const drained = this.#drained;
    this.#drained = null;
    drained?.();
  }

  /** Called by the socket handlers when the socket is gone. */
  onClose(error?: unknown): void {
    this.#closed = true;
    this.queue.end(error ? toNetError(error, "Connection failed") : undefined);
    this.onDrain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#socket.end();
    } catch { /* already closed */ }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** Handlers shared by accepted and outgoing sockets; each guards against throws. */
function connHandlers(): BunSocketHandlers<BunTcpConn> {
  return {
    data(socket, chunk) {
      socket.data?.queue.push(chunk);
    },
    drain(socket) {
      socket.data?.onDrain();
    },
    end(socket) {
      socket.data?.queue.end();
    },
    close(socket, error) {
      socket.data?.onClose(error);
    },
    error(socket, error) {
      socket.data?.onClose(error);
    },
  };
}

/**
 * The options of `Bun.listen` and `Bun.connect` for a socket behind a
 * {@linkcode BunTcpConn}: the shared handlers plus `handlers` (open…).
 *
 * @param where the host and port
 * @param handlers the handlers the caller adds
 * @returns the options
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { socketOptions } from "./_tcp_conn.ts";
 *
 * const options = socketOptions({ hostname: "127.0.0.1", port: 0 }, { open() {} });
 * assert(options.binaryType === "uint8array" && typeof options.socket.data === "function");
 * ```
 */
export function socketOptions(
  where: HostPort,
  handlers: BunSocketHandlers<BunTcpConn>,
): {
  hostname: string;
  port: number;
  binaryType: "uint8array";
  socket: BunSocketHandlers<BunTcpConn>;
} {
  return {
    hostname: where.hostname,
    port: where.port,
    binaryType: "uint8array",
    socket: { ...connHandlers(), ...handlers },
  };
}
