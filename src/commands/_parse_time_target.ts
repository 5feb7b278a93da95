/**
 * A `query-time` host argument: `HOST[:PORT]`, or a URL that names the
 * protocol, so one run can mix them.
 *
 * @module
 */
import { parseHostPort, UsageError } from "../cli/args.ts";
import { RFC868_PORT } from "../time/codec.ts";
import { NTP_PORT } from "../time/ntp_packet.ts";
import type { PollTarget, TimeProtocol } from "../time/poll_time.ts";
import { HTTP_PORT, HTTPS_PORT } from "../time/query_https.ts";

/** What a host without a scheme is asked over, and at which port. */
export interface TimeTargetDefaults {
  protocol: "time" | "ntp";
  /** RFC 868's transport (SNTP is always UDP). */
  transport: "tcp" | "udp";
  /** The port for a host without one. */
  port: number;
}

/** The URL schemes `query-time` reads, and what each means. */
const SCHEMES: Record<string, { protocol: TimeProtocol; transport: "tcp" | "udp"; port: number }> =
  {
    /** RFC 5905 §7.2: SNTP on UDP port 123. */
    ntp: { protocol: "ntp", transport: "udp", port: NTP_PORT },
    /** RFC 868 on TCP port 37. */
    time: { protocol: "time", transport: "tcp", port: RFC868_PORT },
    /** RFC 868 on UDP port 37. */
    "time+udp": { protocol: "time", transport: "udp", port: RFC868_PORT },
    /** The Date header of `HEAD /` over HTTPS, TCP port 443 (RFC 9110 §4.2.2). */
    https: { protocol: "https", transport: "tcp", port: HTTPS_PORT },
    /** The same over plain HTTP, TCP port 80 (RFC 9110 §4.2.1): unauthenticated. */
    http: { protocol: "http", transport: "tcp", port: HTTP_PORT },
  };

/**
 * Reads one host argument.
 *
 * @param text `HOST`, `HOST:PORT`, `[IPv6]:PORT`, a bare IPv6 address, or
 *   `ntp://`, `time://`, `time+udp://`, `https://`, `http://` followed by one of those
 * @param defaults the protocol, transport and port of a host without a scheme
 * @returns the target
 * @throws {UsageError} on an unknown scheme, a path after the host, or a bad host or port
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimeTarget } from "./_parse_time_target.ts";
 *
 * const defaults = { protocol: "time" as const, transport: "tcp" as const, port: 37 };
 * assert.deepEqual(parseTimeTarget("ntp://[::1]:1123", defaults), {
 *   host: "::1", port: 1123, protocol: "ntp", transport: "udp",
 * });
 * assert.equal(parseTimeTarget("time+udp://clock", defaults).transport, "udp");
 * assert.equal(parseTimeTarget("clock:38", defaults).protocol, "time");
 * assert.equal(parseTimeTarget("https://clock/", defaults).port, 443);
 * ```
 */
export function parseTimeTarget(text: string, defaults: TimeTargetDefaults): PollTarget {
  const url = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(text);
  if (!url) {
    const { host, port } = parseHostPort(text, defaults.port);
    return { host, port, protocol: defaults.protocol, transport: defaults.transport };
  }
  const scheme = SCHEMES[url[1].toLowerCase()];
  if (!scheme) {
    throw new UsageError(
      `unknown scheme '${
        url[1]
      }://' in '${text}' (use ntp://, time://, time+udp://, https:// or http://)`,
    );
  }
  const rest = url[2].endsWith("/") ? url[2].slice(0, -1) : url[2];
  if (/[/?#@]/.test(rest)) throw new UsageError(`not a host: '${text}' (no path, user or query)`);
  const { host, port } = parseHostPort(rest, scheme.port);
  return { host, port, protocol: scheme.protocol, transport: scheme.transport };
}
