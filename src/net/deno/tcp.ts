/**
 * TCP on Deno: `Deno.listen` and `Deno.connect`.
 *
 * @module
 */
import type { ConnectTcpOptions, Listener, ListenTcpOptions, TcpConn } from "../types.ts";
import { NetError } from "../errors.ts";
import { closable, delay } from "../_shared.ts";
import { toAddr } from "./_addr.ts";
import { DenoTcpConn } from "./_tcp_conn.ts";
import { toNetError } from "./to_net_error.ts";

/**
 * {@linkcode NetAdapter.listenTcp} on Deno.
 *
 * @param options where to listen, and what to do with each connection
 * @returns the listener
 * @throws {NetError} EADDRINUSE, EACCES, EADDRNOTAVAIL…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenTcp } from "./tcp.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   await using listener = listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 *   assert(listener.addr.port > 0);
 * }
 * ```
 */
export function listenTcp(options: ListenTcpOptions): Listener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: options.hostname, port: options.port });
  } catch (error) {
    throw toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`);
  }
  const closer = closable(() => listener.close());
  const handle = async (conn: Deno.TcpConn) => {
    let wrapped: DenoTcpConn | undefined;
    try {
      wrapped = new DenoTcpConn(conn);
      await options.onConnection(wrapped);
    } catch {
      // One bad connection must never take the listener down.
      if (wrapped) wrapped.close();
      else {
        try {
          conn.close();
        } catch { /* already gone */ }
      }
    }
  };
  (async () => {
    while (!closer.closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closer.closed || error instanceof Deno.errors.BadResource) return;
        // A client that reset before accept() (ENOTCONN, ECONNABORTED) costs
        // nothing: accept the next at once. Only when descriptors or buffers
        // run out (EMFILE, ENFILE, ENOBUFS, ENOMEM) back off instead of spinning.
        if (/os error (24|23|105|12)\)/.test(String((error as Error)?.message))) await delay(20);
        continue;
      }
      handle(conn);
    }
  })();
  return {
    addr: toAddr(listener.addr, "tcp"),
    close: closer.close,
    [Symbol.asyncDispose]: closer[Symbol.asyncDispose],
  };
}

/**
 * {@linkcode NetAdapter.connectTcp} on Deno.
 *
 * @param options where to connect, and an abort signal
 * @returns the connection
 * @throws {NetError} ECONNREFUSED, ENOTFOUND, EABORTED…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connectTcp, listenTcp } from "./tcp.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   await using listener = listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 *   await using conn = await connectTcp({ hostname: "127.0.0.1", port: listener.addr.port });
 *   assert((await conn.read()) === null);
 * }
 * ```
 */
export async function connectTcp(options: ConnectTcpOptions): Promise<TcpConn> {
  try {
    const conn = await Deno.connect({
      hostname: options.hostname,
      port: options.port,
      signal: options.signal,
    });
    return new DenoTcpConn(conn);
  } catch (error) {
    if (options.signal?.aborted) {
      throw new NetError("EABORTED", "Connection attempt aborted", { cause: error });
    }
    throw toNetError(error, `Cannot connect to ${options.hostname}:${options.port}`);
  }
}
