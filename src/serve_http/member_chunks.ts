/**
 * A file's bytes for an archive member or a digest, exactly as a stat saw
 * them, or an error: a member is never silently torn.
 *
 * @module
 */
import { open } from "node:fs/promises";
import type { FileInfo, FileSystem } from "../net/types.ts";

/** Bytes read at a time: large reads keep the per-chunk cost of the stream layers low. */
const CHUNK_BYTES = 512 * 1024;

/** Options for {@linkcode memberChunks}. */
export interface MemberChunksOptions {
  /** File metadata: the adapter's `fs`. */
  fs: FileSystem;
}

/**
 * Thrown when a member changed while it was read: its size, modification
 * time or inode differ after the read from before, or it ended early.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemberChangedError } from "./member_chunks.ts";
 *
 * const error = new MemberChangedError("a.txt", "ended after 1 of 3 bytes");
 * assert(error.message === "Cannot archive a.txt: it changed while being read (ended after 1 of 3 bytes)");
 * ```
 */
export class MemberChangedError extends Error {
  override name = "MemberChangedError";
  /**
   * @param name the member's name in the archive
   * @param what what was seen
   */
  constructor(name: string, what: string) {
    super(`Cannot archive ${name}: it changed while being read (${what})`);
  }
}

/**
 * The bytes of a file that a stat described: `info.size` of them, read in
 * chunks of up to 512 KiB (each a new buffer the consumer may keep), then a
 * second stat. If the file shrank, grew, or was rewritten or replaced in the
 * meantime (another size, mtime or inode), the iteration throws
 * {@linkcode MemberChangedError} instead of ending, so whatever is built from
 * it (an archive, a digest) fails rather than describes torn bytes. The file
 * is closed however the iteration ends.
 *
 * @param member the file's path, its name for messages and the stat taken just before
 * @param options the adapter's file system
 * @returns the chunks
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memberChunks } from "./member_chunks.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs } = selectAdapter();
 * const dir = mkdtempSync(join(tmpdir(), "member-"));
 * const path = join(dir, "a.txt");
 * writeFileSync(path, "abc");
 * const info = await fs.stat(path);
 * let text = "";
 * for await (const chunk of memberChunks({ path, name: "a.txt", info }, { fs })) {
 *   text += new TextDecoder().decode(chunk);
 * }
 * assert(text === "abc");
 * rmSync(dir, { recursive: true });
 * ```
 */
export async function* memberChunks(
  member: { path: string; name: string; info: FileInfo },
  options: MemberChunksOptions,
): AsyncGenerator<Uint8Array<ArrayBuffer>> {
  const { path, name, info } = member;
  // The last chunk waits for the check after reading: a member found changed
  // is then always cut short in the stream, never complete-looking but torn.
  let last: Uint8Array<ArrayBuffer> | undefined;
  if (info.size > 0) {
    const file = await open(path, "r");
    try {
      let read = 0;
      while (read < info.size) {
        const buffer = new Uint8Array(Math.min(CHUNK_BYTES, info.size - read));
        const { bytesRead } = await file.read(buffer, 0, buffer.length, read);
        if (bytesRead === 0) {
          throw new MemberChangedError(name, `ended after ${read} of ${info.size} bytes`);
        }
        read += bytesRead;
        if (last) yield last;
        last = bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await file.close();
    }
  }
  const after = await options.fs.stat(path);
  if (after.size !== info.size || after.mtimeMs !== info.mtimeMs || after.ino !== info.ino) {
    throw new MemberChangedError(name, "its size, time or inode is not what it was");
  }
  if (last) yield last;
}
