/**
 * A small HTTP server for in-process tests of `get`, on 127.0.0.1 port 0:
 * each test gives its own handler, and disposes of the server with `await using`.
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT` */
  base: string;
  /** Request heads seen, in order. */
  seen: http.IncomingHttpHeaders[];
}

/** Starts `handler` on 127.0.0.1, port 0. */
export async function startServer(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<TestServer> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.headers);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
