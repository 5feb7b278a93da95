/**
 * Host names on Bun: `Bun.dns.lookup`, getaddrinfo (honours /etc/hosts).
 *
 * @module
 */
import type { ResolvedAddress } from "../types.ts";
import { netError } from "../_net_error.ts";
import type { BunApi } from "./_api.ts";

declare const Bun: BunApi;

/**
 * {@linkcode NetAdapter.resolve} on Bun.
 *
 * @param hostname the name
 * @returns its addresses
 * @throws {NetError} ENOTFOUND
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolve } from "./resolve.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const found = await resolve("localhost");
 *   assert(found.some((a) => a.address === "127.0.0.1" || a.address === "::1"));
 * }
 * ```
 */
export async function resolve(hostname: string): Promise<ResolvedAddress[]> {
  try {
    const found = await Bun.dns.lookup(hostname);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (error) {
    throw netError("ENOTFOUND", `Cannot resolve ${hostname}`, { cause: error });
  }
}
