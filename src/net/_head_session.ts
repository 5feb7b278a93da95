/**
 * The adapters' `openHeadSession` for both runtimes, over node:tls and
 * node:net (the same on Deno and Bun): neither runtime's own TLS client can
 * verify a chain while skipping only its validity dates, and neither
 * exposes the peer's chain. Private to `src/net`.
 *
 * @module
 */
import type { Socket } from "node:net";
import type { PeerCertificate, TLSSocket } from "node:tls";
import { nodeNet, nodeTls } from "../lazy_node.ts";
import type { CertificateInfo, HeadSession, HeadSessionOptions } from "./types.ts";
import { classifyNodeStyleError } from "./_node_codes.ts";
import { netError } from "./_net_error.ts";
import { verifyChainIgnoringDates } from "./_verify_chain.ts";

/** The longest response head read (nginx's large_client_header_buffers is 8 KiB per line). */
const MAX_HEAD_BYTES = 64 * 1024;

/**
 * Opens the connection, verifies the certificate as `options.check` says,
 * and returns the session.
 *
 * @param options where, TLS or not, how to verify, extra CAs, an abort signal
 * @returns the session
 * @throws {NetError} as the adapter contract's `openHeadSession` says
 * @example A refused connection is a NetError with its code
 * ```ts
 * import assert from "node:assert/strict";
 * import { openHeadSession } from "./_head_session.ts";
 * import { NetError } from "./errors.ts";
 * import { createServer } from "node:net";
 *
 * const server = createServer();
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as { port: number };
 * await new Promise((resolve) => server.close(resolve));
 * await assert.rejects(
 *   openHeadSession({ hostname: "127.0.0.1", port, tls: false }),
 *   (error) => error instanceof NetError && error.code === "ECONNREFUSED",
 * );
 * ```
 */
export async function openHeadSession(options: HeadSessionOptions): Promise<HeadSession> {
  const roots = [...nodeTls().rootCertificates, ...(options.caCerts ?? [])];
  const socket = options.tls
    ? nodeTls().connect({
      host: options.hostname,
      port: options.port,
      // RFC 6066 §3: no SNI for an IP address literal.
      ...(/^[\d.]+$|:/.test(options.hostname) ? {} : { servername: options.hostname }),
      rejectUnauthorized: false,
      ca: roots,
      ALPNProtocols: ["http/1.1"],
    })
    : nodeNet().connect({ host: options.hostname, port: options.port });
  try {
    await _connected(socket, options);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  let chain: CertificateInfo[] = [];
  try {
    if (options.tls && options.check !== "none") {
      chain = _verify(socket as TLSSocket, { ...options, roots });
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return _session(socket, { ...options, chain });
}

function _connected(socket: Socket, options: HeadSessionOptions): Promise<void> {
  const event = options.tls ? "secureConnect" : "connect";
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(netError("EABORTED", "", { cause: options.signal?.reason }));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    socket.once(event, () => {
      options.signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    socket.once("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      const failure = classifyNodeStyleError(error);
      reject(netError(failure.code, "", { cause: error, detail: failure.detail }));
    });
  });
}

/** Checks the peer's certificate; returns the chain it was verified with. */
function _verify(
  socket: TLSSocket,
  options: HeadSessionOptions & { roots: readonly string[] },
): CertificateInfo[] {
  const { roots } = options;
  const peer = _peerChain(socket.getPeerCertificate(true));
  if (options.check === "ignore-dates") {
    return verifyChainIgnoringDates(peer.map((c) => new Uint8Array(c.raw)), {
      host: options.hostname,
      roots,
    });
  }
  if (!socket.authorized) {
    const failure = classifyNodeStyleError({ code: String(socket.authorizationError) });
    // Deno's node:tls names a date failure "unable to verify": a chain that
    // verifies once dates are set aside failed on its dates.
    if (failure.code === "CERT_UNTRUSTED" && _validWithoutDates(peer, options)) {
      throw netError("CERT_EXPIRED", "", { detail: "by the local clock" });
    }
    throw netError(failure.code, "", { detail: failure.detail });
  }
  const mismatch = nodeTls().checkServerIdentity(options.hostname, peer[0]);
  if (mismatch) throw netError("CERT_HOSTNAME", "", { cause: mismatch });
  return peer.map((c) => ({
    subject: Object.entries(c.subject ?? {}).map(([k, v]) => `${k}=${v}`).join(", "),
    notBeforeMs: Date.parse(c.valid_from),
    notAfterMs: Date.parse(c.valid_to),
  }));
}

function _validWithoutDates(
  peer: PeerCertificate[],
  options: HeadSessionOptions & { roots: readonly string[] },
): boolean {
  try {
    verifyChainIgnoringDates(peer.map((c) => new Uint8Array(c.raw)), {
      host: options.hostname,
      roots: options.roots,
    });
    return true;
  } catch {
    return false;
  }
}

/** The linked list node:tls gives, as an array, leaf first. */
function _peerChain(leaf: PeerCertificate & { issuerCertificate?: PeerCertificate }) {
  const chain: PeerCertificate[] = [];
  for (let c: typeof leaf | undefined = leaf; c?.raw && !chain.includes(c);) {
    chain.push(c);
    c = c.issuerCertificate;
  }
  return chain;
}

/** The session over a connected socket: one request at a time, heads read to their end. */
function _session(
  socket: Socket,
  options: HeadSessionOptions & { chain: CertificateInfo[] },
): HeadSession {
  let buffered = new Uint8Array(0);
  let waiter: (() => void) | undefined;
  let ended: Error | undefined;
  const wake = () => {
    waiter?.();
    waiter = undefined;
  };
  socket.on("data", (chunk: Uint8Array) => {
    const joined = new Uint8Array(buffered.length + chunk.length);
    joined.set(buffered);
    joined.set(chunk, buffered.length);
    buffered = joined;
    wake();
  });
  socket.on("error", (error) => {
    const failure = classifyNodeStyleError(error);
    ended = netError(failure.code, "", { cause: error });
    wake();
  });
  socket.on("close", () => {
    ended ??= netError("ECONNRESET", "", { detail: "the server closed the connection" });
    wake();
  });
  const close = () => socket.destroy();
  const onAbort = () => {
    ended = netError("EABORTED", "", { cause: options.signal?.reason });
    close();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const host = options.hostname.includes(":") ? `[${options.hostname}]` : options.hostname;
  return {
    chain: options.chain,
    async head(path) {
      socket.write(
        `HEAD ${path} HTTP/1.1\r\nHost: ${host}:${options.port}\r\nUser-Agent: netkit\r\n` +
          "Cache-Control: no-cache\r\nPragma: no-cache\r\nConnection: keep-alive\r\n\r\n",
      );
      for (;;) {
        const end = _headEnd(buffered);
        if (end >= 0) {
          const head = new TextDecoder().decode(buffered.subarray(0, end));
          buffered = buffered.slice(end + 4);
          return _parseHead(head);
        }
        if (ended) throw ended;
        if (buffered.length > MAX_HEAD_BYTES) {
          throw netError("EPROTO", "", { detail: "the response head is too long" });
        }
        await new Promise<void>((resolve) => (waiter = resolve));
      }
    },
    close() {
      options.signal?.removeEventListener("abort", onAbort);
      close();
    },
    [Symbol.asyncDispose]() {
      this.close();
      return Promise.resolve();
    },
  };
}

function _headEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** RFC 9112 §4 status line and §5 field lines; anything else is EPROTO. */
function _parseHead(head: string): { status: number; headers: Headers } {
  const [statusLine, ...lines] = head.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine);
  if (!status) throw netError("EPROTO", "", { detail: "not an HTTP/1.1 response" });
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    try {
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    } catch {
      throw netError("EPROTO", "", { detail: "a malformed header line" });
    }
  }
  return { status: Number(status[1]), headers };
}
