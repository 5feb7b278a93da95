/**
 * Where a write goes: the request path checked by the read side's rules and
 * the upload name rules, and its folder checked, through realpath, to lie
 * inside the root (a symlink never redirects a write out of it).
 *
 * @module
 */
import { realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { requestUrl } from "../locate.ts";
import { resolvePath } from "../resolve_path.ts";
import { fsFailure, UploadError } from "./upload_error.ts";
import { uploadNameProblem } from "./upload_name.ts";

/** A write's target, checked. */
export interface WriteTarget {
  /** The real path of the folder the name is in (or of the folder itself). */
  folder: string;
  /** The last segment; "" for the root. */
  name: string;
  /** `folder` joined with `name`. */
  path: string;
  /** The URL path, decoded segments joined with `/`, starting with `/`. */
  urlPath: string;
  /** Whether the request path ended with `/`. */
  trailingSlash: boolean;
}

/** Options for {@linkcode locateWrite}. */
export interface LocateWriteOptions {
  /** The served folder, real (symlink-free). */
  root: string;
  /** Allow names starting with a dot. @default false */
  dotfiles?: boolean;
}

/**
 * Checks a request's path for a write and resolves its folder.
 *
 * @param request the write request
 * @param options the root and the dotfile policy
 * @returns the target
 * @throws {UploadError} 400 for a bad name or traversal, 403 for a hidden
 * name or a folder outside the root, 409 when the folder does not exist
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realpathSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { locateWrite } from "./write_target.ts";
 *
 * const root = realpathSync(tmpdir());
 * const target = await locateWrite(new Request("http://x/new%20file.txt", { method: "PUT" }), { root });
 * assert(target.name === "new file.txt" && target.folder === root);
 * await assert.rejects(locateWrite(new Request("http://x/a/..%2f..%2fetc", { method: "PUT" }), { root }), { status: 400 });
 * ```
 */
export async function locateWrite(
  request: Request,
  options: LocateWriteOptions,
): Promise<WriteTarget> {
  const resolved = resolvePath(requestUrl(request).pathname, { dotfiles: true });
  if (!resolved.ok) throw new UploadError(400, resolved.reason);
  const segments = resolved.segments;
  for (const segment of segments) {
    const problem = uploadNameProblem(segment, { dotfiles: options.dotfiles });
    if (problem) throw new UploadError(segment.startsWith(".") ? 403 : 400, problem);
  }
  const name = segments.at(-1) ?? "";
  const folder = await containedFolder(join(options.root, ...segments.slice(0, -1)), options.root);
  return {
    folder,
    name,
    path: name ? join(folder, name) : folder,
    urlPath: "/" + segments.join("/"),
    trailingSlash: resolved.trailingSlash,
  };
}

/**
 * The real path of a folder, refused unless it is the root or inside it.
 *
 * @param path the folder
 * @param root the served folder, real
 * @returns the folder's real path
 * @throws {UploadError} 403 outside the root, 409 when it is missing
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { realpathSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { containedFolder } from "./write_target.ts";
 *
 * const root = realpathSync(tmpdir());
 * assert((await containedFolder(root, root)) === root);
 * ```
 */
export async function containedFolder(path: string, root: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw fsFailure(error);
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new UploadError(403, "the folder is a link to outside the served folder");
  }
  return real;
}
