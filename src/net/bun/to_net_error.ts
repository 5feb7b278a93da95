/**
 * Bun's socket and file errors as {@linkcode NetError}s: Bun gives node-style
 * errno `code`s. Private to `src/net/bun`.
 *
 * @module
 */
import { NetError } from "../errors.ts";
import { errnoCode, netError } from "../_net_error.ts";

/**
 * Turns what Bun threw into a NetError.
 *
 * @param error the native error
 * @param context what was being done, e.g. `Cannot listen on 127.0.0.1:37`
 * @returns a NetError worded `context: phrase`, the native error as `cause`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toNetError } from "./to_net_error.ts";
 *
 * const native = Object.assign(new Error("Failed to listen"), { code: "EADDRINUSE" });
 * const error = toNetError(native, "Cannot listen");
 * assert(error.code === "EADDRINUSE");
 * assert(error.message === "Cannot listen: address already in use");
 * ```
 */
export function toNetError(error: unknown, context: string): NetError {
  if (error instanceof NetError) return error;
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === "string" ? e.message : String(error);
  const code = errnoCode(error) ??
    (e?.code === "DNSException" ? "ENOTFOUND" : undefined) ??
    (/permission denied|EACCES/i.test(message) ? "EACCES" : "EOTHER");
  return netError(code, context, { cause: error });
}
