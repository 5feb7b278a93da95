/**
 * A host as the user wrote it, as the addresses to ask.
 *
 * @module
 */
import type { NetAdapter, ResolvedAddress } from "../net/types.ts";
import { NetError } from "../net/errors.ts";
import { isIPv4, isIPv6 } from "../net/ip.ts";

/**
 * The addresses of `host`: an address literal as is (no resolver round trip),
 * a name through the adapter's resolver.
 *
 * @param net the runtime adapter
 * @param host a name or an address
 * @returns at least one address
 * @throws {NetError} `ENOTFOUND` when the name has no address
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveTarget } from "./_resolve_target.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const [address] = await resolveTarget({} as NetAdapter, "::1");
 * assert(address.address === "::1" && address.family === 6);
 * ```
 */
export async function resolveTarget(net: NetAdapter, host: string): Promise<ResolvedAddress[]> {
  if (isIPv6(host)) return [{ address: host, family: 6 }];
  if (isIPv4(host)) return [{ address: host, family: 4 }];
  const addresses = await net.resolve(host);
  if (addresses.length === 0) throw new NetError("ENOTFOUND", `Cannot resolve ${host}`);
  return addresses;
}
