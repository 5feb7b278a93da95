/**
 * Picks the adapter for the runtime executing the program.
 *
 * @module
 */
import type { NetAdapter } from "./types.ts";

const agent = globalThis.navigator?.userAgent ?? "";
// Only the running runtime's adapter is loaded: the other one's modules cost
// Deno ~3 MB of memory for nothing (bench/RESULTS.md, SNTP server).
const loaded: NetAdapter | undefined = agent.startsWith("Deno/")
  ? (await import("./deno/adapter.ts")).denoAdapter
  : agent.startsWith("Bun/")
  ? (await import("./bun/adapter.ts")).bunAdapter
  : undefined;

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
  if (loaded) return loaded;
  throw new Error(`Cannot run on this runtime: netkit needs Deno or Bun (found "${agent}")`);
}
