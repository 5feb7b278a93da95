/**
 * `fetch` on Deno, its failures as {@linkcode NetError}s.
 *
 * Deno words every fetch failure as text in the error's `cause` (rustls and
 * hyper messages): "dns error", "tcp connect error: Connection refused (os
 * error 111)", "invalid peer certificate: UnknownIssuer", "invalid HTTP
 * version parsed". This file is the one place that reads that text.
 *
 * @module
 */
import type { FetchExtras } from "../types.ts";
import type { NetErrorCode } from "../errors.ts";
import { type FetchFailure, guardedFetch } from "../_fetch.ts";
import { classifyNodeStyleError } from "../_node_codes.ts";
import { withIdentityEncoding } from "../_shared.ts";
import { nodeFetch } from "./_node_fetch.ts";

/** Deno's fetch error text, first match wins (certificate reasons before TLS in general). */
const DENO_FETCH_ERRORS: [RegExp, NetErrorCode, string?][] = [
  [/are blocked/i, "EBADPORT"],
  [/dns error|failed to lookup address/i, "ENOTFOUND"],
  [/CaUsedAsEndEntity|self[- ]signed/i, "CERT_UNTRUSTED", "self-signed certificate"],
  [/UnknownIssuer/, "CERT_UNTRUSTED", "unknown issuer"],
  [/not valid for name|NotValidForName/i, "CERT_HOSTNAME"],
  [/certificate expired|not valid yet|NotValidYet|Expired/i, "CERT_EXPIRED"],
  [/invalid peer certificate/i, "CERT_UNTRUSTED"],
  [/os error 111|connection refused/i, "ECONNREFUSED"],
  [/os error 113|no route to host/i, "EHOSTUNREACH"],
  [/os error 101|network is unreachable/i, "ENETUNREACH"],
  [/os error 110|timed out/i, "ETIMEDOUT"],
  [/os error 32|broken pipe/i, "EPIPE"],
  [/os error 104|connection reset|closed before message completed/i, "ECONNRESET"],
  // Deno says nothing more about a body that broke off (reset, short, bad chunk).
  [/error reading a body/i, "ECONNRESET"],
  [/tls|handshake|corrupt message|peer is incompatible|alert/i, "TLS_FAILED"],
  [/invalid HTTP|parse|invalid (status|header|chunk)|message head/i, "EPROTO"],
];

/** The messages of an error and its causes, URLs left out (a host name is no reason). */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const message = (current as { message?: unknown }).message;
    parts.push(typeof message === "string" ? message : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(": ").replace(/\bhttps?:\/\/\S+/g, "").replace(/\([^()]*:\d+\)/g, "");
}

/**
 * Reads one of Deno's fetch errors.
 *
 * @param error what Deno's fetch (or its body) threw
 * @returns the code, and a detail for certificate failures
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyDenoFetchError } from "./fetch.ts";
 *
 * const error = new TypeError("fetch failed", {
 *   cause: new Error("client error (Connect): invalid peer certificate: UnknownIssuer"),
 * });
 * assert(classifyDenoFetchError(error).code === "CERT_UNTRUSTED");
 * ```
 */
export function classifyDenoFetchError(error: unknown): FetchFailure {
  const text = errorText(error);
  for (const [pattern, code, detail] of DENO_FETCH_ERRORS) {
    if (pattern.test(text)) return { code, detail };
  }
  return { code: "EOTHER" };
}

/**
 * {@linkcode NetAdapter.fetch} on Deno. It never decodes a content coding.
 * Deno's fetch decodes gzip and br unless the request's Accept-Encoding is
 * exactly `identity` (Deno 2.9), so a request without one gets `identity`,
 * and a request whose caller chose one goes over node:http(s), which hands
 * over the server's bytes. Certificate checks can only be turned off for the
 * whole process (--unsafely-ignore-certificate-errors), never per request.
 *
 * @param url what to fetch
 * @param init the request
 * @param extras `insecure` reaches only the node:http(s) path; Deno's own
 *   fetch checks certificates unless the process has the flag. `caCerts`
 *   reaches both: a `Deno.createHttpClient({ caCerts })` (one per set of
 *   CAs, kept for the process) or node:https's `ca`
 * @returns the response, its body's read errors NetErrors too
 * @throws {NetError} ENOTFOUND, ECONNREFUSED, CERT_*, EABORTED…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoFetch } from "./fetch.ts";
 *
 * if (navigator.userAgent.startsWith("Deno/")) {
 *   const failed = await denoFetch(new URL("http://127.0.0.1:25/"), {}).catch((e) => e.code);
 *   assert(failed === "EBADPORT");
 * }
 * ```
 */
export function denoFetch(
  url: URL,
  init: RequestInit,
  extras: FetchExtras = {},
): Promise<Response> {
  const chosen = new Headers(init.headers).get("accept-encoding");
  if (chosen !== null && chosen.trim().toLowerCase() !== "identity") {
    return guardedFetch(
      () => nodeFetch(url, init, { insecure: extras.insecure, caCerts: extras.caCerts }),
      init.signal,
      classifyNodeStyleError,
    );
  }
  const client = extras.caCerts ? _clientTrusting(extras.caCerts) : undefined;
  return guardedFetch(
    () => fetch(url, { ...withIdentityEncoding(init), ...(client ? { client } : {}) }),
    init.signal,
    classifyDenoFetchError,
  );
}

/** One client per set of CAs, so its connections are pooled and reused across requests. */
const clients = new Map<string, Deno.HttpClient>();

/** A client that trusts `caCerts` besides Deno's roots (and DENO_CERT). */
function _clientTrusting(caCerts: string[]): Deno.HttpClient {
  const key = caCerts.join("\n");
  let client = clients.get(key);
  if (!client) {
    client = Deno.createHttpClient({ caCerts });
    clients.set(key, client);
  }
  return client;
}
