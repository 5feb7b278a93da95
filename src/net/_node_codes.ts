/**
 * How errors that carry a node-style `code` become NetError codes: Bun's
 * fetch names every failure that way (errno names, OpenSSL verification
 * results such as DEPTH_ZERO_SELF_SIGNED_CERT, node's
 * ERR_TLS_CERT_ALTNAME_INVALID, names of its own such as
 * Malformed_HTTP_Response), and so does node:http. Private to `src/net`.
 *
 * @module
 */
import type { NetErrorCode } from "./errors.ts";
import type { FetchFailure } from "./_fetch.ts";
import { errnoCode } from "./_net_error.ts";

const SELF_SIGNED = "self-signed certificate";
const UNKNOWN_ISSUER = "unknown issuer";

/** Node-style error codes that are not errno names (Bun's fetch, node:http). */
const NODE_STYLE_CODES: Record<string, [NetErrorCode, string?]> = {
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
  // node:http's parser (llhttp) failures.
  HPE_INVALID_CONSTANT: ["EPROTO"],
  HPE_INVALID_HEADER_TOKEN: ["EPROTO"],
  HPE_INVALID_CHUNK_SIZE: ["EPROTO"],
  ERR_SSL_WRONG_VERSION_NUMBER: ["TLS_FAILED"],
  ABORT_ERR: ["EABORTED"],
};

/**
 * Reads an error named by a node-style `code`: Bun's fetch errors, and
 * node:http's (which Deno's adapter uses for one kind of request).
 *
 * @param error what the fetch (or its body) threw
 * @returns the code, and a detail for certificate failures
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyNodeStyleError } from "./_node_codes.ts";
 *
 * const error = Object.assign(new TypeError("self signed certificate"), {
 *   code: "DEPTH_ZERO_SELF_SIGNED_CERT",
 * });
 * const failure = classifyNodeStyleError(error);
 * assert(failure.code === "CERT_UNTRUSTED" && failure.detail === "self-signed certificate");
 * ```
 */
export function classifyNodeStyleError(error: unknown): FetchFailure {
  const raw = (error as { code?: unknown } | null)?.code;
  const code = typeof raw === "string" ? raw : "";
  const known = NODE_STYLE_CODES[code];
  if (known) return { code: known[0], detail: known[1] };
  const errno = errnoCode(error);
  if (errno) return { code: errno };
  if (/CERT/.test(code)) return { code: "CERT_UNTRUSTED", detail: code.toLowerCase() };
  if (/TLS|SSL|HANDSHAKE/i.test(code)) return { code: "TLS_FAILED" };
  if (/^HPE_|HTTP|Response|Header/i.test(code)) return { code: "EPROTO" };
  return { code: "EOTHER" };
}
