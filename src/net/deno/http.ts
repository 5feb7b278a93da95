/**
 * The HTTP server on Deno: `Deno.serve`.
 *
 * @module
 */
import type { HttpServer, ServeHttpOptions } from "../types.ts";
import { raceWithTimeout } from "../_shared.ts";
import { toAddr } from "./_addr.ts";
import { toNetError } from "./to_net_error.ts";

/**
 * {@linkcode NetAdapter.serveHttp} on Deno.
 *
 * @param options where to listen, the handler, and TLS
 * @returns the running server
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveHttp } from "./http.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   await using server = await serveHttp({
 *     hostname: "127.0.0.1",
 *     port: 0,
 *     handler: () => new Response("hi"),
 *   });
 *   const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
 *   assert((await response.text()) === "hi");
 * }
 * ```
 */
export function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort ?? false,
      signal: abort.signal,
      onListen() {},
      ...(options.tls ? { cert: options.tls.cert, key: options.tls.key } : {}),
      handler: (request, info) =>
        options.handler(request, { remoteAddr: toAddr(info.remoteAddr, "tcp") }),
      onError: () => new Response("Internal Server Error", { status: 500 }),
    });
  } catch (error) {
    return Promise.reject(
      toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`),
    );
  }
  const shutdown = async (graceMs = 5000) => {
    // Deno's shutdown() drains in-flight requests; the abort then closes the
    // rest. Aborting after a finished drain throws BadResource, so only then.
    const drained = await raceWithTimeout(server.shutdown(), graceMs);
    if (!drained) abort.abort();
    await server.finished;
  };
  return Promise.resolve({
    addr: toAddr(server.addr, "tcp"),
    shutdown,
    [Symbol.asyncDispose]: () => shutdown(0),
  });
}
