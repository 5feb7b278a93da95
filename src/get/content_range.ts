/**
 * `Content-Range` of a `206` or a `416` (RFC 9110 §14.4): where a resumed
 * body starts, and the complete length a server reports.
 *
 * @module
 */

/** A byte range a server sent: `bytes START-END/LENGTH`. */
export interface ContentRange {
  start: number;
  end: number;
  /** The complete length; undefined for `*`. */
  length?: number;
}

/**
 * Parses `Content-Range: bytes START-END/LENGTH` (LENGTH may be `*`).
 *
 * @param value the header
 * @returns the range, or undefined when it is not a satisfiable byte range
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseContentRange } from "./content_range.ts";
 *
 * assert(parseContentRange("bytes 100-199/1000")?.start === 100);
 * assert(parseContentRange("bytes 200-100/1000") === undefined);
 * ```
 */
export function parseContentRange(value: string | null): ContentRange | undefined {
  const match = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value ?? "");
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const length = match[3] === "*" ? undefined : Number(match[3]);
  if (end < start || (length !== undefined && end >= length)) return undefined;
  return { start, end, length };
}

/**
 * The complete length in a `416`'s `Content-Range: bytes *\/LENGTH`
 * (RFC 9110 §15.5.17).
 *
 * @param value the header
 * @returns the length, or undefined when the header is not of that form
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unsatisfiedLength } from "./content_range.ts";
 *
 * assert(unsatisfiedLength("bytes *" + "/1000") === 1000);
 * assert(unsatisfiedLength("bytes 0-9/1000") === undefined);
 * ```
 */
export function unsatisfiedLength(value: string | null): number | undefined {
  const match = /^\s*bytes\s+\*\/(\d+)\s*$/i.exec(value ?? "");
  return match ? Number(match[1]) : undefined;
}
