/**
 * Host names on Deno, through the system resolver.
 *
 * @module
 */
import type { ResolvedAddress } from "../types.ts";
import { toNetError } from "./to_net_error.ts";

/**
 * {@linkcode NetAdapter.resolve} on Deno. Deno.resolveDns queries DNS
 * servers directly and skips /etc/hosts and nsswitch; node:dns lookup is
 * getaddrinfo, which is what users expect.
 *
 * @param hostname the name
 * @returns its addresses
 * @throws {NetError} ENOTFOUND
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolve } from "./resolve.ts";
 *
 * const found = await resolve("localhost");
 * assert(found.some((a) => a.address === "127.0.0.1" || a.address === "::1"));
 * ```
 */
export async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  try {
    // Imported here, not at the top: Bun loads this file too and pays for every import.
    const { lookup } = await import("node:dns/promises");
    const found = await lookup(hostname, { all: true });
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (error) {
    throw toNetError(error, `Cannot resolve ${hostname}`);
  }
}
