/**
 * IP address literals: pure checks, no runtime involved.
 *
 * @module
 */

/**
 * Whether `text` is an IPv4 address in dotted-quad form.
 *
 * @param text a host
 * @returns true for `0.0.0.0` … `255.255.255.255`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIPv4 } from "./ip.ts";
 *
 * assert(isIPv4("192.0.2.1") && !isIPv4("256.0.0.1") && !isIPv4("::1"));
 * ```
 */
export function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/**
 * Whether `text` is an IPv6 address (a `%zone` suffix allowed).
 *
 * @param text a host, without brackets
 * @returns true for `::1`, `fe80::1%eth0`, `::ffff:127.0.0.1`, …
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIPv6 } from "./ip.ts";
 *
 * assert(isIPv6("::1") && isIPv6("fe80::1%eth0") && !isIPv6("127.0.0.1"));
 * ```
 */
export function isIPv6(text: string): boolean {
  const [address, zone] = text.split("%", 2);
  if (!address.includes(":") || (zone !== undefined && !/^[\w.-]+$/.test(zone))) return false;
  try {
    // The URL parser validates IPv6 literals the same way in every runtime.
    return new URL(`http://[${address}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/**
 * An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, any case), as a
 * dual-stack socket reports an IPv4 peer, written as the IPv4 address it is;
 * every other address unchanged.
 *
 * @param address an address, without brackets
 * @returns the IPv4 address for a mapped one, else `address`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unmapAddress } from "./ip.ts";
 *
 * assert(unmapAddress("::FFFF:127.0.0.1") === "127.0.0.1");
 * assert(unmapAddress("::1") === "::1");
 * ```
 */
export function unmapAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped && isIPv4(mapped[1]) ? mapped[1] : address;
}
