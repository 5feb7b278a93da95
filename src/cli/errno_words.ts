/**
 * The errno codes a user meets reading and writing files, said in words for
 * one-line error messages (`no such file or folder`, not `ENOENT`).
 *
 * @module
 */

/** What each code means to someone who named a file. */
const WORDS: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "not a folder",
  EISDIR: "it is a folder",
  EEXIST: "it already exists",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EPIPE: "the reader closed the pipe",
  EMFILE: "too many open files",
  ENAMETOOLONG: "the name is too long",
  ELOOP: "too many levels of symbolic links",
  EIO: "input/output error",
};

/**
 * An error's errno code in words, or its message when the code is not one
 * of the common ones.
 *
 * @param error what a file call threw (a `code` property, as node:fs and the adapters give)
 * @param words words for codes where the caller knows better (`ENOENT` when writing: `no such folder`)
 * @returns the words
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errnoWords } from "./errno_words.ts";
 *
 * const missing = Object.assign(new Error("ENOENT: open 'x'"), { code: "ENOENT" });
 * assert(errnoWords(missing) === "no such file or folder");
 * assert(errnoWords(missing, { ENOENT: "no such folder" }) === "no such folder");
 * assert(errnoWords(new Error("odd")) === "odd");
 * ```
 */
export function errnoWords(error: unknown, words: Record<string, string> = {}): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string") {
    const said = words[code] ?? WORDS[code];
    if (said) return said;
  }
  return error instanceof Error ? error.message : String(error);
}
