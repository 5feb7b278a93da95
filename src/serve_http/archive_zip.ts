/**
 * Archive members as a streamed zip, written by client-zip: stored (no
 * compression, so it runs at disk speed), sizes and CRC in data descriptors
 * (APPNOTE 4.3.9), ZIP64 wherever a size or offset passes 4 GiB, UTF-8 names.
 *
 * @module
 */
import { makeZip } from "client-zip";
import type { ArchiveMember } from "./archive_members.ts";

/** Unix mode of files in the archive (rw-r--r--). */
const FILE_MODE = 0o644;
/** Unix mode of folders in the archive (rwxr-xr-x). */
const FOLDER_MODE = 0o755;

/**
 * Zips members as they come.
 *
 * @param members the members, in order (folders end in `/`)
 * @returns the zip's bytes; it errors if a member's body does
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { zipArchive } from "./archive_zip.ts";
 *
 * const info = { isFile: true, isDirectory: false, size: 2, mtimeMs: 0, dev: 0, ino: 0 };
 * const body = (async function* () {
 *   yield new TextEncoder().encode("hi");
 * })();
 * const zip = new Uint8Array(await new Response(zipArchive([{ name: "a.txt", info, body }])).arrayBuffer());
 * assert(zip[0] === 0x50 && zip[1] === 0x4b); // "PK"
 * ```
 */
export function zipArchive(
  members: AsyncIterable<ArchiveMember> | Iterable<ArchiveMember>,
): ReadableStream<Uint8Array> {
  return makeZip(toInputs(members), { buffersAreUTF8: true });
}

async function* toInputs(members: AsyncIterable<ArchiveMember> | Iterable<ArchiveMember>) {
  for await (const { name, info, body } of members) {
    const lastModified = new Date(info.mtimeMs);
    yield body
      ? { name, input: toAsync(body), lastModified, size: info.size, mode: FILE_MODE }
      : { name, lastModified, mode: FOLDER_MODE };
  }
}

async function* toAsync(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
  yield* chunks;
}
