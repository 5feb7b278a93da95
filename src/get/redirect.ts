/**
 * netkit's redirect policy: which statuses redirect, where a `Location` may
 * lead, what a hop keeps of the request (RFC 9110 §15.4).
 *
 * @module
 */
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";

/** Statuses that redirect with a `Location` (RFC 9110 §15.4.2–§15.4.9). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A request as it goes out on one hop. */
export interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body?: Uint8Array<ArrayBuffer>;
}

/** Options for {@linkcode nextHop}. */
export interface NextHopOptions {
  /** Follow a redirect from HTTPS to HTTP (`--allow-downgrade`). */
  allowDowngrade: boolean;
}

/**
 * The request after a redirect from `hop`: credentials dropped when it leaves
 * the host, POST turned into GET after 303 (and 301/302, as browsers do).
 *
 * @param hop the request that was redirected (not changed)
 * @param response the 3xx response, with its `Location`
 * @param options the downgrade permission
 * @returns the next request
 * @throws {DownloadError} for a bad or non-HTTP target (1), or HTTPS to HTTP (112)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextHop } from "./redirect.ts";
 *
 * const hop = { url: new URL("http://a.test/x"), method: "POST", headers: new Headers({ authorization: "Basic YTpi" }) };
 * const response = new Response(null, { status: 303, headers: { location: "http://b.test/y" } });
 * const next = nextHop(hop, response, { allowDowngrade: false });
 * assert(next.method === "GET" && !next.headers.has("authorization"));
 * ```
 */
export function nextHop(hop: Hop, response: Response, options: NextHopOptions): Hop {
  const location = response.headers.get("location") ?? "";
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new DownloadError(
      EXIT.FAILURE,
      `Bad redirect location from ${hop.url.host}: ${location}`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DownloadError(EXIT.FAILURE, `Refusing redirect to ${url.protocol} URL: ${url.href}`);
  }
  if (hop.url.protocol === "https:" && url.protocol === "http:" && !options.allowDowngrade) {
    throw new DownloadError(
      EXIT.DOWNGRADE_REFUSED,
      `Refusing redirect from HTTPS to HTTP (${url.href}); --allow-downgrade permits it`,
    );
  }
  const headers = new Headers(hop.headers);
  if (url.host !== hop.url.host || url.protocol !== hop.url.protocol) {
    // Credentials are for the host the user named, never for wherever it sends us.
    headers.delete("authorization");
    headers.delete("cookie");
  }
  const status = response.status;
  if (status === 303 || (status <= 302 && hop.method === "POST")) {
    headers.delete("content-type");
    return { url, method: hop.method === "HEAD" ? "HEAD" : "GET", headers };
  }
  return { url, method: hop.method, headers, body: hop.body };
}
