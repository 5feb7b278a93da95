/**
 * Deno's addresses as the contract's {@linkcode NetAddr}. Private to `src/net/deno`.
 *
 * @module
 */
import type { NetAddr, Transport } from "../types.ts";
import { unmapAddress } from "../ip.ts";

/**
 * A Deno address as a NetAddr, an IPv4-mapped address unmapped.
 *
 * @param addr what a Deno socket reports
 * @param transport the socket's transport
 * @returns the contract's address
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toAddr } from "./_addr.ts";
 *
 * const addr = toAddr({ transport: "tcp", hostname: "::ffff:127.0.0.1", port: 37 }, "tcp");
 * assert(addr.hostname === "127.0.0.1" && addr.port === 37);
 * ```
 */
export function toAddr(addr: Deno.Addr, transport: Transport): NetAddr {
  const a = addr as Deno.NetAddr;
  return { transport, hostname: unmapAddress(a.hostname), port: a.port };
}
