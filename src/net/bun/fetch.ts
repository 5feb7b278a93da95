/**
 * `fetch` on Bun, its failures as {@linkcode NetError}s.
 *
 * Bun names every fetch failure in the error's `code`: errno names
 * (ECONNREFUSED, ENOTFOUND), OpenSSL's verification results
 * (DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE,
 * CERT_HAS_EXPIRED), node's ERR_TLS_CERT_ALTNAME_INVALID, and names of its
 * own (Malformed_HTTP_Response). This file is the one place that reads them.
 *
 * @module
 */
import type { FetchExtras } from "../types.ts";
import type { NetErrorCode } from "../errors.ts";
import { type FetchFailure, guardedFetch } from "../_fetch.ts";
import { errnoCode } from "../_net_error.ts";
import { withIdentityEncoding } from "../_shared.ts";

const SELF_SIGNED = "self-signed certificate";
const UNKNOWN_ISSUER = "unknown issuer";

/** Bun's fetch error codes that are not errno names. */
const BUN_FETCH_CODES: Record<string, [NetErrorCode, string?]> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: ["CERT_UNTRUSTED", SELF_SIGNED],
  SELF_SIGNED_CERT_IN_CHAIN: ["CERT_UNTRUSTED", SELF_SIGNED],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["CERT_UNTRUSTED", UNKNOWN_ISSUER],
  UNABLE_TO_GET_ISSUER_CERT: ["CERT_UNTRUSTED", UNKNOWN_ISSUER],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ["CERT_UNTRUSTED", UNKNOWN_ISSUER],
  CERT_UNTRUSTED: ["CERT_UNTRUSTED"],
  CERT_REJECTED: ["CERT_UNTRUSTED"],
  CERT_SIGNATURE_FAILURE: ["CERT_UNTRUSTED"],
  ERR_TLS_CERT_ALTNAME_INVALID: ["CERT_HOSTNAME"],
  CERT_HAS_EXPIRED: ["CERT_EXPIRED"],
  CERT_NOT_YET_VALID: ["CERT_EXPIRED", "not yet valid"],
  // Bun: "EPROTO: The TLS handshake failed. Does the server speak TLS on this port?"
  EPROTO: ["TLS_FAILED"],
  Malformed_HTTP_Response: ["EPROTO"],
  InvalidHTTPResponse: ["EPROTO"],
  ConnectionClosed: ["ECONNRESET"],
  ConnectionRefused: ["ECONNREFUSED"],
};

/**
 * Reads one of Bun's fetch errors.
 *
 * @param error what Bun's fetch (or its body) threw
 * @returns the code, and a detail for certificate failures
 * @example
 * ```ts
 * import { classifyBunFetchError } from "./fetch.ts";
 *
 * const error = Object.assign(new TypeError("self signed certificate"), {
 *   code: "DEPTH_ZERO_SELF_SIGNED_CERT",
 * });
 * const failure = classifyBunFetchError(error);
 * console.assert(failure.code === "CERT_UNTRUSTED" && failure.detail === "self-signed certificate");
 * ```
 */
export function classifyBunFetchError(error: unknown): FetchFailure {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === "string" ? raw : "";
  const known = BUN_FETCH_CODES[code];
  if (known) return { code: known[0], detail: known[1] };
  const errno = errnoCode(error);
  if (errno) return { code: errno };
  if (/CERT/.test(code)) return { code: "CERT_UNTRUSTED", detail: code.toLowerCase() };
  if (/TLS|SSL|HANDSHAKE/i.test(code)) return { code: "TLS_FAILED" };
  if (/HTTP|Response|Header/i.test(code)) return { code: "EPROTO" };
  return { code: "EOTHER" };
}

/**
 * {@linkcode NetAdapter.fetch} on Bun. It never decodes a content coding
 * (`decompress: false`), and asks for `identity` when the caller chose no
 * Accept-Encoding, as Deno's does.
 *
 * @param url what to fetch
 * @param init the request
 * @param extras `insecure`: accept any certificate, for this request only
 * @returns the response, its body's read errors NetErrors too
 * @throws {NetError} ENOTFOUND, ECONNREFUSED, CERT_*, EABORTED…
 * @example
 * ```ts
 * import { bunFetch } from "./fetch.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const failed = await bunFetch(new URL("http://netkit-doc.invalid/"), {}).catch((e) => e.code);
 *   console.assert(failed === "ENOTFOUND");
 * }
 * ```
 */
export function bunFetch(url: URL, init: RequestInit, extras: FetchExtras = {}): Promise<Response> {
  // Bun's own fetch options, which new Request() would drop.
  const bunInit: RequestInit & { decompress: false; tls?: { rejectUnauthorized: boolean } } = {
    ...withIdentityEncoding(init),
    decompress: false,
  };
  if (extras.insecure) bunInit.tls = { rejectUnauthorized: false };
  return guardedFetch(() => fetch(url, bunInit), init.signal, classifyBunFetchError);
}
