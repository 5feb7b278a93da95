/**
 * `--max-upload SIZE`: bytes, or a number with K, M or G (powers of 1024).
 *
 * @module
 */

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Reads a size such as `8M` (8 MiB), `1.5G` or `4096`.
 *
 * @param text the size; the unit is K, M, G or T (case-insensitive, an
 * optional trailing `B` or `iB`), powers of 1024
 * @returns the size in bytes, rounded down to a whole byte
 * @throws {TypeError} for text that is not a size
 * @throws {RangeError} for a size of 0 or one past 2^53
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSize } from "./parse_size.ts";
 *
 * assert(parseSize("8M") === 8 * 1024 * 1024);
 * assert(parseSize("1k") === 1024 && parseSize("100") === 100);
 * ```
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(text);
  if (!match) throw new TypeError(`Cannot read size '${text}': expected bytes or N with K, M or G`);
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2].toUpperCase()]);
  if (bytes < 1 || !Number.isSafeInteger(bytes)) {
    throw new RangeError(`Cannot use size '${text}': expected 1 byte to 8 PiB`);
  }
  return bytes;
}
