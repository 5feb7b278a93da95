/**
 * At start-up: removing the temporaries uploads that never finished left
 * behind (the server was killed mid-upload, or the machine lost power).
 *
 * @module
 */
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_SUFFIX } from "./atomic_file.ts";
import { TEMP_PREFIX } from "./upload_name.ts";

/** Folders looked into at most, so a huge tree cannot delay the start for long. */
const MAX_FOLDERS = 100_000;
const TEMP_NAME = new RegExp(
  `^${TEMP_PREFIX.replaceAll(".", "\\.")}[0-9a-f-]{36}${TEMP_SUFFIX.replace(".", "\\.")}$`,
);

/**
 * Removes every upload temporary under `root` (symlinks are not followed).
 *
 * @param root the served folder
 * @returns how many were removed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { cleanTemporaries } from "./clean_temporaries.ts";
 *
 * const root = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * const stray = join(root, `.netkit-upload-${crypto.randomUUID()}.part`);
 * writeFileSync(stray, "half");
 * assert((await cleanTemporaries(root)) === 1 && !existsSync(stray));
 * rmSync(root, { recursive: true });
 * ```
 */
export async function cleanTemporaries(root: string): Promise<number> {
  let removed = 0;
  const folders = [root];
  for (let seen = 0; folders.length && seen < MAX_FOLDERS; seen++) {
    const folder = folders.pop()!;
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory()) folders.push(join(folder, entry.name));
      else if (entry.isFile() && TEMP_NAME.test(entry.name)) {
        if (await unlink(join(folder, entry.name)).then(() => true, () => false)) removed++;
      }
    }
  }
  return removed;
}
