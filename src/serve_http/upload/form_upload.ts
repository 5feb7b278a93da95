/**
 * `POST` of `multipart/form-data` to a folder (what `curl -F file=@x` and
 * browsers send): every file part is stored on its own, atomically, streamed
 * through busboy so memory stays flat whatever the size.
 *
 * @module
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { STATUS_TEXT } from "../../fmt/status_text.ts";
import { bodyChunks, tooLarge } from "./body_chunks.ts";
import { receiveFile } from "./receive_body.ts";
import { checkDeclaredLength } from "./put_upload.ts";
import { fsFailure, UploadError } from "./upload_error.ts";
import { uploadNameProblem } from "./upload_name.ts";
import type { WriteOptions } from "./write_options.ts";
import { containedFolder, locateWrite } from "./write_target.ts";

/** The form field that creates a folder (with `--mkdir`), as miniserve names it. */
export const MKDIR_FIELD = "mkdir";
/** Parts one form may carry (busboy counts them). */
const MAX_FILES = 1000;

/** What happened to one part. */
interface PartResult {
  name: string;
  error?: UploadError;
}

/**
 * Answers a form POST: 201 when every file (and folder) was created, else
 * the status of the first refusal; the body has one line per part.
 *
 * @param request the POST
 * @param options the write policy
 * @returns the response
 * @throws {UploadError} for a refusal of the whole request (bad folder, 413, not a form)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { formUpload } from "./form_upload.ts";
 *
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "netkit-doc-")));
 * const form = new FormData();
 * form.append("file", new Blob(["one"]), "1.txt");
 * form.append("file", new Blob(["two"]), "2.txt");
 * const response = await formUpload(new Request("http://x/", { method: "POST", body: form }), { root });
 * assert(response.status === 201 && readFileSync(join(root, "2.txt"), "utf8") === "two");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function formUpload(request: Request, options: WriteOptions): Promise<Response> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    throw new UploadError(415, "POST takes multipart/form-data (curl -F file=@NAME URL/)");
  }
  checkDeclaredLength(request, options.maxUpload);
  const target = await locateWrite(request, options);
  const folder = target.name ? await containedFolder(target.path, options.root) : target.folder;
  const results = await parseForm(request, { ...options, type, folder });
  const failed = results.find((r) => r.error)?.error;
  const lines = results.map((r) =>
    r.error ? `refused ${r.name}: ${r.error.message}` : `created ${r.name}`
  );
  if (results.length === 0) throw new UploadError(400, "the form has no file");
  const status = failed?.status ?? 201;
  return new Response(`${status} ${STATUS_TEXT[status] ?? ""}\n${lines.join("\n")}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

interface ParseFormOptions extends WriteOptions {
  type: string;
  folder: string;
}

/** Feeds the body to busboy and stores each part as it streams by. */
async function parseForm(request: Request, options: ParseFormOptions): Promise<PartResult[]> {
  const parser = busboy({
    headers: { "content-type": options.type },
    preservePath: true, // the name's folders are dropped here, not silently by busboy
    defParamCharset: "utf8", // browsers and curl send names as raw UTF-8
    limits: { files: MAX_FILES, fileSize: options.maxUpload ?? Infinity },
  });
  const work: Promise<PartResult>[] = [];
  parser.on("file", (_field, stream, info) => {
    work.push(storePart({ stream, filename: info.filename }, options));
  });
  parser.on("field", (field, value) => {
    if (field === MKDIR_FIELD && value) work.push(makeFolder(value, options));
  });
  const done = new Promise<void>((resolve, reject) => {
    parser.on("close", resolve);
    parser.on("error", (e) => reject(new UploadError(400, `bad form: ${(e as Error).message}`)));
  });
  done.catch(() => {});
  try {
    for await (const chunk of bodyChunks(request.body, options)) {
      await new Promise<void>((resolve, reject) =>
        parser.write(chunk, (e) => e ? reject(e) : resolve())
      );
    }
    parser.end();
    await done;
  } catch (error) {
    parser.destroy(error as Error);
    await Promise.allSettled(work);
    throw error;
  }
  return await Promise.all(work);
}

/** One file part: its name checked, its bytes stored; never throws. */
async function storePart(
  part: { stream: Readable & { truncated?: boolean }; filename: string | undefined },
  options: ParseFormOptions,
): Promise<PartResult> {
  const { stream, filename } = part;
  // RFC 7578 §4.2: never use the folders a filename names.
  const name = (filename ?? "").split(/[/\\]/).filter(Boolean).at(-1) ?? "";
  const problem = uploadNameProblem(name, { dotfiles: options.dotfiles });
  if (problem) {
    stream.resume();
    const status = name.startsWith(".") ? 403 : 400; // as for a PUT of the name
    return { name: JSON.stringify(filename ?? ""), error: new UploadError(status, problem) };
  }
  const chunks = async function* () {
    for await (const chunk of stream) yield chunk as Uint8Array;
    if (stream.truncated) throw tooLarge(options.maxUpload ?? 0);
  };
  try {
    const target = join(options.folder, name);
    await receiveFile(chunks(), { folder: options.folder, target, overwrite: options.overwrite });
    options.written?.(target);
    return { name };
  } catch (error) {
    stream.resume();
    const failure = fsFailure(error);
    if (failure instanceof UploadError) return { name, error: failure };
    throw error;
  }
}

/** The `mkdir` field: a folder (and its parents) under the form's folder. */
async function makeFolder(value: string, options: ParseFormOptions): Promise<PartResult> {
  const segments = value.split("/").filter(Boolean);
  const name = `${value}/`;
  if (!options.mkdir) {
    return { name, error: new UploadError(403, "creating folders is off (--mkdir turns it on)") };
  }
  const problem = segments.length === 0
    ? "empty folder name"
    : segments.map((s) => uploadNameProblem(s, { dotfiles: options.dotfiles })).find(Boolean);
  if (problem) return { name, error: new UploadError(400, problem) };
  try {
    await mkdir(join(options.folder, ...segments), { recursive: true });
    // Every level may be new: each was perhaps looked at (and found missing) before.
    segments.forEach((_, i) =>
      options.written?.(join(options.folder, ...segments.slice(0, i + 1)))
    );
    return { name };
  } catch (error) {
    const failure = fsFailure(error);
    if (failure instanceof UploadError) return { name, error: failure };
    throw error;
  }
}
