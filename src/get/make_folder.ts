/**
 * Output folders for downloads (`-P DIR`, `out=sub/name`, `--mirror`).
 *
 * @module
 */
import { mkdirSync } from "node:fs";
import { writeError } from "./_sink_helpers.ts";

/**
 * Makes a folder and the folders above it, as `mkdir -p` does.
 *
 * @param dir the folder
 * @returns whether it made any (then `dir` itself is new, and empty)
 * @throws {DownloadError} WRITE_ERROR (23) when it cannot, said in words
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { makeFolder } from "./make_folder.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   assert.equal(makeFolder(join(dir, "a", "b")), true);
 *   assert.equal(makeFolder(join(dir, "a", "b")), false);
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export function makeFolder(dir: string): boolean {
  try {
    // What mkdirSync returns is the first folder it had to make.
    return mkdirSync(dir, { recursive: true }) !== undefined;
  } catch (error) {
    throw writeError(error, `the folder ${dir}`);
  }
}
