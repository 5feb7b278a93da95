/**
 * A `Deno.TcpConn` as the contract's {@linkcode TcpConn}. Private to `src/net/deno`.
 *
 * @module
 */
import type { NetAddr, TcpConn } from "../types.ts";
import { toAddr } from "./_addr.ts";
import { toNetError } from "./to_net_error.ts";

/**
 * A Deno TCP connection behind the contract: reads into one lazily made buffer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoTcpConn } from "./_tcp_conn.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 *   const accepted = listener.accept();
 *   const conn = new DenoTcpConn(await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }));
 *   (await accepted).close();
 *   assert((await conn.read()) === null);
 *   conn.close();
 * }
 * ```
 */
export class DenoTcpConn implements TcpConn {
  #conn: Deno.TcpConn;
  // Allocated on first read: a time server accepts ~20k connections a second
  // and reads none of them.
  #buffer: Uint8Array | undefined;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  get localAddr(): NetAddr {
    return toAddr(this.#conn.localAddr, "tcp");
  }

  get remoteAddr(): NetAddr {
    return toAddr(this.#conn.remoteAddr, "tcp");
  }

  async read(): Promise<Uint8Array | null> {
    try {
      this.#buffer ??= new Uint8Array(16 * 1024);
      const n = await this.#conn.read(this.#buffer);
      return n === null ? null : this.#buffer.slice(0, n);
    } catch (error) {
      if (this.#closed) return null;
      throw toNetError(error, "Cannot read");
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    try {
      while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
    } catch (error) {
      throw toNetError(error, "Cannot write");
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer or the runtime: nothing left to release.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
