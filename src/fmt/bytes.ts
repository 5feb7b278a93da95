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
 * formatBytes(1536); // "1.5 KiB"
 * formatBytes(1536, 2); // "1.50 KiB"
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
