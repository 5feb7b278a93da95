/**
 * `MKCOL` (with `--mkdir`) and `DELETE` (with `--delete`), with the status
 * codes RFC 4918 §9.3 and RFC 9110 §9.3.5 give them.
 *
 * @module
 */
import { lstat, mkdir, rmdir, unlink } from "node:fs/promises";
import { respond, statusResponse } from "../respond.ts";
import { fsFailure, UploadError } from "./upload_error.ts";
import type { WriteOptions } from "./write_options.ts";
import { locateWrite } from "./write_target.ts";

/**
 * Creates one folder: 201; 405 when the name exists (RFC 4918 §9.3.1), 409
 * when its parent does not, 415 for a request with a body.
 *
 * @param request the MKCOL
 * @param options the write policy
 * @returns the response
 * @throws {UploadError} the refusal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { makeCollection } from "./folder_ops.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * const response = await makeCollection(new Request("http://x/new/", { method: "MKCOL" }), { root });
 * assert(response.status === 201 && statSync(join(root, "new")).isDirectory());
 * rmSync(root, { recursive: true });
 * ```
 */
export async function makeCollection(request: Request, options: WriteOptions): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > 0 || request.headers.has("transfer-encoding")) {
    throw new UploadError(415, "MKCOL takes no body");
  }
  const target = await locateWrite(request, options);
  if (!target.name) throw new UploadError(405, "the folder exists");
  try {
    await mkdir(target.path);
  } catch (error) {
    const failure = fsFailure(error);
    if (
      failure instanceof UploadError && failure.status === 409 && failure.message.includes("exists")
    ) {
      throw new UploadError(405, "the name exists already");
    }
    throw failure;
  }
  options.written?.(target.path);
  const location = target.urlPath.split("/").map(encodeURIComponent).join("/") + "/";
  return statusResponse(201, { location });
}

/**
 * Deletes a file, a symlink (never what it points to) or an empty folder:
 * 204; 404 when nothing is there, 409 for a folder with content, 403 for
 * the served folder itself.
 *
 * @param request the DELETE
 * @param options the write policy
 * @returns the response
 * @throws {UploadError} the refusal
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { deleteEntry } from "./folder_ops.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * writeFileSync(join(root, "a.txt"), "a");
 * const response = await deleteEntry(new Request("http://x/a.txt", { method: "DELETE" }), { root });
 * assert(response.status === 204 && !existsSync(join(root, "a.txt")));
 * rmSync(root, { recursive: true });
 * ```
 */
export async function deleteEntry(request: Request, options: WriteOptions): Promise<Response> {
  const target = await locateWrite(request, options);
  if (!target.name) throw new UploadError(403, "the served folder itself is never deleted");
  const info = await lstat(target.path).catch(() => null);
  if (!info) throw new UploadError(404, "nothing of that name");
  try {
    await (info.isDirectory() ? rmdir(target.path) : unlink(target.path));
  } catch (error) {
    const failure = fsFailure(error);
    if (failure instanceof UploadError && failure.status === 409) {
      throw new UploadError(409, "folders with content are never deleted (empty it first)");
    }
    throw failure;
  }
  options.written?.(target.path);
  return respond(null, [], { status: 204 });
}
