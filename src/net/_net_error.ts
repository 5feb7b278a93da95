/**
 * How both adapters word a {@linkcode NetError}: one short phrase per code,
 * and the errno codes that Bun's and Deno's node-style errors already carry.
 * Private to `src/net`.
 *
 * @module
 */
import { NetError, type NetErrorCode } from "./errors.ts";

/**
 * A short human phrase for each code, without any runtime's wording.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PHRASES } from "./_net_error.ts";
 *
 * assert(PHRASES.ECONNREFUSED === "connection refused");
 * ```
 */
export const PHRASES: Readonly<Record<NetErrorCode, string>> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "address not available on this machine",
  EAFNOSUPPORT: "address family not supported",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  ETIMEDOUT: "timed out",
  EABORTED: "aborted",
  EMFILE: "too many open files",
  EPIPE: "broken pipe",
  EPROTO: "malformed response",
  EBADPORT: "port is blocked by the runtime",
  CERT_UNTRUSTED: "certificate is not trusted",
  CERT_HOSTNAME: "certificate is not valid for this host name",
  CERT_EXPIRED: "certificate has expired or is not yet valid",
  TLS_FAILED: "TLS handshake failed",
  EPERM: "operation not permitted",
  ENOSYS: "not supported here",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
  EOTHER: "failed",
};

/** errno names that both runtimes' node-style errors carry as `code`, kept as they are. */
const ERRNO_CODES = new Set<string>([
  "EADDRINUSE",
  "EACCES",
  "EADDRNOTAVAIL",
  "EAFNOSUPPORT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EMFILE",
  "EPIPE",
  "EPERM",
  "ENOENT",
  "ENOTDIR",
  "EISDIR",
  "ENAMETOOLONG",
  "ELOOP",
]);

/**
 * The code of an error that carries a node-style errno `code` (getaddrinfo's
 * `EAI_NONAME` and `EAI_AGAIN` become ENOTFOUND).
 *
 * @param error what a runtime threw
 * @returns the code, or undefined when the error has none we know
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoCode } from "./_net_error.ts";
 *
 * assert(errnoCode(Object.assign(new Error("x"), { code: "EAI_AGAIN" })) === "ENOTFOUND");
 * assert(errnoCode(new Error("no code")) === undefined);
 * ```
 */
export function errnoCode(error: unknown): NetErrorCode | undefined {
  const raw = (error as { code?: unknown } | null)?.code;
  if (typeof raw !== "string") return undefined;
  if (ERRNO_CODES.has(raw)) return raw as NetErrorCode;
  if (raw === "EAI_NONAME" || raw === "EAI_AGAIN" || raw === "EAI_FAIL") return "ENOTFOUND";
  return undefined;
}

/**
 * Options for {@linkcode netError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NetErrorOptions } from "./_net_error.ts";
 *
 * const options: NetErrorOptions = { cause: new Error("native"), detail: "unknown issuer" };
 * assert(options.detail === "unknown issuer");
 * ```
 */
export interface NetErrorOptions {
  /** The native error. */
  cause?: unknown;
  /** A few more words after the phrase, e.g. `self-signed certificate`. */
  detail?: string;
}

/**
 * A NetError worded `context: phrase[: detail]`; `EOTHER` keeps the native
 * message, since no phrase says more than it.
 *
 * @param code the normalised code
 * @param context what was being done (`Cannot listen on 127.0.0.1:37`), or "" for none
 * @param options the native error and extra detail
 * @returns the error, with the native one as `cause`
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { netError } from "./_net_error.ts";
 *
 * const error = netError("EADDRINUSE", "Cannot listen on 127.0.0.1:37");
 * assert(error.message === "Cannot listen on 127.0.0.1:37: address already in use");
 * ```
 */
export function netError(
  code: NetErrorCode,
  context: string,
  options: NetErrorOptions = {},
): NetError {
  const native = options.cause as { message?: unknown } | undefined;
  const phrase = code === "EOTHER" && typeof native?.message === "string"
    ? native.message
    : PHRASES[code];
  const text = options.detail ? `${phrase}: ${options.detail}` : phrase;
  return new NetError(code, context ? `${context}: ${text}` : text, { cause: options.cause });
}
