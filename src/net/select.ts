/**
 * Picks the adapter for the runtime executing the program.
 *
 * @module
 */
import type { NetAdapter } from "./types.ts";
import { denoAdapter } from "./deno/adapter.ts";
import { bunAdapter } from "./bun/adapter.ts";

/**
 * The adapter for the current runtime.
 *
 * @returns the Deno or Bun adapter
 * @throws {Error} on any other runtime
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectAdapter } from "./select.ts";
 *
 * const net = selectAdapter();
 * await using listener = net.listenTcp({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.close() });
 * assert(listener.addr.port > 0);
 * ```
 */
export function selectAdapter(): NetAdapter {
  const agent = globalThis.navigator?.userAgent ?? "";
  if (agent.startsWith("Deno/")) return denoAdapter;
  if (agent.startsWith("Bun/")) return bunAdapter;
  throw new Error(`Cannot run on this runtime: netkit needs Deno or Bun (found "${agent}")`);
}
