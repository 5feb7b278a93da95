/**
 * The adapter contract: the only way netkit's protocol code reaches the network.
 *
 * `deno/` implements it on the Deno namespace, `bun/` on the Bun one (one file
 * per capability each); nothing else touches a runtime global. Every error
 * that leaves an adapter is a {@linkcode NetError} with a code. Everything here is byte-based and web-standard so the time
 * and HTTP code above it is runtime-free and testable.
 *
 * @module
 */

/**
 * Transport of an address.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Transport } from "./types.ts";
 *
 * const transport: Transport = "udp";
 * assert(transport === "udp");
 * ```
 */
export type Transport = "tcp" | "udp";

/**
 * A bound or peer address. IPv6 hostnames are bare (`::1`), never bracketed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NetAddr } from "./types.ts";
 *
 * const addr: NetAddr = { transport: "tcp", hostname: "::1", port: 37 };
 * assert(addr.hostname === "::1");
 * ```
 */
export interface NetAddr {
  transport: Transport;
  hostname: string;
  port: number;
}

/**
 * Where to bind or connect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostPort } from "./types.ts";
 *
 * const where: HostPort = { hostname: "127.0.0.1", port: 0 };
 * assert(where.port === 0);
 * ```
 */
export interface HostPort {
  hostname: string;
  port: number;
}

/**
 * A connected TCP stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TcpConn } from "./types.ts";
 *
 * // Echo one chunk back, then close.
 * const echo = async (conn: TcpConn) => {
 *   const chunk = await conn.read();
 *   if (chunk) await conn.write(chunk);
 *   conn.close();
 * };
 * assert(typeof echo === "function");
 * ```
 */
export interface TcpConn extends AsyncDisposable {
  readonly localAddr: NetAddr;
  readonly remoteAddr: NetAddr;
  /** Next chunk of bytes, or `null` at end of stream. Rejects on a reset. */
  read(): Promise<Uint8Array | null>;
  /** Writes all of `bytes`, waiting for the kernel to take them. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the connection; never throws, safe to call twice. */
  close(): void;
}

/**
 * Options for {@linkcode NetAdapter.listenTcp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ListenTcpOptions } from "./types.ts";
 *
 * const options: ListenTcpOptions = { hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() };
 * assert(options.port === 0);
 * ```
 */
export interface ListenTcpOptions extends HostPort {
  /** Called once per accepted connection; a throw or rejection only ends that connection. */
  onConnection(conn: TcpConn): void | Promise<void>;
}

/**
 * Options for {@linkcode NetAdapter.connectTcp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ConnectTcpOptions } from "./types.ts";
 *
 * const options: ConnectTcpOptions = { hostname: "127.0.0.1", port: 37, signal: AbortSignal.timeout(1000) };
 * assert(options.port === 37);
 * ```
 */
export interface ConnectTcpOptions extends HostPort {
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
}

/**
 * A listening socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Listener } from "./types.ts";
 *
 * const stop = (listener: Listener) => listener.close();
 * assert(typeof stop === "function");
 * ```
 */
export interface Listener extends AsyncDisposable {
  readonly addr: NetAddr;
  /** Stops listening; never throws, safe to call twice. */
  close(): void;
}

/**
 * One received datagram.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Datagram } from "./types.ts";
 *
 * const datagram: Datagram = {
 *   data: new Uint8Array(0),
 *   from: { transport: "udp", hostname: "127.0.0.1", port: 1234 },
 * };
 * assert(datagram.data.length === 0);
 * ```
 */
export interface Datagram {
  data: Uint8Array;
  from: NetAddr;
}

/**
 * Options for {@linkcode NetAdapter.bindUdp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { BindUdpOptions } from "./types.ts";
 *
 * const options: BindUdpOptions = {
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   onDatagram: ({ from }, socket) => socket.send(new Uint8Array(4), from),
 * };
 * assert(options.port === 0);
 * ```
 */
export interface BindUdpOptions extends HostPort {
  /** Called for every datagram; a throw is caught and never closes the socket. */
  onDatagram(datagram: Datagram, socket: UdpSocket): void;
}

/**
 * A bound UDP socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostPort, UdpSocket } from "./types.ts";
 *
 * const reply = (socket: UdpSocket, to: HostPort) => socket.send(new Uint8Array([1]), to);
 * assert(typeof reply === "function");
 * ```
 */
export interface UdpSocket extends Listener {
  /**
   * Sends one datagram to an IP address (no name resolution). Never throws:
   * an ICMP "port unreachable" from an earlier send (ECONNREFUSED) or a full
   * kernel buffer drops the datagram, which is what UDP promises anyway.
   *
   * @returns whether the datagram was handed to the kernel
   */
  send(bytes: Uint8Array, to: HostPort): boolean;
}

/**
 * A web-standard request handler, shared by both runtimes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HttpHandler } from "./types.ts";
 *
 * const handler: HttpHandler = (request, info) =>
 *   new Response(`${request.method} from ${info.remoteAddr.hostname}`);
 * const response = await handler(new Request("http://localhost/"), {
 *   remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
 * });
 * assert((await response.text()) === "GET from 127.0.0.1");
 * ```
 */
export type HttpHandler = (
  request: Request,
  info: { remoteAddr: NetAddr },
) => Response | Promise<Response>;

/**
 * Options for {@linkcode NetAdapter.serveHttp}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServeHttpOptions } from "./types.ts";
 *
 * const options: ServeHttpOptions = { hostname: "127.0.0.1", port: 0, handler: () => new Response("hi") };
 * assert(options.tls === undefined);
 * ```
 */
export interface ServeHttpOptions extends HostPort {
  handler: HttpHandler;
  /** PEM certificate chain and key: serve HTTPS. */
  tls?: { cert: string; key: string };
  /**
   * Share the port with other processes that also set it (`SO_REUSEPORT`:
   * Linux spreads new connections among them). Without it a port another
   * server holds is `EADDRINUSE`, on both runtimes.
   */
  reusePort?: boolean;
}

/**
 * A running HTTP server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HttpServer } from "./types.ts";
 *
 * const stop = (server: HttpServer) => server.shutdown(1000);
 * assert(typeof stop === "function");
 * ```
 */
export interface HttpServer extends AsyncDisposable {
  readonly addr: NetAddr;
  /**
   * Stops accepting, lets in-flight responses finish for up to `graceMs`,
   * then closes every remaining connection.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * Options for {@linkcode NetAdapter.fileBody}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FileBodyOptions } from "./types.ts";
 *
 * // Bytes 10-19 of a 100-byte file.
 * const range: FileBodyOptions = { start: 10, end: 19, size: 100 };
 * assert(range.end - range.start + 1 === 10);
 * ```
 */
export interface FileBodyOptions {
  /** First byte to send. */
  start: number;
  /** Last byte to send, inclusive. */
  end: number;
  /** The file's size when it was examined. */
  size: number;
  /**
   * The request carries a Range header this response does not honour (an
   * If-Range mismatch, several ranges). Bun applies a request's Range to a
   * native file body by itself, so such a body must be a plain stream.
   */
  ignoresRange?: boolean;
}

/**
 * What the file handler needs to know of a path (symlinks followed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FileInfo } from "./types.ts";
 *
 * const info: FileInfo = { isFile: true, isDirectory: false, size: 3, mtimeMs: 0, dev: 1, ino: 2 };
 * assert(info.isFile);
 * ```
 */
export interface FileInfo {
  isFile: boolean;
  isDirectory: boolean;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

/**
 * File metadata and small reads, on each runtime's fastest path. Failures
 * are {@linkcode NetError}s with the errno `code` node:fs uses (ENOENT,
 * EACCES, ENOTDIR, EISDIR…).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FileSystem } from "./types.ts";
 *
 * const exists = (fs: FileSystem, path: string) => fs.stat(path).then(() => true, () => false);
 * assert(typeof exists === "function");
 * ```
 */
export interface FileSystem {
  stat(path: string): Promise<FileInfo>;
  realPath(path: string): Promise<string>;
  /** Names in a folder. */
  readDir(path: string): Promise<string[]>;
  /**
   * Names in a folder, each with what the folder says it is (a symlink is
   * not followed): a walk then stats only folders and needs `realPath` only
   * for symlinks.
   */
  readDirEntries(path: string): Promise<DirEntry[]>;
  readFile(path: string): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Opens a file for synchronous reads. Each call is one system call made
   * on the JavaScript thread, with no trip to a thread pool: for thousands
   * of small files (an archive of a folder) that trip costs more than the
   * reading. A call blocks the event loop while the disk answers (as
   * nginx's reads do without `aio`), so callers keep each read bounded.
   *
   * @throws {NetError} ENOENT/EACCES/ENOTDIR when the file cannot be opened
   */
  openSync(path: string): SyncFile;
}

/**
 * One name in a folder ({@linkcode FileSystem.readDirEntries}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { DirEntry } from "./types.ts";
 *
 * const entry: DirEntry = { name: "a.txt", kind: "file" };
 * assert(entry.kind !== "symlink");
 * ```
 */
export interface DirEntry {
  name: string;
  /**
   * A file, a folder, a symlink (whatever it leads to, if anything), or
   * "other": anything else, and whatever the file system did not say.
   */
  kind: "file" | "directory" | "symlink" | "other";
}

/**
 * A file opened by {@linkcode FileSystem.openSync}. Failures are
 * {@linkcode NetError}s with errno codes, as for {@linkcode FileSystem}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectAdapter } from "./select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * writeFileSync(join(dir, "a.txt"), "abc");
 * const file = selectAdapter().fs.openSync(join(dir, "a.txt"));
 * try {
 *   const buffer = new Uint8Array(8);
 *   assert(file.stat().size === 3);
 *   assert(file.read(buffer, 1) === 2 && buffer[0] === 98); // "bc"
 *   assert(file.read(buffer, 3) === 0);
 * } finally {
 *   file.close();
 * }
 * rmSync(dir, { recursive: true });
 * ```
 */
export interface SyncFile {
  /** The open file's metadata (`fstat`): the file being read, whatever its path names now. */
  stat(): FileInfo;
  /** Reads up to `buffer.length` bytes from `position`; returns how many (0 at the end). */
  read(buffer: Uint8Array, position: number): number;
  /** Closes the file; closing twice does nothing. */
  close(): void;
}

/**
 * A resolved address of a host name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ResolvedAddress } from "./types.ts";
 *
 * const found: ResolvedAddress = { address: "::1", family: 6 };
 * assert(found.family === 6);
 * ```
 */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * What {@linkcode NetAdapter.fetch} adds to the web-standard `fetch`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { FetchExtras } from "./types.ts";
 *
 * const extras: FetchExtras = { insecure: true };
 * assert(extras.insecure);
 * ```
 */
export interface FetchExtras {
  /**
   * Accept any TLS certificate. Bun does this per request; Deno only when the
   * process was started with `--unsafely-ignore-certificate-errors`.
   */
  insecure?: boolean;
  /**
   * PEM certificates to trust as CAs besides the runtime's own roots
   * (`get --cacert`); `DENO_CERT`/`NODE_EXTRA_CA_CERTS` keep working as well.
   */
  caCerts?: string[];
}

/**
 * How {@linkcode NetAdapter.openHeadSession} checks the server's certificate.
 *
 * - `"ordinary"`: the runtime's own verification (chain, host name, dates by
 *   the local clock).
 * - `"ignore-dates"`: the chain up to a trusted root and the host name are
 *   verified as usual, the validity dates are not; the caller must check the
 *   time it reads against {@linkcode HeadSession.chain} (a clock that is
 *   plainly unset cannot judge dates).
 * - `"none"`: nothing is verified (`--insecure`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CertificateCheck } from "./types.ts";
 *
 * const checks: CertificateCheck[] = ["ordinary", "ignore-dates", "none"];
 * assert(checks.length === 3);
 * ```
 */
export type CertificateCheck = "ordinary" | "ignore-dates" | "none";

/**
 * Options for {@linkcode NetAdapter.openHeadSession}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HeadSessionOptions } from "./types.ts";
 *
 * const options: HeadSessionOptions = { hostname: "127.0.0.1", port: 443, tls: true };
 * assert(options.tls);
 * ```
 */
export interface HeadSessionOptions extends HostPort {
  /** HTTPS when true, plain HTTP when false. */
  tls: boolean;
  /** @default "ordinary" */
  check?: CertificateCheck;
  /** PEM certificates trusted as CAs besides the runtime's roots. */
  caCerts?: string[];
  /** Aborts the connection attempt (and the session's requests). */
  signal?: AbortSignal;
}

/**
 * A certificate of the chain a server was verified with.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CertificateInfo } from "./types.ts";
 *
 * const info: CertificateInfo = { subject: "CN=example", notBeforeMs: 0, notAfterMs: 1 };
 * assert(info.notAfterMs > info.notBeforeMs);
 * ```
 */
export interface CertificateInfo {
  subject: string;
  /** Start of its validity period, ms since the Unix epoch. */
  notBeforeMs: number;
  /** End of its validity period, ms since the Unix epoch. */
  notAfterMs: number;
}

/**
 * One keep-alive HTTP/1.1 connection for timed `HEAD` requests (HTTP time,
 * as htpdate reads it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HeadSession } from "./types.ts";
 *
 * const dateOf = async (session: HeadSession) => (await session.head("/")).headers.get("date");
 * assert(typeof dateOf === "function");
 * ```
 */
export interface HeadSession extends AsyncDisposable {
  /**
   * The verified chain, leaf first, up to and including the trusted root;
   * empty without TLS or with check `"none"`.
   */
  readonly chain: CertificateInfo[];
  /**
   * Sends `HEAD path` (no-cache, keep-alive) and reads the response head.
   *
   * @throws {NetError} ECONNRESET when the server closes the connection,
   *   EPROTO on a malformed head, EABORTED on the session's signal
   */
  head(path: string): Promise<{ status: number; headers: Headers }>;
  /** Closes the connection; never throws, safe to call twice. */
  close(): void;
}

/**
 * Signals a command may wait for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SignalName } from "./types.ts";
 *
 * const signals: SignalName[] = ["SIGINT", "SIGTERM"];
 * assert(signals.length === 2);
 * ```
 */
export type SignalName = "SIGINT" | "SIGTERM" | "SIGHUP";

/**
 * What a runtime adapter provides.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NetAdapter } from "./types.ts";
 * import { selectAdapter } from "./select.ts";
 *
 * const net: NetAdapter = selectAdapter();
 * await using listener = net.listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 * assert(listener.addr.port > 0);
 * ```
 */
export interface NetAdapter {
  /** `"deno"` or `"bun"`. */
  readonly runtime: string;
  /** Version of the runtime, e.g. `2.9.6`. */
  readonly runtimeVersion: string;
  listenTcp(options: ListenTcpOptions): Listener;
  connectTcp(options: ConnectTcpOptions): Promise<TcpConn>;
  bindUdp(options: BindUdpOptions): Promise<UdpSocket>;
  serveHttp(options: ServeHttpOptions): Promise<HttpServer>;
  /**
   * A response body with bytes `start`…`end` of a file, as fast as the
   * runtime sends files (Bun: its file objects, sendfile on Linux; Deno: a
   * pull-based stream of the open file).
   *
   * @throws {NetError} ENOENT/EACCES/EISDIR when the file cannot be opened
   */
  fileBody(path: string, options: FileBodyOptions): Promise<BodyInit>;
  /** File metadata for the file server (Deno's node:fs stat is ~30x slower than its native stat). */
  readonly fs: FileSystem;
  /**
   * The runtime's own `fetch`, with redirects left to the caller (`redirect:
   * "manual"` gives the 3xx response itself on both runtimes) and the extras
   * each runtime spells differently. Proxies come from HTTP_PROXY, HTTPS_PROXY
   * and NO_PROXY on both.
   *
   * It NEVER decodes a content coding: the body is the server's bytes, as
   * the Content-Encoding header says they are. Without a caller-set
   * Accept-Encoding the request asks for `identity`.
   *
   * @throws {NetError} for everything that fails before the response head:
   *   ENOTFOUND, ECONNREFUSED, EHOSTUNREACH/ENETUNREACH, ECONNRESET,
   *   ETIMEDOUT, EABORTED (the caller's signal; its reason is the `cause`),
   *   EBADPORT, CERT_UNTRUSTED/CERT_HOSTNAME/CERT_EXPIRED, TLS_FAILED, EPROTO.
   *   Reading the body fails with NetErrors too (ECONNRESET, EPROTO, EABORTED).
   */
  fetch(url: URL, init: RequestInit, extras?: FetchExtras): Promise<Response>;
  /**
   * Opens one connection for timed `HEAD` requests, verifying the server's
   * certificate as `check` says (node:tls on both runtimes: neither's own TLS
   * can skip only the validity dates).
   *
   * @throws {NetError} ENOTFOUND, ECONNREFUSED, ETIMEDOUT, EABORTED,
   *   CERT_UNTRUSTED, CERT_HOSTNAME, CERT_EXPIRED, TLS_FAILED
   */
  openHeadSession(options: HeadSessionOptions): Promise<HeadSession>;
  /** Whether {@linkcode FetchExtras.insecure} works in this process. */
  readonly insecureTls: boolean;
  /** When it does not: what makes it work, for the user (e.g. a runtime flag). */
  readonly insecureTlsHint: string;
  /**
   * The argv that runs this same program again: the compiled binary alone,
   * or the runtime and the entry script (`deno run` with the permissions
   * this process was granted). For commands that start copies of
   * themselves (serve-http --workers).
   */
  selfCommand(): string[];
  /**
   * Whether standard stream `fd` is a terminal (for progress displays).
   * Asked of the runtime directly: `node:tty` would load Node's stream
   * layer, 19 ms of a Bun start and 35 ms of a Deno one.
   */
  isTerminal(fd: 0 | 1 | 2): boolean;
  /**
   * One write(2) of `bytes` to standard output (1) or standard error (2).
   * It may write fewer bytes than given, and writes none (returns 0) when
   * the stream is non-blocking and full: a pipe or terminal another program
   * set O_NONBLOCK on. It never retries by itself, so a short write is
   * always counted (the caller waits and writes the rest). Where the
   * runtime cannot say what a write to a full stream took (Deno's buffered
   * standard output), it throws `EAGAIN` rather than return a count it does
   * not know.
   *
   * @returns the bytes written
   * @throws the write's error, its `code` the errno name (EPIPE, ENOSPC, EAGAIN)
   */
  writeStdio(fd: 1 | 2, bytes: Uint8Array): number;
  /** Resolves a host name through the system resolver (honours /etc/hosts). */
  resolve(hostname: string): Promise<ResolvedAddress[]>;
  /**
   * Calls `handler` on any of `signals`; returns a function that removes it.
   * While a handler is installed the signal no longer kills the process.
   */
  onSignal(signals: SignalName[], handler: (signal: SignalName) => void): () => void;
  /**
   * Sets the system clock (`CLOCK_REALTIME`) with libc's `clock_settime`,
   * called through the runtime's FFI. Only `query-time --set` calls it.
   *
   * @param ms the new time, milliseconds since the Unix epoch
   * @throws {NetError} `EPERM` without root or CAP_SYS_TIME; `ENOSYS` where
   *   there is no `clock_settime` to call (Windows, no libc found, no FFI
   *   permission on Deno); `EOTHER` for anything else
   */
  setSystemClock(ms: number): Promise<void>;
  /**
   * Slews the system clock by `offsetS` with libc's `adjtime`: the kernel
   * adds or drops at most 500 µs per second until the offset is made up,
   * so the clock never runs backwards under running programs. A new slew
   * replaces one still under way; a step cancels it.
   *
   * @param offsetS seconds to add, gradually (negative: slow down)
   * @throws {RangeError} beyond ±2145 s (glibc's limit for adjtime)
   * @throws {NetError} `EPERM` without root or CAP_SYS_TIME; `ENOSYS`
   *   where there is no `adjtime` to call; `EOTHER` for anything else
   */
  slewSystemClock(offsetS: number): Promise<void>;
  /**
   * Reads the kernel's clock synchronisation state with libc's `adjtimex`
   * (modes = 0: read-only, it never changes the clock), through the
   * runtime's FFI. Never throws: where it cannot be read (not Linux, no
   * libc, no FFI permission on Deno) the state is `"unknown"`.
   */
  clockSync(): Promise<ClockSync>;
  /**
   * Sends one datagram to the Unix datagram socket at `path` (`@name`: the
   * Linux abstract namespace), through libc's `socket` and `sendto`:
   * systemd's `$NOTIFY_SOCKET` is one. Linux only.
   *
   * @throws {RangeError} for a path that cannot be a socket address
   * @throws {NetError} `ENOENT` (no such socket), `EACCES`, `ECONNREFUSED`
   *   (nobody bound), `ENOSYS` (not Linux, no libc, no FFI permission on
   *   Deno), `EOTHER`
   */
  sendUnixDatagram(path: string, bytes: Uint8Array): Promise<void>;
}

/**
 * What the kernel says about its clock (Linux `adjtimex`, read-only).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ClockSync } from "./types.ts";
 *
 * const unsynced: ClockSync = { state: "unsynchronised", leap: 0, maxErrorS: 16 };
 * assert(unsynced.state !== "synchronised");
 * ```
 */
export interface ClockSync {
  /**
   * `"synchronised"`: a time daemon disciplines the clock (adjtimex returns
   * other than TIME_ERROR and STA_UNSYNC is clear); `"unsynchronised"`: it
   * does not; `"unknown"`: it could not be read.
   */
  state: "synchronised" | "unsynchronised" | "unknown";
  /** The leap second the kernel has pending, as RFC 5905's leap indicator: 0 none, 1 insert, 2 delete. */
  leap: 0 | 1 | 2;
  /** The kernel's maximum error estimate (`maxerror`), seconds; NaN when unknown. */
  maxErrorS: number;
  /** Why the state is unknown. */
  detail?: string;
}
