/**
 * Deno's socket and file errors as {@linkcode NetError}s: by the class names
 * of `Deno.errors`, then by errno. Private to `src/net/deno`.
 *
 * @module
 */
import { NetError, type NetErrorCode } from "../errors.ts";
import { errnoCode, netError } from "../_net_error.ts";

/** The names of Deno's error classes (`Deno.errors.*`) mapped to codes. */
const NAME_TO_CODE: Record<string, NetErrorCode> = {
  AddrInUse: "EADDRINUSE",
  PermissionDenied: "EACCES",
  NotCapable: "EACCES",
  AddrNotAvailable: "EADDRNOTAVAIL",
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNRESET",
  NotConnected: "ECONNRESET",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  AbortError: "EABORTED",
  NotFound: "ENOENT",
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
  FilesystemLoop: "ELOOP",
};

/** Linux errno numbers in Deno's "(os error N)" that no class name covers. */
const OS_ERRORS: Record<string, NetErrorCode> = {
  "24": "EMFILE",
  "36": "ENAMETOOLONG",
  "97": "EAFNOSUPPORT",
  "101": "ENETUNREACH",
  "113": "EHOSTUNREACH",
};

/**
 * Turns what Deno threw into a NetError.
 *
 * @param error the native error
 * @param context what was being done, e.g. `Cannot listen on 127.0.0.1:37`
 * @returns a NetError worded `context: phrase`, the native error as `cause`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toNetError } from "./to_net_error.ts";
 *
 * // What Deno.listen throws for a port in use: a Deno.errors.AddrInUse.
 * const native = Object.assign(new Error("Address in use (os error 98)"), { name: "AddrInUse" });
 * const error = toNetError(native, "Cannot listen");
 * assert(error.code === "EADDRINUSE");
 * assert(error.message === "Cannot listen: address already in use");
 * ```
 */
export function toNetError(error: unknown, context: string): NetError {
  if (error instanceof NetError) return error;
  const e = error as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === "string" ? e.name : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  const code = NAME_TO_CODE[name] ?? errnoCode(error) ??
    OS_ERRORS[/os error (\d+)/.exec(message)?.[1] ?? ""] ??
    (/lookup address|Name or service not known|getaddrinfo/i.test(message)
      ? "ENOTFOUND"
      : "EOTHER");
  return netError(code, context, { cause: error });
}
