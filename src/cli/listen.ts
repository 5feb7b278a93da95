/**
 * Starting a server on the first host that works, and saying why none did:
 * what serve-time and serve-http share.
 *
 * @module
 */
import { formatHostPort } from "./args.ts";
import { NetError } from "../net/errors.ts";
import { isIPv4, isIPv6 } from "../net/ip.ts";

/** The hosts a server listens on when the user gave no `--host`: dual-stack, else IPv4. */
export const ALL_INTERFACES: readonly string[] = ["::", "0.0.0.0"];

/**
 * A failure to listen, naming the host that was last tried; the message is
 * the cause's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ListenError } from "./listen.ts";
 *
 * const cause = new Error("address already in use");
 * const error = new ListenError("127.0.0.1", cause);
 * assert.equal(error.host, "127.0.0.1");
 * assert.equal(error.message, "address already in use");
 * assert.equal(error.cause, cause);
 * ```
 */
export class ListenError extends Error {
  /** The host whose attempt failed (the fallback, when the first had no IPv6). */
  readonly host: string;
  constructor(host: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "ListenError";
    this.host = host;
  }
}

/**
 * Calls `start` with each host in turn until one works. Only "no IPv6 here"
 * (`EAFNOSUPPORT`, `EADDRNOTAVAIL` on `::`) moves on to the next host; any
 * other failure is final.
 *
 * @param hosts hosts to try, in order (at least one)
 * @param start starts the server on one host
 * @returns what `start` returned
 * @throws {ListenError} naming the host of the final failure
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenOnFirstHost } from "./listen.ts";
 *
 * const used = await listenOnFirstHost(["127.0.0.1"], (host) => Promise.resolve(host));
 * assert(used === "127.0.0.1");
 * ```
 */
export async function listenOnFirstHost<T>(
  hosts: readonly string[],
  start: (host: string) => Promise<T>,
): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await start(hosts[i]);
    } catch (error) {
      const noIpv6 = error instanceof NetError &&
        (error.code === "EAFNOSUPPORT" || error.code === "EADDRNOTAVAIL");
      if (!noIpv6 || i + 1 >= hosts.length) throw new ListenError(hosts[i], error);
    }
  }
}

/** Options for {@linkcode listenFailure}. */
export interface ListenFailureOptions {
  /** A free port to suggest when the port is busy. */
  suggestPort: number;
  /** The flag that sets the port, for the suggestion. @default "--port" */
  flag?: string;
  /** What else may be wrong when the error has no known code (`check --tls-cert…`). */
  hint?: string;
}

/**
 * One line that names the problem and the fix, for a server that could not start.
 *
 * @param error what {@linkcode listenOnFirstHost} threw
 * @param port the port asked for
 * @param options the port to suggest, and a hint for unknown errors
 * @returns e.g. `cannot listen on [::]:37: permission denied; ports below 1024 need root …`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listenFailure, ListenError } from "./listen.ts";
 * import { NetError } from "../net/errors.ts";
 *
 * const error = new ListenError("0.0.0.0", new NetError("EADDRINUSE", "in use"));
 * const line = listenFailure(error, 8000, { suggestPort: 8080 });
 * assert(line.startsWith("cannot listen on 0.0.0.0:8000: port 8000 is already in use"));
 * ```
 */
export function listenFailure(error: unknown, port: number, options: ListenFailureOptions): string {
  const host = error instanceof ListenError ? error.host : "";
  const cause = error instanceof ListenError ? error.cause : error;
  const where = `cannot listen on ${formatHostPort(host, port)}`;
  const flag = options.flag ?? "--port";
  const code = cause instanceof NetError ? cause.code : undefined;
  // The adapter's message starts with its own "Cannot listen on HOST:PORT" (or
  // "Cannot bind UDP HOST:PORT"): the place is said once.
  const message = (cause instanceof Error ? cause.message : String(cause))
    .replace(/^Cannot (listen on|bind UDP) \S+: /, "");
  const notFound = `${where}: '${host}' is not an address or a known host name`;
  const other = `${where}: ${message}${options.hint ? ` (${options.hint})` : ""}`;
  switch (code) {
    case "EADDRINUSE":
      return `${where}: port ${port} is already in use; pick another with ` +
        `${flag} ${port === options.suggestPort ? port + 1 : options.suggestPort} ` +
        `(or ${flag} 0 for any free port)`;
    case "EACCES":
      return `${where}: permission denied; ports below 1024 need root or CAP_NET_BIND_SERVICE ` +
        `(sudo setcap cap_net_bind_service=+ep netkit), or use ${flag} ${options.suggestPort}`;
    case "EADDRNOTAVAIL":
      return `${where}: ${host} is not an address of this machine; ` +
        `use one of its addresses, or leave out --host to listen on all`;
    case "ENOTFOUND":
      return notFound;
    case "EAFNOSUPPORT":
      return `${where}: this system has no IPv6; use --host 0.0.0.0`;
    case "EOTHER":
      // Bun says EINVAL or only "Failed to listen" for a host it cannot resolve
      // (256.1.1.1); its words follow, in case the name was not the trouble.
      return host && !isIPv4(host) && !isIPv6(host) ? `${notFound} (${message})` : other;
    default:
      return other;
  }
}
