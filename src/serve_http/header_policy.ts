/**
 * The headers the server's options add: CORS (`--cors`), extra headers
 * (`--header`), Cache-Control (`--cache`), and the answer to OPTIONS.
 *
 * @module
 */
import { respond } from "./respond.ts";

/** The methods the file server answers (RFC 9110 §9.3). */
export const ALLOWED_METHODS = "GET, HEAD, OPTIONS";

/** Options for {@linkcode HeaderPolicy}. */
export interface HeaderPolicyOptions {
  /** Send `Access-Control-Allow-Origin: *` and answer preflight requests. @default false */
  cors?: boolean;
  /** Extra headers on every response. */
  headers?: [string, string][];
  /** `Cache-Control: max-age=N`; undefined sends `no-cache` (revalidate every time). */
  cacheSeconds?: number;
  /** The Allow list (with `--upload` the write methods too). @default {@linkcode ALLOWED_METHODS} */
  allow?: string;
  /** More headers on the answer to OPTIONS (with `--upload`, the resumable uploads' `Upload-Limit`). */
  optionsHeaders?: [string, string][];
}

/**
 * Adds the option-given headers to responses and answers OPTIONS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeaderPolicy } from "./header_policy.ts";
 *
 * const policy = new HeaderPolicy({ cors: true, headers: [["X-Frame-Options", "DENY"]] });
 * const response = policy.finish(new Response("hi"));
 * assert(response.headers.get("access-control-allow-origin") === "*");
 * assert(response.headers.get("x-frame-options") === "DENY");
 * assert(policy.cacheControl === "no-cache");
 * ```
 */
export class HeaderPolicy {
  /** The Cache-Control value files are served with. */
  readonly cacheControl: string;
  #cors: boolean;
  #headers: [string, string][];
  #allow: string;
  #optionsHeaders: [string, string][];

  constructor(options: HeaderPolicyOptions = {}) {
    this.#allow = options.allow ?? ALLOWED_METHODS;
    this.#optionsHeaders = options.optionsHeaders ?? [];
    this.cacheControl = options.cacheSeconds === undefined
      ? "no-cache"
      : `max-age=${options.cacheSeconds}`;
    this.#cors = options.cors ?? false;
    this.#headers = options.headers ?? [];
  }

  /**
   * Adds the headers every response carries.
   *
   * @param response the response (changed in place)
   * @returns the same response
   */
  finish(response: Response): Response {
    const h = response.headers;
    if (this.#cors) h.set("access-control-allow-origin", "*");
    for (const [name, value] of this.#headers) h.set(name, value);
    return response;
  }

  /**
   * Answers OPTIONS (for a path or for `*`, RFC 9110 §9.3.7): 204 with Allow,
   * and with `--cors` what a CORS preflight asks for.
   *
   * @param request the OPTIONS request
   * @returns the 204 response
   */
  options(request: Request): Response {
    const headers: [string, string][] = [["allow", this.#allow], ...this.#optionsHeaders];
    if (this.#cors) {
      headers.push(
        ["access-control-allow-methods", this.#allow],
        [
          "access-control-allow-headers",
          request.headers.get("access-control-request-headers") ?? "*",
        ],
        ["access-control-max-age", "86400"],
      );
    }
    return respond(null, headers, { status: 204 });
  }
}
