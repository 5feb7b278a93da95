/**
 * RFC 868 over TCP: connect, read the 4 bytes the server sends, and check
 * that nothing more or less came before it closed.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress, TcpConn } from "../net/types.ts";
import { RFC868_REPLY_LENGTH } from "./codec.ts";
import type { ExchangeOptions, RawReply } from "./_exchange.ts";
import { TimeQueryError } from "./time_query_error.ts";

/** A TCP reply longer than this is not read further. */
const MAX_TCP_READ = 64;

/** Where {@linkcode askTcp} connects. */
export interface TcpTarget {
  /** Tried in turn until one accepts. */
  addresses: ResolvedAddress[];
  port: number;
}

/**
 * Connects to each address in turn until one accepts, then reads to EOF.
 *
 * @param net the runtime adapter
 * @param target the addresses and port
 * @param options the clock, the query's signal and its progress note
 * @returns the 4-byte reply
 * @throws {TimeQueryError} `no-data` or `bad-reply`; the adapter's `NetError` when no
 *   address accepts
 * @example A server that sends nothing: the query reports `no-data`
 * ```ts
 * import assert from "node:assert/strict";
 * import { askTcp } from "./_ask_tcp.ts";
 * import { TimeQueryError } from "./time_query_error.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const net = {
 *   connectTcp: () => Promise.resolve({ read: () => Promise.resolve(null), close() {} }),
 * } as unknown as NetAdapter;
 * const error = await askTcp(net, { addresses: [{ address: "127.0.0.1", family: 4 }], port: 37 }, {
 *   clock: Date.now,
 *   signal: new AbortController().signal,
 *   progress: { phase: "connecting" },
 * }).catch((e) => e);
 * assert(error instanceof TimeQueryError && error.kind === "no-data");
 * ```
 */
export async function askTcp(
  net: NetAdapter,
  target: TcpTarget,
  options: ExchangeOptions,
): Promise<RawReply> {
  const { signal, progress } = options;
  const [conn, address] = await _connectFirst(net, target, signal);
  const sentAt = options.clock();
  const started = performance.now();
  let rttMs = -1;
  const stopReading = () => conn.close();
  signal.addEventListener("abort", stopReading, { once: true });
  try {
    progress.phase = "waiting for the reply";
    const chunks: Uint8Array[] = [];
    let length = 0;
    while (length <= MAX_TCP_READ) {
      const chunk = await conn.read();
      if (chunk === null) break;
      chunks.push(chunk);
      length += chunk.length;
      if (length >= RFC868_REPLY_LENGTH && rttMs < 0) rttMs = performance.now() - started;
      progress.phase = `reading the reply (${length} bytes so far)`;
    }
    _checkLength(length);
    const bytes = new Uint8Array(RFC868_REPLY_LENGTH);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    return { bytes, address, sentAt, rttMs };
  } finally {
    signal.removeEventListener("abort", stopReading);
    conn.close();
  }
}

async function _connectFirst(
  net: NetAdapter,
  target: TcpTarget,
  signal: AbortSignal,
): Promise<[TcpConn, string]> {
  let lastError: unknown;
  for (const candidate of target.addresses) {
    try {
      const conn = await net.connectTcp({ hostname: candidate.address, port: target.port, signal });
      return [conn, candidate.address];
    } catch (error) {
      lastError = error;
      if (signal.aborted) throw error;
    }
  }
  throw lastError;
}

function _checkLength(length: number): void {
  if (length === 0) {
    throw new TimeQueryError(
      "no-data",
      "server closed the connection without sending the time (RFC 868: it cannot tell the time)",
    );
  }
  if (length !== RFC868_REPLY_LENGTH) {
    throw new TimeQueryError(
      "bad-reply",
      length > MAX_TCP_READ
        ? `not an RFC 868 reply: expected 4 bytes, received more than ${MAX_TCP_READ}`
        : `${length < 4 ? "short" : "overlong"} reply: expected 4 bytes, received ${length}`,
    );
  }
}
