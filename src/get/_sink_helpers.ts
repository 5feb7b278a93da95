/**
 * What both sinks share: hashing, complete writes, and write errors in words.
 *
 * @module
 */
import { writeSync } from "node:fs";
import type { Hash } from "node:crypto";
import { errnoWords } from "../cli/errno_words.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { DownloadError } from "./errors.ts";

/** Checksums computed over the whole body, including resumed bytes. */
export type HashName = "sha256" | "sha512";

/** Makes a hash (node:crypto's createHash), loaded by the caller only when a checksum is wanted. */
export type HashFactory = (name: HashName) => Hash;

/** One running hash per name. */
export function hashers(names: HashName[], create?: HashFactory): Map<HashName, Hash> {
  if (names.length > 0 && !create) throw new TypeError("Cannot hash without a hash factory");
  return new Map(names.map((name) => [name, create!(name)]));
}

/** Hex digests of running hashes, which keep running. */
export function digestsOf(hashes: Map<HashName, Hash>): Map<HashName, string> {
  return new Map([...hashes].map(([name, hash]) => [name, hash.copy().digest("hex")]));
}

/** Writes all of `chunk` to `fd` (at `position`, or at the file offset when null). */
export function writeAllToFd(fd: number, chunk: Uint8Array, position: number | null = null): void {
  let done = 0;
  while (done < chunk.length) {
    done += writeSync(
      fd,
      chunk,
      done,
      chunk.length - done,
      position === null ? null : position + done,
    );
  }
}

/** A failed write as exit 23, its errno code said in words. */
export function writeError(error: unknown, what: string): DownloadError {
  const reason = errnoWords(error, {
    ENOENT: "no such folder",
    ENOTDIR: "a file is in the way of a folder",
    EEXIST: "a file is in the way of a folder",
  });
  return new DownloadError(EXIT.WRITE_ERROR, `Cannot write ${what}: ${reason}`, {
    cause: error,
  });
}
