/**
 * HTTP Range requests (RFC 9110, section 14): one range is honoured, several
 * are answered with the whole file (a documented choice: multipart/byteranges
 * is rarely used and easy to get wrong).
 *
 * @module
 */

/** What to do with a Range header. */
export type RangeDecision =
  /** Send the whole file with 200 (no header, bad syntax, several ranges). */
  | { kind: "whole" }
  /** Send bytes start…end (inclusive) with 206. */
  | { kind: "partial"; start: number; end: number }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { kind: "unsatisfiable" };

/**
 * Decides how to answer a Range header for a file of `size` bytes.
 *
 * @param header the Range header, or null
 * @param size the file's size
 * @returns whole, partial or unsatisfiable
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./range.ts";
 *
 * assert(JSON.stringify(parseRange("bytes=0-99", 1000)) === '{"kind":"partial","start":0,"end":99}');
 * assert(JSON.stringify(parseRange("bytes=-100", 1000)) === '{"kind":"partial","start":900,"end":999}');
 * assert(parseRange("bytes=2000-", 1000).kind === "unsatisfiable");
 * assert(parseRange("bytes=5-1", 1000).kind === "whole");
 * ```
 */
export function parseRange(header: string | null, size: number): RangeDecision {
  if (header === null) return { kind: "whole" };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // Several ranges, another unit, or nonsense: a server may ignore Range.
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "whole" };
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== "" && Number(match[2]) < start) return { kind: "whole" };
    if (start >= size) return { kind: "unsatisfiable" };
  }
  return { kind: "partial", start, end };
}
