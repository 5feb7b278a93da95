/**
 * SHA256SUMS for a folder: one line per file, in the format `sha256sum -c`
 * reads, sorted by name.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream, readdirSync } from "node:fs";
import { join } from "node:path";

/** The file the sums are written to; it does not list itself. */
export const SUMS_FILE = "SHA256SUMS";

/**
 * The SHA256SUMS text for every regular file in `dir` except SHA256SUMS
 * itself (files are read as streams: each is about 100 MB).
 *
 * @param dir the folder
 * @returns `<hex>  <name>\n` lines, sorted by name
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { sha256Sums } from "./_sha256_sums.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "sums-"));
 * try {
 *   writeFileSync(join(dir, "b"), "");
 *   writeFileSync(join(dir, "a"), "abc");
 *   writeFileSync(join(dir, "SHA256SUMS"), "old\n");
 *   assert.equal(
 *     await sha256Sums(dir),
 *     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  a\n" +
 *       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  b\n",
 *   );
 * } finally {
 *   rmSync(dir, { recursive: true, force: true });
 * }
 * ```
 */
export async function sha256Sums(dir: string): Promise<string> {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== SUMS_FILE)
    .map((entry) => entry.name)
    .sort();
  const lines: string[] = [];
  for (const name of names) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(join(dir, name))) hash.update(chunk);
    lines.push(`${hash.digest("hex")}  ${name}\n`);
  }
  return lines.join("");
}
