/**
 * A fetch over node:http and node:https, for the one request Deno's own
 * fetch cannot make: one whose caller chose an Accept-Encoding. Deno 2.9's
 * fetch then decodes gzip and br bodies itself (unless the header is exactly
 * `identity`) yet keeps the server's Content-Encoding and Content-Length;
 * its node:http client hands over the server's bytes. Private to `src/net/deno`.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import { nodeStream } from "../../lazy_node.ts";

/** Statuses whose responses cannot carry a body (Fetch standard: "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function toHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) {
    headers.append(message.rawHeaders[i], message.rawHeaders[i + 1]);
  }
  return headers;
}

async function requestBody(body: BodyInit | null | undefined): Promise<Uint8Array | undefined> {
  if (body === null || body === undefined) return undefined;
  return new Uint8Array(await new Response(body).arrayBuffer());
}

/**
 * Options for {@linkcode nodeFetch}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { NodeFetchOptions } from "./_node_fetch.ts";
 *
 * const options: NodeFetchOptions = { insecure: true };
 * assert(options.insecure);
 * ```
 */
export interface NodeFetchOptions {
  /** Accept any TLS certificate (`-k`): node:https does not see Deno's process-wide flag. */
  insecure?: boolean;
  /** PEM certificates trusted besides node's roots (and NODE_EXTRA_CA_CERTS). */
  caCerts?: string[];
}

/**
 * `fetch(url, init)` on node:http(s): no redirects followed, no content
 * coding decoded.
 *
 * @param url what to fetch (http: or https:)
 * @param init method, headers, body and signal
 * @param options certificate checks
 * @returns the response
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeFetch } from "./_node_fetch.ts";
 *
 * const failed = await nodeFetch(new URL("http://netkit-doc.invalid/"), {}).catch((e) => e.code);
 * assert(failed === "ENOTFOUND" || failed === "EAI_AGAIN");
 * ```
 */
export async function nodeFetch(
  url: URL,
  init: RequestInit,
  options: NodeFetchOptions = {},
): Promise<Response> {
  // Imported here: only this rare request pays for loading node:http(s).
  const client = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  const body = await requestBody(init.body);
  // node:https's `ca` replaces its roots: keep them, and add the caller's.
  const ca = options.caCerts &&
    [...(await import("node:tls")).rootCertificates, ...options.caCerts];
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => (headers[name] = value));
  if (body && !("content-length" in headers)) headers["content-length"] = String(body.length);
  return await new Promise<Response>((resolve, reject) => {
    const request = client.request(url, {
      method: init.method ?? "GET",
      headers,
      signal: init.signal ?? undefined,
      ...(options.insecure ? { rejectUnauthorized: false } : {}),
      ...(ca ? { ca } : {}),
    }, (message) => {
      const status = message.statusCode ?? 0;
      const stream = NULL_BODY_STATUSES.has(status) || init.method?.toUpperCase() === "HEAD"
        ? null
        : nodeStream().Readable.toWeb(message) as ReadableStream<Uint8Array>;
      if (!stream) message.resume();
      resolve(
        new Response(stream, {
          status,
          statusText: message.statusMessage ?? "",
          headers: toHeaders(message),
        }),
      );
    });
    request.on("error", reject);
    request.end(body);
  });
}
