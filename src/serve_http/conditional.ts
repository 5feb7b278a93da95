/**
 * Conditional requests (RFC 9110 §13): If-None-Match and If-Modified-Since
 * for 304, If-Range for ranges, always against the validator of the
 * representation that would be sent.
 *
 * @module
 */
import type { FileInfo } from "../net/types.ts";

/** What a representation is validated by. */
export interface Validator {
  /** The entity tag, quoted, `W/` in front when weak (RFC 9110 §8.8.3). */
  etag: string;
  /** Last-Modified, an HTTP date (RFC 9110 §8.8.2). */
  lastModified: string;
  /** The modification time it was made from, milliseconds since the epoch. */
  mtimeMs: number;
}

/** An entity tag in a list: optional `W/`, then a quoted opaque tag (RFC 9110 §8.8.3). */
const ENTITY_TAG_REGEXP = /(?:W\/)?"[^"]*"/g;

/**
 * The validator of a file's bytes as they are on disk: an entity tag from
 * its size and modification time (no hashing), and its Last-Modified.
 *
 * @param info the file
 * @returns a strong validator
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileValidator } from "./conditional.ts";
 *
 * const info = { isFile: true, isDirectory: false, size: 36, mtimeMs: 1000, dev: 1, ino: 2 };
 * const validator = fileValidator(info);
 * assert(validator.etag === '"10-rs"');
 * assert(validator.lastModified === "Thu, 01 Jan 1970 00:00:01 GMT");
 * ```
 */
export function fileValidator(info: FileInfo): Validator {
  return {
    etag: `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`,
    lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
    mtimeMs: info.mtimeMs,
  };
}

/**
 * A validator for a content-coded representation of the same file: its own
 * tag (RFC 9110 §8.8.3: a tag identifies one representation), weak when the
 * bytes are made on the fly and may differ between runtimes.
 *
 * @param validator the validator of the bytes the coding is applied to
 * @param coding `gzip` or `br`
 * @param options `weak` for on-the-fly compression
 * @returns the coded representation's validator
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { codedValidator } from "./conditional.ts";
 *
 * const plain = { etag: '"a-b"', lastModified: "Thu, 01 Jan 1970 00:00:01 GMT", mtimeMs: 1000 };
 * assert(codedValidator(plain, "gzip", { weak: true }).etag === 'W/"a-b-gzip"');
 * assert(codedValidator(plain, "br").etag === '"a-b-br"');
 * ```
 */
export function codedValidator(
  validator: Validator,
  coding: string,
  options: { weak?: boolean } = {},
): Validator {
  const tag = `${validator.etag.slice(0, -1)}-${coding}"`;
  return { ...validator, etag: options.weak ? `W/${tag}` : tag };
}

/**
 * Whether the client's copy is current, so a GET or HEAD is answered 304:
 * If-None-Match by weak comparison against the tag (a list, or `*`); only
 * without it, If-Modified-Since against Last-Modified (RFC 9110 §13.1.2-3).
 *
 * @param headers the request's headers
 * @param validator the validator of the representation that would be sent
 * @returns true for 304
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isNotModified } from "./conditional.ts";
 *
 * const validator = { etag: 'W/"a-b-gzip"', lastModified: "Thu, 01 Jan 1970 00:00:01 GMT", mtimeMs: 1000 };
 * assert(isNotModified(new Headers({ "if-none-match": '"x", "a-b-gzip"' }), validator));
 * assert(!isNotModified(new Headers({ "if-none-match": '"a-b"' }), validator));
 * assert(isNotModified(new Headers({ "if-modified-since": validator.lastModified }), validator));
 * ```
 */
export function isNotModified(headers: Headers, validator: Validator): boolean {
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === "*") return true;
    const ours = opaque(validator.etag);
    for (const tag of ifNoneMatch.match(ENTITY_TAG_REGEXP) ?? []) {
      if (opaque(tag) === ours) return true;
    }
    return false;
  }
  const since = headers.get("if-modified-since");
  if (since === null) return false;
  const date = Date.parse(since);
  return Number.isFinite(date) && Math.floor(validator.mtimeMs / 1000) * 1000 <= date;
}

/**
 * Whether an If-Range lets a Range apply: absent, or a strong tag equal to
 * the validator's strong tag, or exactly its Last-Modified (RFC 9110 §13.1.5).
 * A weak tag never matches.
 *
 * @param ifRange the If-Range header, or null
 * @param validator the validator of the representation the range is of
 * @returns true when the range applies
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ifRangeMatches } from "./conditional.ts";
 *
 * const validator = { etag: '"a-b"', lastModified: "Thu, 01 Jan 1970 00:00:01 GMT", mtimeMs: 1000 };
 * assert(ifRangeMatches(null, validator));
 * assert(ifRangeMatches('"a-b"', validator));
 * assert(!ifRangeMatches('W/"a-b"', validator));
 * assert(!ifRangeMatches('"a-b-gzip"', validator));
 * ```
 */
export function ifRangeMatches(ifRange: string | null, validator: Validator): boolean {
  if (ifRange === null) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return !validator.etag.startsWith("W/") && value === validator.etag;
  return !value.startsWith("W/") && value === validator.lastModified;
}

/** A tag without its weakness mark: what weak comparison compares. */
function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}
