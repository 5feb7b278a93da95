/**
 * The adapter on Deno's native APIs: `Deno.listen`, `Deno.connect`,
 * `Deno.listenDatagram` (needs `"unstable": ["net"]`, set in deno.json) and
 * `Deno.serve`. The only file that may touch `Deno.*`.
 *
 * @module
 */
import type {
  BindUdpOptions,
  ConnectTcpOptions,
  FetchExtras,
  FileBodyOptions,
  FileInfo,
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
  CLOCK_REALTIME,
  clockSetError,
  delay,
  errnoFunction,
  libcPaths,
  noClockSetter,
  raceWithTimeout,
  timespec,
  toNetError,
  withIdentityEncoding,
} from "./_shared.ts";

const EMPTY = new Uint8Array(0);
const ignore = () => {};

function toAddr(addr: Deno.Addr, transport: "tcp" | "udp"): NetAddr {
  const a = addr as Deno.NetAddr;
  return { transport, hostname: unmapAddress(a.hostname), port: a.port };
}

class DenoTcpConn implements TcpConn {
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

function listenTcp(options: ListenTcpOptions): Listener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: options.hostname, port: options.port });
  } catch (error) {
    throw toNetError(error, `Cannot listen on ${options.hostname}:${options.port}`);
  }
  let closed = false;
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
    while (!closed) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (closed || error instanceof Deno.errors.BadResource) return;
        // A client that reset before accept() (ENOTCONN, ECONNABORTED) costs
        // nothing: accept the next at once. Only when descriptors or buffers
        // run out (EMFILE, ENFILE, ENOBUFS, ENOMEM) back off instead of spinning.
        if (/os error (24|23|105|12)\)/.test(String((error as Error)?.message))) await delay(20);
        continue;
      }
      handle(conn);
    }
  })();
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      listener.close();
    } catch { /* already closed */ }
  };
  return {
    addr: toAddr(listener.addr, "tcp"),
    close,
    [Symbol.asyncDispose]() {
      close();
      return Promise.resolve();
    },
  };
}

async function connectTcp(options: ConnectTcpOptions): Promise<TcpConn> {
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

function bindUdp(options: BindUdpOptions): Promise<UdpSocket> {
  let conn: Deno.DatagramConn;
  try {
    conn = Deno.listenDatagram({
      transport: "udp",
      hostname: options.hostname,
      port: options.port,
    });
  } catch (error) {
    return Promise.reject(
      toNetError(error, `Cannot bind UDP ${options.hostname}:${options.port}`),
    );
  }
  let closed = false;
  const socket: UdpSocket = {
    addr: toAddr(conn.addr, "udp"),
    send(bytes, to) {
      if (closed) return false;
      // Rejections (unreachable peer, closed socket) drop the datagram, as UDP does.
      conn.send(bytes, { transport: "udp", hostname: to.hostname, port: to.port }).catch(ignore);
      return true;
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* already closed */ }
    },
    [Symbol.asyncDispose]() {
      socket.close();
      return Promise.resolve();
    },
  };
  (async () => {
    const buffer = new Uint8Array(65536);
    let failures = 0;
    while (!closed) {
      let data: Uint8Array, from: Deno.Addr;
      try {
        [data, from] = await conn.receive(buffer);
        failures = 0;
      } catch (error) {
        if (closed || error instanceof Deno.errors.BadResource) return;
        if (error instanceof Deno.errors.Interrupted) return;
        // A transient error (an ICMP error surfaced on receive): keep serving, never spin.
        if (++failures > 3) await delay(10);
        continue;
      }
      try {
        // Copied out of the shared receive buffer; empty requests need no copy.
        const copy = data.length === 0 ? EMPTY : data.slice();
        options.onDatagram({ data: copy, from: toAddr(from, "udp") }, socket);
      } catch {
        // A handler fault is one lost reply, never a dead server.
      }
    }
  })();
  return Promise.resolve(socket);
}

function serveHttp(options: ServeHttpOptions): Promise<HttpServer> {
  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
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

async function fileBody(path: string, options: FileBodyOptions): Promise<BodyInit> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw withFsCode(error);
  }
  // Deno has no sendfile. file.readable is copied by Deno itself (64 KiB
  // reads, no JavaScript per chunk); streams pulled from JavaScript with
  // 64 KiB-1 MiB chunks, sync reads or byte streams measured no faster and
  // took peak RSS from ~40 to 70-110 MB while serving one 100 MiB file.
  if (options.start === 0 && options.end === options.size - 1) return file.readable;
  try {
    await file.seek(options.start, Deno.SeekMode.Start);
  } catch (error) {
    file.close();
    throw withFsCode(error);
  }
  let remaining = options.end - options.start + 1;
  // Pull-based: one read per pull, so memory stays flat however slow the client.
  return new ReadableStream<Uint8Array>({
    type: "bytes",
    async pull(controller) {
      const buffer = new Uint8Array(Math.min(65536, remaining));
      const n = await file.read(buffer);
      if (n === null || n === 0) {
        file.close();
        controller.close();
        return;
      }
      remaining -= n;
      controller.enqueue(buffer.subarray(0, n));
      if (remaining <= 0) {
        file.close();
        controller.close();
      }
    },
    cancel() {
      file.close();
    },
  });
}

function toFileInfo(info: Deno.FileInfo): FileInfo {
  return {
    isFile: info.isFile,
    isDirectory: info.isDirectory,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    dev: info.dev,
    ino: info.ino ?? 0,
  };
}

/** Deno.* file calls: node:fs/promises on Deno costs ~30x more per stat. */
const fs: FileSystem = {
  stat: (path) => Deno.stat(path).then(toFileInfo, (e) => Promise.reject(withFsCode(e))),
  realPath: (path) => Deno.realPath(path).catch((e) => Promise.reject(withFsCode(e))),
  async readDir(path) {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
    } catch (error) {
      throw withFsCode(error);
    }
    return names;
  },
  readFile: (path) =>
    Deno.readFile(path).then(
      (bytes) => bytes as Uint8Array<ArrayBuffer>,
      (e) => Promise.reject(withFsCode(e)),
    ),
};

/** Gives Deno's fs errors the errno codes node:fs uses, so callers see one set. */
function withFsCode(error: unknown): unknown {
  const codes: Record<string, string> = {
    NotFound: "ENOENT",
    PermissionDenied: "EACCES",
    IsADirectory: "EISDIR",
    NotADirectory: "ENOTDIR",
  };
  const e = error as { name?: string; code?: string };
  if (e && typeof e === "object" && !e.code && e.name && codes[e.name]) {
    Object.assign(e, { code: codes[e.name] });
  }
  return error;
}

async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  // Deno.resolveDns queries DNS servers directly and skips /etc/hosts and
  // nsswitch; node:dns lookup is getaddrinfo, which is what users expect.
  try {
    // Imported here, not at the top: Bun loads this file too and pays for every import.
    const { lookup } = await import("node:dns/promises");
    const found = await lookup(hostname, { all: true });
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (error) {
    throw toNetError(error, `Cannot resolve ${hostname}`);
  }
}

function onSignal(signals: SignalName[], handler: (signal: SignalName) => void): () => void {
  const listeners = signals.map((signal) => {
    const listener = () => handler(signal);
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  };
}

function denoFetch(url: URL, init: RequestInit, extras: FetchExtras = {}): Promise<Response> {
  // Deno decodes only what it asked for itself: an explicit Accept-Encoding
  // turns decoding off. Certificate checks can only be turned off for the
  // whole process (--unsafely-ignore-certificate-errors), never per request.
  return fetch(url, extras.decompress === false ? withIdentityEncoding(init) : init);
}

function setSystemClock(ms: number): Promise<void> {
  if (Deno.build.os === "windows") {
    return Promise.reject(noClockSetter("not supported on Windows"));
  }
  const symbols = {
    clock_settime: { parameters: ["i32", "buffer"], result: "i32" },
    [errnoFunction(Deno.build.os)]: { parameters: [], result: "pointer" },
  } as const;
  let lib: Deno.DynamicLibrary<typeof symbols> | undefined;
  let lastError: unknown;
  for (const path of libcPaths(Deno.build.os, Deno.build.arch)) {
    try {
      lib = Deno.dlopen(path, symbols);
      break;
    } catch (error) {
      lastError = error;
      if (error instanceof Deno.errors.NotCapable) {
        return Promise.reject(noClockSetter("Deno needs --allow-ffi (or -A) to call libc"));
      }
    }
  }
  if (!lib) {
    const detail = lastError instanceof Error ? lastError.message : String(lastError);
    return Promise.reject(noClockSetter(`cannot open libc: ${detail}`));
  }
  try {
    const time = timespec(ms);
    if (lib.symbols.clock_settime(CLOCK_REALTIME, time) === 0) return Promise.resolve();
    // Read at once: nothing else runs on this thread between the call and here.
    const where = (lib.symbols[errnoFunction(Deno.build.os)] as () => Deno.PointerValue)();
    const errno = where ? new Deno.UnsafePointerView(where).getInt32() : -1;
    return Promise.reject(clockSetError(errno));
  } catch (error) {
    return Promise.reject(error);
  } finally {
    lib.close();
  }
}

/** The {@linkcode NetAdapter} for Deno. */
export const denoAdapter: NetAdapter = {
  runtime: "deno",
  get runtimeVersion() {
    return Deno.version.deno;
  },
  listenTcp,
  connectTcp,
  bindUdp,
  serveHttp,
  fileBody,
  fs,
  resolve,
  onSignal,
  fetch: denoFetch,
  insecureTls: false,
  setSystemClock,
};
