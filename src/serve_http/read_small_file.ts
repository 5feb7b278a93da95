/**
 * A small file read whole through one open file, with the stat that
 * describes exactly the bytes read: what an archive needs of most files.
 *
 * @module
 */
import type { FileInfo, FileSystem } from "../net/types.ts";
import { MemberChangedError } from "./member_chunks.ts";

/** Options for {@linkcode readSmallFile}. */
export interface ReadSmallFileOptions {
  /** The adapter's `fs` (its `openSync`). */
  fs: FileSystem;
  /** The file's name in messages (its member name in an archive). */
  name: string;
  /** Files larger than this are not read: only their stat is returned. */
  maxBytes: number;
}

/** What {@linkcode readSmallFile} found. */
export interface SmallFile {
  /** The stat of the open file, taken before the read and found again after it. */
  info: FileInfo;
  /** Every byte, `info.size` of them; absent for a folder and for a file over `maxBytes`. */
  bytes?: Uint8Array<ArrayBuffer>;
}

/**
 * Opens a file, stats the open file, reads it whole and stats it again,
 * with synchronous calls (no thread-pool trip per call: for a folder of
 * small files those trips cost more than the bytes). The file read is the
 * one opened, whatever its path names meanwhile; if it grew, shrank or was
 * written to between the two stats (another size or mtime) the read throws
 * {@linkcode MemberChangedError}, so the bytes returned are never torn.
 * The file is closed however the read ends.
 *
 * @param path the file
 * @param options the file system, the name for messages and the size limit
 * @returns the stat, and the bytes of a file up to `maxBytes`
 * @throws {NetError} ENOENT and the like when it cannot be opened or read
 * @throws {MemberChangedError} when it changed while it was read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSmallFile } from "./read_small_file.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs } = selectAdapter();
 * const dir = mkdtempSync(join(tmpdir(), "small-"));
 * writeFileSync(join(dir, "a.txt"), "abc");
 * const small = readSmallFile(join(dir, "a.txt"), { fs, name: "a.txt", maxBytes: 1024 });
 * assert(small.info.size === 3 && new TextDecoder().decode(small.bytes) === "abc");
 * assert(readSmallFile(join(dir, "a.txt"), { fs, name: "a.txt", maxBytes: 2 }).bytes === undefined);
 * rmSync(dir, { recursive: true });
 * ```
 */
export function readSmallFile(path: string, options: ReadSmallFileOptions): SmallFile {
  const { fs, name, maxBytes } = options;
  const file = fs.openSync(path);
  try {
    const info = file.stat();
    if (!info.isFile || info.size > maxBytes) return { info };
    const bytes = new Uint8Array(info.size);
    let read = 0;
    while (read < bytes.length) {
      const n = file.read(bytes.subarray(read), read);
      if (n === 0) throw new MemberChangedError(name, `ended after ${read} of ${info.size} bytes`);
      read += n;
    }
    const after = file.stat();
    if (after.size !== info.size || after.mtimeMs !== info.mtimeMs) {
      throw new MemberChangedError(name, "its size or time is not what it was");
    }
    return { info, bytes };
  } finally {
    file.close();
  }
}
