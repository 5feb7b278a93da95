/**
 * `get --mirror --delete`: removes the local files the server no longer
 * lists. It walks DIR without following symlinks (a link is removed as a
 * link, never its target), so nothing outside DIR is touched; names that
 * start with `.` are never removed (the manifest, `-N` sidecars, the user's
 * own dotfiles); a listed file's `.part` and `.part.json` stay for a resume;
 * a folder left empty that the server does not list goes too.
 *
 * @module
 */
import { lstatSync, readdirSync, rmdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * Removes what is not listed.
 *
 * @param dir the mirror's folder
 * @param listed the file and folder paths the server lists (`/`-separated)
 * @returns the paths removed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { deleteUnlisted } from "./mirror_delete.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   for (const name of ["keep.txt", "gone.txt", ".mine"]) writeFileSync(join(dir, name), "");
 *   assert.deepEqual(deleteUnlisted(dir, new Set(["keep.txt"])), ["gone.txt"]);
 *   assert(existsSync(join(dir, ".mine")));
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export function deleteUnlisted(dir: string, listed: Set<string>): string[] {
  const removed: string[] = [];
  _walk({ dir, prefix: "" }, { listed, removed });
  return removed;
}

/** Cleans one folder; returns whether it is empty now. */
function _walk(
  at: { dir: string; prefix: string },
  run: { listed: Set<string>; removed: string[] },
): boolean {
  let left = 0;
  for (const name of readdirSync(at.dir)) {
    const path = at.prefix + name;
    const full = join(at.dir, name);
    const partOf = path.replace(/\.part(\.json)?$/, "");
    if (
      name.startsWith(".") || run.listed.has(path) || (partOf !== path && run.listed.has(partOf))
    ) {
      left++;
      if (!name.startsWith(".") && lstatSync(full).isDirectory()) {
        _walk({ dir: full, prefix: `${path}/` }, run);
      }
      continue;
    }
    if (lstatSync(full).isDirectory()) {
      if (_walk({ dir: full, prefix: `${path}/` }, run)) {
        rmdirSync(full);
        run.removed.push(`${path}/`);
      } else left++;
      continue;
    }
    unlinkSync(full);
    run.removed.push(path);
  }
  return left === 0;
}
