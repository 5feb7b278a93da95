/**
 * The file-type hint a listing row shows, from the name's media type.
 *
 * @module
 */
import mime from "mime";

/** The hints a row can carry. */
export type FileKind = "dir" | "image" | "audio" | "video" | "text" | "pdf" | "archive" | "file";

const ARCHIVE_REGEXP =
  /^application\/(zip|gzip|x-tar|x-7z-compressed|x-xz|x-bzip2?|vnd\.rar|x-rar-compressed|zstd|java-archive)$/;
const TEXT_REGEXP = /^(text\/|application\/(json|javascript|xml|x-sh|toml|yaml))/;

/**
 * The hint for an entry: folders are `dir`, files go by their media type.
 *
 * @param name the entry's name
 * @param kind whether it is a file or a folder
 * @returns the hint
 * @example
 * ```ts
 * import { fileKind } from "./file_kind.ts";
 *
 * console.assert(fileKind("photo.JPG", "file") === "image");
 * console.assert(fileKind("src.tar.gz", "file") === "archive");
 * console.assert(fileKind("docs", "directory") === "dir");
 * ```
 */
export function fileKind(name: string, kind: "file" | "directory"): FileKind {
  if (kind === "directory") return "dir";
  const type = mime.getType(name) ?? "";
  if (type === "application/pdf") return "pdf";
  if (ARCHIVE_REGEXP.test(type)) return "archive";
  if (TEXT_REGEXP.test(type)) return "text";
  const top = type.split("/")[0];
  return top === "image" || top === "audio" || top === "video" ? top : "file";
}
