/**
 * The HTTP server on Bun: `Bun.serve`.
 *
 * @module
 */
import type { HttpServer, NetAddr, ServeHttpOptions } from "../types.ts";
import { unmapAddress } from "../ip.ts";
import { raceWithTimeout } from "../_shared.ts";
import type { BunApi } from "./_api.ts";
import { toNetError } from "./to_net_error.ts";

declare const Bun: BunApi;

/**
 * {@linkcode NetAdapter.serveHttp} on Bun.
 *
 * @param options where to listen, the handler, and TLS
 * @returns the running server
 * @throws {NetError} EADDRINUSE, EACCES…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveHttp } from "./http.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
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
  let server;
  try {
    // Bun.serve binds with SO_REUSEPORT, so it would quietly share a port
    // another Bun server holds (and the kernel would split the clients).
    // Bun.listen does not: a probe bind turns that into EADDRINUSE.
    if (options.port !== 0 && !options.reusePort) {
      Bun.listen({ hostname: options.hostname, port: options.port, socket: { data() {} } })
        .stop(true);
    }
    server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      reusePort: options.reusePort ?? false,
      // The default (development unless NODE_ENV=production) leaks stack traces.
      development: false,
      // Bun refuses bodies over 128 MiB by itself; the handler sets netkit's
      // own limit (serve-http --max-upload), so Bun's must not get in first.
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      ...(options.tls ? { tls: options.tls } : {}),
      async fetch(request, srv) {
        // Asked for only when the handler looks (the access log, --auth):
        // requestIP() took ~10 % of a 1 KiB request's CPU (bun --cpu-prof).
        let remoteAddr: NetAddr | undefined;
        const response = await options.handler(request, {
          get remoteAddr() {
            if (!remoteAddr) {
              const ip = srv.requestIP(request);
              const hostname = unmapAddress(ip?.address ?? "");
              remoteAddr = { transport: "tcp", hostname, port: ip?.port ?? 0 };
            }
            return remoteAddr;
          },
        });
        return request.method === "HEAD" ? _withDate(response) : response;
      },
      error: () => new Response("Internal Server Error", { status: 500 }),
    });
  } catch (error) {
    return Promise.reject(
      toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`),
    );
  }
  const shutdown = async (graceMs = 5000) => {
    // stop() waits for in-flight requests (and for half-sent heads until
    // idleTimeout); stop(true) then closes whatever is left.
    if (!(await raceWithTimeout(server.stop(false), graceMs))) await server.stop(true);
  };
  return Promise.resolve({
    addr: { transport: "tcp", hostname: unmapAddress(server.hostname), port: server.port },
    shutdown,
    [Symbol.asyncDispose]: () => shutdown(0),
  });
}

/**
 * Bun.serve stamps GET responses with a Date but not HEAD ones; RFC 9110
 * §6.6.1 wants it on both (and HTTP time clients read it from HEAD).
 */
function _withDate(response: Response): Response {
  if (response.headers.has("date")) return response;
  try {
    response.headers.set("date", new Date().toUTCString());
    return response;
  } catch {
    // Immutable headers (a Response.redirect, a fetched response): copy them.
    const headers = new Headers(response.headers);
    headers.set("date", new Date().toUTCString());
    const { status, statusText } = response;
    return new Response(response.body, { status, statusText, headers });
  }
}
