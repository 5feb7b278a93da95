/**
 * A byte-range server for in-process tests of `get --split` and `-N`, on
 * 127.0.0.1 port 0: it serves one body with ETag and Last-Modified,
 * honours Range and If-Range (RFC 9110 §14.2, §13.1.5) and If-None-Match /
 * If-Modified-Since (§13.1.2, §13.1.3), and counts connections and requests
 * in flight. A test changes its behaviour through the returned object.
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Buffer } from "node:buffer";

/** A running range server and the knobs a test turns. */
export interface RangeServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/file` */
  url: string;
  /** The body it serves now; replace it (with a new `etag`) to change the file. */
  body: Uint8Array;
  etag: string;
  lastModified: string;
  /** Whether Range is honoured (else every GET gets the whole body, still saying Accept-Ranges). */
  ranges: boolean;
  /** Whether responses say `Accept-Ranges: bytes`. */
  acceptRanges: boolean;
  /** Answer this many range requests with 429 (Retry-After: 0) first. */
  busy: number;
  /** Called for each request before it is answered; may replace the body (a change mid-download). */
  onRequest?: (request: http.IncomingMessage, count: number) => void;
  /** Stop a range response after this many bytes (then destroy the socket); undefined: never. */
  cutAfter?: number;
  /** Bytes per 10 ms for each response (a slow link), undefined: as fast as possible. */
  rate?: number;
  /** Request heads seen, in order. */
  seen: http.IncomingHttpHeaders[];
  /** The most connections open at once, and the most requests in flight at once. */
  peakConnections: number;
  peakRequests: number;
}

/** Starts a range server on 127.0.0.1:0 serving `body`. */
export async function startRangeServer(body: Uint8Array): Promise<RangeServer> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const state: RangeServer = {
    url: "",
    body,
    etag: '"v1"',
    lastModified: "Tue, 01 Dec 2026 10:00:00 GMT",
    ranges: true,
    acceptRanges: true,
    busy: 0,
    seen: [],
    peakConnections: 0,
    peakRequests: 0,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((request, response) => {
    state.seen.push(request.headers);
    state.onRequest?.(request, state.seen.length);
    state.peakRequests = Math.max(state.peakRequests, ++requests);
    response.on("close", () => requests--);
    answer(state, request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    state.peakConnections = Math.max(state.peakConnections, ++connections);
    socket.on("close", () => {
      connections--;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;
  return state;
}

function answer(state: RangeServer, request: http.IncomingMessage, response: http.ServerResponse) {
  const { body, etag, lastModified } = state;
  const headers: Record<string, string> = { etag, "last-modified": lastModified };
  if (state.acceptRanges) headers["accept-ranges"] = "bytes";
  const inm = request.headers["if-none-match"];
  const ims = request.headers["if-modified-since"];
  if (inm !== undefined ? inm === etag : ims !== undefined && ims === lastModified) {
    response.writeHead(304, headers).end();
    return;
  }
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
  const ifRange = request.headers["if-range"];
  const rangeApplies = state.ranges && range &&
    (ifRange === undefined || ifRange === etag || ifRange === lastModified);
  if (range && state.busy > 0) {
    state.busy--;
    response.writeHead(429, { "retry-after": "0", "content-length": "0" }).end();
    return;
  }
  if (!rangeApplies) {
    response.writeHead(200, { ...headers, "content-length": String(body.length) });
    send(state, response, body);
    return;
  }
  const start = Number(range[1]);
  const end = range[2] === "" ? body.length - 1 : Math.min(Number(range[2]), body.length - 1);
  response.writeHead(206, {
    ...headers,
    "content-range": `bytes ${start}-${end}/${body.length}`,
    "content-length": String(end - start + 1),
  });
  const slice = body.subarray(start, end + 1);
  send(state, response, state.cutAfter === undefined ? slice : slice.subarray(0, state.cutAfter));
}

/** Writes `bytes` at the server's rate; a cut body ends by destroying the socket. */
function send(state: RangeServer, response: http.ServerResponse, bytes: Uint8Array) {
  const whole = response.getHeader("content-length") === String(bytes.length);
  let at = 0;
  const step = () => {
    if (response.destroyed) return;
    const n = state.rate ?? bytes.length;
    const chunk = bytes.subarray(at, at + n);
    at += chunk.length;
    const last = at >= bytes.length;
    if (!last) {
      response.write(Buffer.from(chunk));
      setTimeout(step, 10);
    } else if (whole) response.end(Buffer.from(chunk));
    else response.write(Buffer.from(chunk), () => response.destroy());
  };
  step();
}
