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
  // client-zip's own cancel throws the reason into its generator (rejecting
  // with it) and leaves the member being read suspended, its file open: this
  // stream's cancel ends that member's read itself.
  const reading = new Set<AsyncGenerator<Uint8Array>>();
  const reader = makeZip(toInputs(members, reading), { buffersAreUTF8: true }).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => {});
      for (const body of reading) await body.return(undefined);
    },
  }, { highWaterMark: 0 });
}

async function* toInputs(
  members: AsyncIterable<ArchiveMember> | Iterable<ArchiveMember>,
  reading: Set<AsyncGenerator<Uint8Array>>,
) {
  for await (const { name, info, body } of members) {
    const lastModified = new Date(info.mtimeMs);
    if (!body) {
      yield { name, lastModified, mode: FOLDER_MODE };
      continue;
    }
    const input = readTracked(body, reading);
    yield { name, input, lastModified, size: info.size, mode: FILE_MODE };
  }
}

/** A member's chunks, in `reading` from the start of the read until it ends however it ends. */
function readTracked(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  reading: Set<AsyncGenerator<Uint8Array>>,
): AsyncGenerator<Uint8Array> {
  const self: { generator?: AsyncGenerator<Uint8Array> } = {};
  self.generator = (async function* () {
    try {
      yield* chunks;
    } finally {
      reading.delete(self.generator!);
    }
  })();
  reading.add(self.generator);
  return self.generator;
}
