/**
 * Archive members as a streamed tar, written by modern-tar: POSIX ustar,
 * with pax records for long or non-ASCII names and for files over 8 GiB
 * (POSIX.1-2001 pax `path=`, `size=`). Each header carries the member's size,
 * so the packer itself refuses a member whose bytes do not match it.
 *
 * @module
 */
import { createTarPacker } from "modern-tar";
import type { ArchiveMember } from "./archive_members.ts";

/** Unix mode of files in the archive (rw-r--r--). */
const FILE_MODE = 0o644;
/** Unix mode of folders in the archive (rwxr-xr-x). */
const FOLDER_MODE = 0o755;

/**
 * Tars members as they come; the stream is pulled, so a slow client slows
 * the reading of the files (memory stays at the packer's queue).
 *
 * @param members the members, in order (folders end in `/`)
 * @returns the tar's bytes; it errors if a member's body does
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tarArchive } from "./archive_tar.ts";
 *
 * const info = { isFile: true, isDirectory: false, size: 2, mtimeMs: 0, dev: 0, ino: 0 };
 * const body = (async function* () {
 *   yield new TextEncoder().encode("hi");
 * })();
 * const tar = new Uint8Array(await new Response(tarArchive([{ name: "a.txt", info, body }])).arrayBuffer());
 * assert(tar.length === 512 * 4); // header, data block, two end blocks
 * ```
 */
export function tarArchive(
  members: AsyncIterable<ArchiveMember> | Iterable<ArchiveMember>,
): ReadableStream<Uint8Array> {
  const { readable, controller } = createTarPacker();
  const pack = async () => {
    for await (const { name, info, body } of members) {
      const mtime = new Date(info.mtimeMs);
      if (!body) {
        await controller.add({ name, type: "directory", size: 0, mode: FOLDER_MODE, mtime })
          .close();
        continue;
      }
      const writer = controller.add({ name, type: "file", size: info.size, mode: FILE_MODE, mtime })
        .getWriter();
      for await (const chunk of body) await writer.write(chunk);
      await writer.close();
    }
    controller.finalize();
  };
  pack().catch((error) => controller.error(error));
  return readable;
}
