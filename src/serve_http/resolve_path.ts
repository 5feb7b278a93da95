/**
 * Turns a request's URL path into path segments under the served folder, or
 * a refusal. Pure: no file system access (the handler then checks, with
 * realpath, that symlinks do not lead out of the folder).
 *
 * @module
 */

/** Longest request path accepted, in characters of the encoded form. */
export const MAX_PATH_LENGTH = 4096;
/** Longest single segment after decoding (NAME_MAX on Linux). */
export const MAX_SEGMENT_LENGTH = 255;

/** Where a request path leads, or why it leads nowhere. */
export type ResolvedPath =
  | { ok: true; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404; reason: string };

/** Options for {@linkcode resolvePath}. */
export interface ResolvePathOptions {
  /** Allow segments starting with a dot (`.git`, `.env`). @default false */
  dotfiles?: boolean;
}

/**
 * Resolves an encoded URL path (`/a/b%20c/`) to decoded segments.
 *
 * Every segment is percent-decoded exactly once; a decoded segment holding a
 * slash, a backslash or a NUL, or one that is `..`, is refused with 400 (it
 * can only be an attempt to leave the folder). Empty and `.` segments are
 * dropped. Dot-segments are hidden (404) unless `dotfiles`.
 *
 * @param pathname the URL's path, still percent-encoded
 * @param options dotfile policy
 * @returns the segments, or a status and a reason
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolvePath } from "./resolve_path.ts";
 *
 * const found = resolvePath("/docs/read%20me.txt");
 * assert(found.ok && found.segments[1] === "read me.txt" && !found.trailingSlash);
 * const refused = resolvePath("/a/..%2f..%2fetc/passwd");
 * assert(!refused.ok && refused.status === 400);
 * ```
 */
export function resolvePath(pathname: string, options: ResolvePathOptions = {}): ResolvedPath {
  if (pathname.length > MAX_PATH_LENGTH) return refuse(400, "path too long");
  if (!pathname.startsWith("/")) return refuse(400, "path does not start with /");
  const segments: string[] = [];
  for (const raw of pathname.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse(400, "bad percent-encoding");
    }
    if (/[/\\\0]/.test(segment)) return refuse(400, "encoded separator or NUL in path");
    if (segment === ".") continue;
    if (segment === "..") return refuse(400, "path leaves the folder");
    if (segment.length > MAX_SEGMENT_LENGTH) return refuse(400, "path segment too long");
    if (segment.startsWith(".") && !options.dotfiles) return refuse(404, "hidden file");
    segments.push(segment);
  }
  return { ok: true, segments, trailingSlash: pathname.endsWith("/") };
}

function refuse(status: 400 | 404, reason: string): ResolvedPath {
  return { ok: false, status, reason };
}
