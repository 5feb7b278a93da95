/**
 * Streaming bytes into an {@linkcode AtomicFile} and publishing it: the one
 * path every upload form (PUT, form part, resumed upload) ends in.
 *
 * @module
 */
import { AtomicFile } from "./atomic_file.ts";
import type { ExpectedDigest } from "./expected_digest.ts";

/** Options for {@linkcode receiveFile}. */
export interface ReceiveFileOptions {
  /** The folder the temporary goes in (the target's). */
  folder: string;
  /** The final path. */
  target: string;
  /** Replace an existing file. @default false */
  overwrite?: boolean;
  /** Digests the client sent, checked before publishing. */
  digest?: ExpectedDigest;
}

/**
 * Writes every chunk to a temporary beside the target, checks the digest,
 * then publishes; on any failure the temporary is removed and the error
 * rethrown, so nothing is left behind.
 *
 * @param chunks the bytes (limits are the iterator's job)
 * @param options where they go
 * @returns "created" or "replaced"
 * @throws {UploadError} 409 for an existing name, 507 for a full disk, or what `chunks` threw
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { receiveFile } from "./receive_body.ts";
 *
 * const folder = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * const chunks = [new TextEncoder().encode("hi")];
 * assert((await receiveFile(chunks, { folder, target: join(folder, "a") })) === "created");
 * await assert.rejects(receiveFile(chunks, { folder, target: join(folder, "a") }), { status: 409 });
 * assert(readFileSync(join(folder, "a"), "utf8") === "hi");
 * rmSync(folder, { recursive: true });
 * ```
 */
export async function receiveFile(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReceiveFileOptions,
): Promise<"created" | "replaced"> {
  const file = await AtomicFile.create(options.folder);
  try {
    for await (const chunk of chunks) {
      options.digest?.update(chunk);
      await file.write(chunk);
    }
    options.digest?.verify();
  } catch (error) {
    await file.discard();
    throw error;
  }
  return await file.publish(options.target, { overwrite: options.overwrite });
}
