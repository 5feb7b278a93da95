/**
 * What every runtime error becomes before it leaves `src/net/`: a
 * {@linkcode NetError} with a code both adapters agree on, so callers give one
 * clear message (and `get` one exit code) whatever the runtime.
 *
 * @module
 */

/**
 * The codes the adapters normalise native errors to. Socket and resolver
 * errors keep their errno names; TLS failures get names of their own; EPERM
 * and ENOSYS come from setting the clock; ENOENT, ENOTDIR, EISDIR,
 * ENAMETOOLONG, ELOOP (and EACCES, EPERM) from the file system.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NetErrorCode } from "./errors.ts";
 *
 * const code: NetErrorCode = "CERT_EXPIRED";
 * assert(code.startsWith("CERT_"));
 * ```
 */
export type NetErrorCode =
  | "EADDRINUSE"
  | "EACCES"
  | "EADDRNOTAVAIL"
  | "EAFNOSUPPORT"
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "EHOSTUNREACH"
  | "ENETUNREACH"
  | "ENOTFOUND"
  | "ETIMEDOUT"
  | "EABORTED"
  | "EMFILE"
  | "EPIPE"
  | "EPROTO"
  | "EBADPORT"
  | "CERT_UNTRUSTED"
  | "CERT_HOSTNAME"
  | "CERT_EXPIRED"
  | "TLS_FAILED"
  | "EPERM"
  | "ENOSYS"
  | "ENOENT"
  | "ENOTDIR"
  | "EISDIR"
  | "ENAMETOOLONG"
  | "ELOOP"
  | "EOTHER";

/**
 * A network failure with a code both adapters agree on.
 *
 * | code | meaning |
 * |---|---|
 * | `ENOTFOUND` | the host name did not resolve |
 * | `ECONNREFUSED`, `EHOSTUNREACH`, `ENETUNREACH` | no connection could be made |
 * | `ECONNRESET`, `EPIPE` | the peer dropped the connection |
 * | `ETIMEDOUT` | the network gave up waiting |
 * | `EABORTED` | the caller's `AbortSignal` fired |
 * | `EPROTO` | the peer's bytes were not valid (a malformed HTTP response) |
 * | `EBADPORT` | the runtime refuses the port (fetch's "bad ports": 22, 25, …) |
 * | `CERT_UNTRUSTED` | the certificate chain does not lead to a trusted root |
 * | `CERT_HOSTNAME` | the certificate is not for the host asked |
 * | `CERT_EXPIRED` | the certificate is expired or not yet valid |
 * | `TLS_FAILED` | any other TLS handshake failure |
 * | `EPERM` | the operation needs privileges (setting the clock) |
 * | `ENOSYS` | the runtime or system cannot do it here |
 * | `ENOENT`, `ENOTDIR`, `EISDIR`, `ENAMETOOLONG`, `ELOOP` | a path does not lead to the file asked |
 * | `EOTHER` | anything else (the message says what) |
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NetError } from "./errors.ts";
 *
 * const error = new NetError("ECONNREFUSED", "connection refused", {
 *   cause: new Error("tcp connect error: Connection refused (os error 111)"),
 * });
 * assert(error.code === "ECONNREFUSED");
 * assert(error.message === "connection refused");
 * ```
 */
export class NetError extends Error {
  /** The normalised error code. */
  readonly code: NetErrorCode;
  constructor(code: NetErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NetError";
    this.code = code;
  }
}
