/**
 * TCP on Bun: `Bun.listen` and `Bun.connect`.
 *
 * @module
 */
import type { ConnectTcpOptions, Listener, ListenTcpOptions, NetAddr, TcpConn } from "../types.ts";
import { NetError } from "../errors.ts";
import { unmapAddress } from "../ip.ts";
import { closable } from "../_shared.ts";
import type { BunApi } from "./_api.ts";
import { BunTcpConn, socketOptions } from "./_tcp_conn.ts";
import { toNetError } from "./to_net_error.ts";

declare const Bun: BunApi;

/**
 * {@linkcode NetAdapter.listenTcp} on Bun.
 *
 * @param options where to listen, and what to do with each connection
 * @returns the listener
 * @throws {NetError} EADDRINUSE, EACCES, EADDRNOTAVAIL…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenTcp } from "./tcp.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   await using listener = listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 *   assert(listener.addr.port > 0);
 * }
 * ```
 */
export function listenTcp(options: ListenTcpOptions): Listener {
  let local: NetAddr = { transport: "tcp", hostname: options.hostname, port: options.port };
  let listener;
  try {
    listener = Bun.listen<BunTcpConn>(socketOptions(options, {
      open(socket) {
        let conn: BunTcpConn | undefined;
        try {
          conn = new BunTcpConn(socket, local);
          socket.data = conn;
          Promise.resolve(options.onConnection(conn)).catch(() => conn?.close());
        } catch {
          // One bad connection must never take the listener down.
          conn?.close();
        }
      },
    }));
  } catch (error) {
    throw toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`);
  }
  local = { transport: "tcp", hostname: unmapAddress(listener.hostname), port: listener.port };
  const handle = closable(() => listener.stop(false));
  return { addr: local, close: handle.close, [Symbol.asyncDispose]: handle[Symbol.asyncDispose] };
}

/**
 * {@linkcode NetAdapter.connectTcp} on Bun.
 *
 * @param options where to connect, and an abort signal
 * @returns the connection
 * @throws {NetError} ECONNREFUSED, ENOTFOUND, EABORTED…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTcp, listenTcp } from "./tcp.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   await using listener = listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 *   await using conn = await connectTcp({ hostname: "127.0.0.1", port: listener.addr.port });
 *   assert((await conn.read()) === null);
 * }
 * ```
 */
export async function connectTcp(options: ConnectTcpOptions): Promise<TcpConn> {
  const local: NetAddr = { transport: "tcp", hostname: "", port: 0 };
  const signal = options.signal;
  if (signal?.aborted) throw new NetError("EABORTED", "Connection attempt aborted");
  const connecting = Bun.connect<BunTcpConn>(socketOptions(options, {
    open(socket) {
      socket.data = new BunTcpConn(socket, {
        ...local,
        hostname: unmapAddress(socket.localAddress ?? ""),
        port: socket.localPort,
      });
    },
    connectError() {
      // Reported through the rejected promise below.
    },
  }));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new NetError("EABORTED", "Connection attempt aborted"));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const socket = await Promise.race([connecting, aborted]);
    return socket.data;
  } catch (error) {
    // A connection that completes after the abort is closed, not leaked.
    connecting.then((s) => s.terminate(), () => {});
    throw error instanceof NetError
      ? error
      : toNetError(error, `Cannot connect to ${options.hostname}:${options.port}`);
  } finally {
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
