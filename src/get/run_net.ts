/**
 * The adapter as one `get` run uses it: every fetch carries the run's
 * trusted CAs (`--cacert`) and stops when the run is cancelled
 * (`--fail-fast`), without the download engine knowing either.
 *
 * @module
 */
import type { FetchExtras, NetAdapter } from "../net/types.ts";

/** Options for {@linkcode runNet}. */
export interface RunNetOptions {
  /** PEM certificates to trust besides the usual ones (`--cacert`). */
  caCerts?: string[];
  /** Aborts every fetch of the run, and the reading of its bodies. */
  signal?: AbortSignal;
}

/**
 * Wraps `net` so that each fetch gets the run's CAs and cancel signal.
 *
 * @param net the runtime's adapter
 * @param options the CAs and the signal
 * @returns an adapter to hand to `download()`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runNet } from "./run_net.ts";
 * import type { FetchExtras, NetAdapter } from "../net/types.ts";
 *
 * let seen: FetchExtras | undefined;
 * const net = { fetch: (_u: URL, _i: RequestInit, e?: FetchExtras) => ((seen = e), Promise.resolve(new Response())) };
 * await runNet(net as unknown as NetAdapter, { caCerts: ["PEM"] }).fetch(new URL("http://h.test/"), {});
 * assert.deepEqual(seen?.caCerts, ["PEM"]);
 * ```
 */
export function runNet(net: NetAdapter, options: RunNetOptions): NetAdapter {
  const { caCerts, signal } = options;
  if (!caCerts && !signal) return net;
  return {
    ...net,
    fetch(url: URL, init: RequestInit, extras: FetchExtras = {}): Promise<Response> {
      const signals = [init.signal, signal].filter((s): s is AbortSignal => Boolean(s));
      const joined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      return net.fetch(url, { ...init, signal: joined }, caCerts ? { ...extras, caCerts } : extras);
    },
  };
}
