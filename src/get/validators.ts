/**
 * What a resumed download must match: the validators of the response a
 * `.part` came from, and the `If-Range` value they give (RFC 9110 §13.1.5).
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** What a resumed download must match: the response the `.part` came from. */
export interface Validators {
  url?: string;
  etag?: string;
  lastModified?: string;
  /** The complete length of the body. */
  length?: number;
}

/**
 * The declared `Content-Length` of a response, when it is a plain number.
 *
 * @param response the response
 * @returns the length in bytes on the wire, or undefined
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentLength } from "./validators.ts";
 *
 * const response = new Response("abc", { headers: { "content-length": "3" } });
 * assert(contentLength(response) === 3);
 * ```
 */
export function contentLength(response: Response): number | undefined {
  const value = response.headers.get("content-length");
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The validators of `response`, fetched from `url`. The length is kept only
 * for a `200` without a content coding (it is then the file's length).
 *
 * @param url the final URL
 * @param response the response
 * @returns URL, ETag, Last-Modified and length, as far as known
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validatorsOf } from "./validators.ts";
 *
 * const response = new Response("abc", { headers: { etag: '"v1"', "content-length": "3" } });
 * const v = validatorsOf(new URL("http://example.com/f"), response);
 * assert(v.etag === '"v1"' && v.length === 3);
 * ```
 */
export function validatorsOf(url: URL, response: Response): Validators {
  const v: Validators = { url: url.href };
  const etag = response.headers.get("etag");
  const lastModified = response.headers.get("last-modified");
  if (etag) v.etag = etag;
  if (lastModified) v.lastModified = lastModified;
  const length = response.status === 200 ? contentLength(response) : undefined;
  if (length !== undefined && !response.headers.has("content-encoding")) v.length = length;
  return v;
}

/**
 * RFC 9110 §13.1.5: `If-Range` takes a strong ETag or a Last-Modified date.
 *
 * @param v the validators of the partial file
 * @returns the header value, or undefined when there is none to send
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ifRangeValidator } from "./validators.ts";
 *
 * assert(ifRangeValidator({ etag: '"a"' }) === '"a"');
 * assert(ifRangeValidator({ etag: 'W/"a"' }) === undefined);
 * ```
 */
export function ifRangeValidator(v: Validators): string | undefined {
  if (v.etag && !v.etag.startsWith("W/")) return v.etag;
  return v.lastModified;
}

/**
 * Reads validators saved as JSON (a `.part.json`, or `-N`'s sidecar); an
 * unreadable file, or a field of the wrong type, counts as not saved.
 *
 * @param path the JSON file
 * @returns what it holds, `{}` when nothing usable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readValidators } from "./validators.ts";
 *
 * assert.deepEqual(readValidators("/nonexistent/netkit.json"), {});
 * ```
 */
export function readValidators(path: string): Validators {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    const v: Validators = {};
    if (typeof parsed.url === "string") v.url = parsed.url;
    if (typeof parsed.etag === "string") v.etag = parsed.etag;
    if (typeof parsed.lastModified === "string") v.lastModified = parsed.lastModified;
    if (Number.isSafeInteger(parsed.length)) v.length = parsed.length;
    return v;
  } catch {
    return {};
  }
}
