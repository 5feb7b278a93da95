/**
 * The media type a file is served with.
 *
 * @module
 */
import mime from "mime";

/** Types worth compressing beyond text/* (RFC 8259 JSON, RFC 9239 JavaScript, SVG, XML, wasm). */
const COMPRESSIBLE_REGEXP =
  /^(text\/|application\/(json|javascript|xml|wasm|manifest\+json|ld\+json)|image\/svg\+xml)/;

/**
 * The media type of a path, from the `mime` table, with a charset for text.
 *
 * @param path a file name or path
 * @returns e.g. `text/html; charset=utf-8`; `application/octet-stream` when unknown
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentType } from "./content_type.ts";
 *
 * assert(contentType("a/index.html") === "text/html; charset=utf-8");
 * assert(contentType("x.unknownext") === "application/octet-stream");
 * ```
 */
export function contentType(path: string): string {
  const type = mime.getType(path) ?? "application/octet-stream";
  const textual = type.startsWith("text/") || type === "application/json" ||
    type === "application/javascript" || type === "image/svg+xml" || type === "application/xml";
  return textual ? `${type}; charset=utf-8` : type;
}

/**
 * Whether responses of a media type are worth compressing.
 *
 * @param type a Content-Type value
 * @returns true for text, JSON, JavaScript, XML, SVG and wasm
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isCompressible } from "./content_type.ts";
 *
 * assert(isCompressible("text/css; charset=utf-8"));
 * assert(!isCompressible("image/png"));
 * ```
 */
export function isCompressible(type: string): boolean {
  return COMPRESSIBLE_REGEXP.test(type);
}
