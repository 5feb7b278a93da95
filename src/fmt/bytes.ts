/**
 * Byte counts for people: binary units, as listings and progress meters show them.
 *
 * @module
 */

/**
 * Formats a byte count with binary units.
 *
 * @param bytes the count
 * @param decimals digits after the point; by default one below 10 and none above
 * @returns e.g. `1.5 KiB`, `640 MiB`, `12 B`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./bytes.ts";
 *
 * assert.equal(formatBytes(12), "12 B");
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * assert.equal(formatBytes(1536, 2), "1.50 KiB");
 * assert.equal(formatBytes(640 * 1024 * 1024), "640 MiB");
 * ```
 */
export function formatBytes(bytes: number, decimals?: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(bytes)} B`;
  return `${value.toFixed(decimals ?? (value < 10 ? 1 : 0))} ${units[unit]}`;
}
