/**
 * `GET /folder/?download=zip|tar|tar.gz`: the folder streamed as an
 * archive, by the listing's dotfile and symlink rules, with no temporary
 * file and one member in memory at a time.
 *
 * @module
 */
import { create as contentDisposition } from "content-disposition";
import { archiveMembers, type ArchiveMembersOptions } from "./archive_members.ts";
import { tarArchive } from "./archive_tar.ts";
import { zipArchive } from "./archive_zip.ts";
import { requestUrl } from "./locate.ts";
import { respond, statusResponse } from "./respond.ts";

/** The archive formats `?download=` names. */
export type ArchiveFormat = "zip" | "tar" | "tar.gz";

/** Per format: the file name's extension and the media type. */
const FORMATS: Record<ArchiveFormat, { extension: string; type: string }> = {
  "zip": { extension: ".zip", type: "application/zip" }, // RFC 9110 §8.3; IANA application/zip
  "tar": { extension: ".tar", type: "application/x-tar" },
  "tar.gz": { extension: ".tar.gz", type: "application/gzip" }, // RFC 6713
};

/**
 * The archive a request asks for with `?download=`, if any. Also accepted:
 * `tgz` and miniserve's `tar_gz`.
 *
 * @param url the request's URL
 * @returns the format, `null` without a `download` parameter, or `"unknown"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archiveFormat } from "./archive.ts";
 *
 * assert(archiveFormat(new URL("http://x/docs/?download=tar.gz")) === "tar.gz");
 * assert(archiveFormat(new URL("http://x/docs/")) === null);
 * assert(archiveFormat(new URL("http://x/docs/?download=rar")) === "unknown");
 * ```
 */
export function archiveFormat(url: URL): ArchiveFormat | "unknown" | null {
  const asked = url.searchParams.get("download");
  if (asked === null) return null;
  if (asked === "zip" || asked === "tar" || asked === "tar.gz") return asked;
  if (asked === "tgz" || asked === "tar_gz") return "tar.gz";
  return "unknown";
}

/**
 * Answers a GET or HEAD for a folder whose URL asks for an archive
 * (`?download=`; see {@linkcode archiveFormat}): 200 with the archive as a
 * chunked stream (its length is not known in advance) and a
 * `Content-Disposition` naming it after the folder (RFC 6266: `filename*` for
 * non-ASCII names). A member that changes while it is read aborts the
 * stream, so the client sees a broken transfer, never a torn file.
 *
 * @param request the request
 * @param folder the folder's path on disk and its name
 * @param options the file system, the cache and the dotfile policy
 * @returns the response: 200, or 400 for an unknown format; null when the URL asks for none
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveArchive } from "./archive.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const { fs, fileBody } = selectAdapter();
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "archive-")));
 * writeFileSync(join(root, "a.txt"), "abc");
 * const options = { fs, fileBody, cache: new StatCache({ root, fs }), dotfiles: false };
 * const request = new Request("http://x/?download=tar");
 * const response = serveArchive(request, { path: root, name: "docs" }, options)!;
 * assert(response.headers.get("content-disposition") === "attachment; filename=docs.tar");
 * assert((await response.arrayBuffer()).byteLength === 512 * 5); // docs/, a.txt, its data, the end
 * rmSync(root, { recursive: true });
 * ```
 */
export function serveArchive(
  request: Request,
  folder: { path: string; name: string },
  options: ArchiveMembersOptions,
): Response | null {
  // Most folder requests have no query: no URL parsing for them.
  const format = request.url.includes("download=") ? archiveFormat(requestUrl(request)) : null;
  if (format === null) return null;
  if (format === "unknown") return statusResponse(400);
  const { extension, type } = FORMATS[format];
  const headers: [string, string][] = [
    ["content-type", type],
    ["content-disposition", contentDisposition(folder.name + extension)],
    ["cache-control", "no-store"],
    ["x-content-type-options", "nosniff"],
  ];
  if (request.method === "HEAD") return respond(null, headers);
  const members = archiveMembers(folder, options);
  const archive = format === "zip" ? zipArchive(members) : tarArchive(members);
  const body = format === "tar.gz"
    ? (archive as ReadableStream<BufferSource>).pipeThrough(new CompressionStream("gzip"))
    : archive;
  return respond(body, headers);
}
