/**
 * The adapter on Bun's native APIs: `Bun.listen`, `Bun.connect`,
 * `Bun.udpSocket`, `Bun.serve` and `Bun.dns`. The only file that may touch
 * `Bun.*`. Bun's callback-style sockets become promises here, never in callers.
 *
 * @module
 */
import process from "node:process";
import { open as openForRead, readdir, readFile, realpath, stat } from "node:fs/promises";
import type {
  BindUdpOptions,
  ConnectTcpOptions,
  FetchExtras,
  FileBodyOptions,
  FileSystem,
  HttpServer,
  Listener,
  ListenTcpOptions,
  NetAdapter,
  NetAddr,
  ResolvedAddress,
  ServeHttpOptions,
  SignalName,
  TcpConn,
  UdpSocket,
} from "./types.ts";
import { NetError } from "./errors.ts";
import { unmapAddress } from "./ip.ts";
import {
  ChunkQueue,
  CLOCK_REALTIME,
  clockSetError,
  errnoFunction,
  libcPaths,
  noClockSetter,
  raceWithTimeout,
  timespec,
  toNetError,
  withIdentityEncoding,
} from "./_shared.ts";
import type { BunApi, BunFfi, BunSocket, BunSocketHandlers, BunUdpSocket } from "./_bun_api.ts";

declare const Bun: BunApi;

/** Per-socket state behind a Bun socket: the reader queue and pending writes. */
class BunTcpConn implements TcpConn {
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

function listenTcp(options: ListenTcpOptions): Listener {
  let local: NetAddr = { transport: "tcp", hostname: options.hostname, port: options.port };
  let listener;
  try {
    listener = Bun.listen<BunTcpConn>({
      hostname: options.hostname,
      port: options.port,
      binaryType: "uint8array",
      socket: {
        ...connHandlers(),
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
      },
    });
  } catch (error) {
    throw toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`);
  }
  local = { transport: "tcp", hostname: unmapAddress(listener.hostname), port: listener.port };
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      listener.stop(false);
    } catch { /* already stopped */ }
  };
  return {
    addr: local,
    close,
    [Symbol.asyncDispose]() {
      close();
      return Promise.resolve();
    },
  };
}

async function connectTcp(options: ConnectTcpOptions): Promise<TcpConn> {
  const local: NetAddr = { transport: "tcp", hostname: "", port: 0 };
  const signal = options.signal;
  if (signal?.aborted) throw new NetError("EABORTED", "Connection attempt aborted");
  const connecting = Bun.connect<BunTcpConn>({
    hostname: options.hostname,
    port: options.port,
    binaryType: "uint8array",
    socket: {
      ...connHandlers(),
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
    },
  });
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

async function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  let native: BunUdpSocket;
  // The wrapper is built after binding; datagrams before that have no handler yet.
  const bound: { socket?: UdpSocket } = {};
  try {
    native = await Bun.udpSocket({
      hostname: options.hostname,
      port: options.port,
      binaryType: "uint8array",
      socket: {
        data(_native, data, port, address) {
          if (!bound.socket) return;
          try {
            options.onDatagram({
              data,
              from: { transport: "udp", hostname: unmapAddress(address), port },
            }, bound.socket);
          } catch {
            // A handler fault is one lost reply, never a dead server.
          }
        },
        error() {
          // ICMP "port unreachable" for an earlier send arrives here as
          // ECONNREFUSED; the socket stays usable, nothing to do.
        },
      },
    });
  } catch (error) {
    throw toNetError(error, `Cannot bind UDP ${options.hostname}:${options.port}`);
  }
  let closed = false;
  const socket: UdpSocket = {
    addr: { transport: "udp", hostname: unmapAddress(native.hostname), port: native.port },
    send(bytes, to) {
      if (closed) return false;
      // After an ICMP "port unreachable" for an earlier datagram, the next
      // send throws ECONNREFUSED synchronously, whoever it is for. The throw
      // consumes the pending error, so one retry delivers this datagram.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          return native.send(bytes, to.port, to.hostname);
        } catch {
          // fall through to the retry
        }
      }
      return false;
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        native.close();
      } catch { /* already closed */ }
    },
    [Symbol.asyncDispose]() {
      socket.close();
      return Promise.resolve();
    },
  };
  bound.socket = socket;
  return socket;
}

function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  let server;
  try {
    // Bun.serve binds with SO_REUSEPORT, so it would quietly share a port
    // another Bun server holds (and the kernel would split the clients).
    // Bun.listen does not: a probe bind turns that into EADDRINUSE.
    if (options.port !== 0) {
      Bun.listen({ hostname: options.hostname, port: options.port, socket: { data() {} } })
        .stop(true);
    }
    server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      // The default (development unless NODE_ENV=production) leaks stack traces.
      development: false,
      ...(options.tls ? { tls: options.tls } : {}),
      fetch(request, srv) {
        const ip = srv.requestIP(request);
        return options.handler(request, {
          remoteAddr: {
            transport: "tcp",
            hostname: unmapAddress(ip?.address ?? ""),
            port: ip?.port ?? 0,
          },
        });
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

async function fileBody(path: string, options: FileBodyOptions): Promise<BodyInit> {
  const file = Bun.file(path);
  // Bun.file is lazy: open now, so a vanished or unreadable file fails here
  // (and becomes a 404/403) rather than after the status line went out.
  const probe = await openForRead(path);
  await probe.close();
  const whole = options.start === 0 && options.end === options.size - 1;
  if (whole && options.ignoresRange) return file.stream();
  return whole ? file : file.slice(options.start, options.end + 1);
}

/** Bun implements node:fs natively; it is its fastest file API for metadata. */
const fs: FileSystem = {
  async stat(path) {
    const info = await stat(path);
    return {
      isFile: info.isFile(),
      isDirectory: info.isDirectory(),
      size: info.size,
      mtimeMs: info.mtimeMs,
      dev: info.dev,
      ino: info.ino,
    };
  },
  realPath: (path) => realpath(path),
  readDir: (path) => readdir(path),
  readFile: async (path) => new Uint8Array(await readFile(path)),
};

async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  try {
    const found = await Bun.dns.lookup(hostname);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (error) {
    throw new NetError("ENOTFOUND", `Cannot resolve ${hostname}`, { cause: error });
  }
}

function onSignal(signals: SignalName[], handler: (signal: SignalName) => void): () => void {
  // Bun has no signal API of its own; node:process is its native one.
  const listeners = signals.map((signal) => {
    const listener = () => handler(signal);
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

function bunFetch(url: URL, init: RequestInit, extras: FetchExtras = {}): Promise<Response> {
  // Bun's own fetch options: `decompress` and `tls` (ignored by new Request()).
  const bunInit: RequestInit & { decompress?: boolean; tls?: { rejectUnauthorized: boolean } } =
    extras.decompress === false
      ? { ...withIdentityEncoding(init), decompress: false }
      : { ...init };
  if (extras.insecure) bunInit.tls = { rejectUnauthorized: false };
  return fetch(url, bunInit);
}

async function setSystemClock(ms: number): Promise<void> {
  if (process.platform === "win32") throw noClockSetter("not supported on Windows");
  // A specifier in a variable: deno check and Deno's loader never see "bun:",
  // and bun build --compile still embeds the built-in.
  const specifier = "bun:ffi";
  const ffi = (await import(specifier)) as BunFfi;
  const errnoName = errnoFunction(process.platform);
  const symbols = {
    clock_settime: { args: [ffi.FFIType.i32, ffi.FFIType.ptr], returns: ffi.FFIType.i32 },
    [errnoName]: { args: [], returns: ffi.FFIType.ptr },
  };
  let lib: ReturnType<BunFfi["dlopen"]> | undefined;
  let lastError: unknown;
  for (const path of libcPaths(process.platform, process.arch)) {
    try {
      lib = ffi.dlopen(path, symbols);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!lib) {
    const detail = lastError instanceof Error ? lastError.message : String(lastError);
    throw noClockSetter(`cannot open libc: ${detail}`);
  }
  try {
    if (lib.symbols.clock_settime(CLOCK_REALTIME, timespec(ms)) === 0) return;
    // Read at once: nothing else runs on this thread between the call and here.
    const where = lib.symbols[errnoName]();
    throw clockSetError(where ? ffi.read.i32(where, 0) : -1);
  } finally {
    lib.close();
  }
}

/** The {@linkcode NetAdapter} for Bun. */
export const bunAdapter: NetAdapter = {
  runtime: "bun",
  get runtimeVersion() {
    return Bun.version;
  },
  listenTcp,
  connectTcp,
  bindUdp,
  serveHttp,
  fileBody,
  fs,
  resolve,
  onSignal,
  fetch: bunFetch,
  insecureTls: true,
  setSystemClock,
};
