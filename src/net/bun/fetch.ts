/**
 * `fetch` on Bun, its failures as {@linkcode NetError}s.
 *
 * Bun names every fetch failure in the error's `code`, node-style; see
 * `../_node_codes.ts` for how they are read.
 *
 * @module
 */
import type { FetchExtras } from "../types.ts";
import { guardedFetch } from "../_fetch.ts";
import { classifyNodeStyleError } from "../_node_codes.ts";
import { withIdentityEncoding } from "../_shared.ts";

/**
 * {@linkcode NetAdapter.fetch} on Bun. It never decodes a content coding
 * (`decompress: false`), and asks for `identity` when the caller chose no
 * Accept-Encoding, as Deno's does.
 *
 * @param url what to fetch
 * @param init the request
 * @param extras `insecure`: accept any certificate, for this request only;
 *   `caCerts`: trust these CAs too (Bun's `tls.ca`)
 * @returns the response, its body's read errors NetErrors too
 * @throws {NetError} ENOTFOUND, ECONNREFUSED, CERT_*, EABORTED…
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bunFetch } from "./fetch.ts";
 *
 * if (navigator.userAgent.startsWith("Bun/")) {
 *   const failed = await bunFetch(new URL("http://netkit-doc.invalid/"), {}).catch((e) => e.code);
 *   assert(failed === "ENOTFOUND");
 * }
 * ```
 */
export function bunFetch(url: URL, init: RequestInit, extras: FetchExtras = {}): Promise<Response> {
  // Bun's own fetch options, which new Request() would drop.
  const bunInit: RequestInit & {
    decompress: false;
    tls?: { rejectUnauthorized?: boolean; ca?: string[] };
  } = { ...withIdentityEncoding(init), decompress: false };
  if (extras.insecure) bunInit.tls = { rejectUnauthorized: false };
  return guardedFetch(
    async () => {
      // Bun's `ca` replaces its roots, as node's does: keep them, and add the
      // caller's. node:tls is loaded only then: it costs every start-up ~5 ms.
      if (extras.caCerts) {
        const { rootCertificates } = await import("node:tls");
        bunInit.tls = { ...bunInit.tls, ca: [...rootCertificates, ...extras.caCerts] };
      }
      return await fetch(url, bunInit);
    },
    init.signal,
    classifyNodeStyleError,
  );
}
