/**
 * The response for a file: 304, 206, 416 or 200, of the representation
 * content negotiation picked.
 *
 * @module
 */
import type { FileBodyOptions } from "../net/types.ts";
import { ifRangeMatches, isNotModified } from "./conditional.ts";
import { negotiate, type Representation, type Source } from "./negotiate.ts";
import { parseRange, type RangeDecision } from "./range.ts";
import { respond } from "./respond.ts";
import type { StatCache } from "./stat_cache.ts";

/** Options for {@linkcode serveFile}. */
export interface ServeFileOptions {
  /** Where siblings are looked up. */
  cache: StatCache;
  /** Reads a file's bytes as a response body: the adapter's `fileBody`. */
  fileBody(path: string, options: FileBodyOptions): Promise<BodyInit>;
  /** Gzip compressible files on the fly. */
  compress: boolean;
  /** The Cache-Control value. */
  cacheControl: string;
}

const WHOLE: RangeDecision = { kind: "whole" };

/**
 * Answers a GET or HEAD for a file. A Range applies to the bytes as they are
 * (never to a compressed representation) when If-Range allows it; otherwise
 * the representation comes from content negotiation. If-None-Match and
 * If-Modified-Since are compared with that representation's validator, and a
 * 304 carries the validator, Vary and Cache-Control the 200 would.
 *
 * @param request the request
 * @param source the file and its look
 * @param options the cache, the file reader and the policy
 * @returns the response
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveFile } from "./serve_file.ts";
 * import { StatCache } from "./stat_cache.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 *
 * const net = selectAdapter();
 * const root = realpathSync(mkdtempSync(join(tmpdir(), "serve-file-")));
 * writeFileSync(join(root, "a.txt"), "0123456789");
 * const cache = new StatCache({ root, fs: net.fs });
 * const path = join(root, "a.txt");
 * const source = { path, look: (await cache.lookup(path)) as never };
 * const options = { cache, fileBody: net.fileBody, compress: true, cacheControl: "no-cache" };
 * const request = new Request("http://localhost/a.txt", { headers: { range: "bytes=2-4" } });
 * const response = await serveFile(request, source, options);
 * assert(response.status === 206 && (await response.text()) === "234");
 * rmSync(root, { recursive: true });
 * ```
 */
export async function serveFile(
  request: Request,
  source: Source,
  options: ServeFileOptions,
): Promise<Response> {
  const { info, file } = source.look;
  const rangeHeader = request.headers.get("range");
  const range = rangeHeader !== null &&
      ifRangeMatches(request.headers.get("if-range"), file.validator)
    ? parseRange(rangeHeader, info.size)
    : WHOLE;
  // Only a compressible file has other representations (and a promise to wait for).
  const chosen: Representation = range.kind === "whole" && file.compressible
    ? await negotiate(request.headers, source, options)
    : { path: source.path, look: source.look, onTheFly: false, validator: file.validator };
  const headers: [string, string][] = [
    ["last-modified", chosen.validator.lastModified],
    ["cache-control", options.cacheControl],
    ["x-content-type-options", "nosniff"],
    ["etag", chosen.validator.etag],
  ];
  if (!chosen.onTheFly) headers.push(["accept-ranges", "bytes"]);
  if (file.compressible) headers.push(["vary", "accept-encoding"]);
  if (isNotModified(request.headers, chosen.validator)) {
    return respond(null, headers, { status: 304 });
  }
  headers.push(["content-type", file.type]);
  const head = request.method === "HEAD";
  if (range.kind === "unsatisfiable") {
    headers.push(["content-range", `bytes */${info.size}`]);
    return respond(null, headers, { status: 416 });
  }
  if (range.kind === "partial") {
    headers.push(
      ["content-range", `bytes ${range.start}-${range.end}/${info.size}`],
      ["content-length", String(range.end - range.start + 1)],
    );
    const bytes = head ? null : await body(chosen, { ...range, size: info.size }, options);
    return respond(bytes, headers, { status: 206 });
  }
  if (chosen.coding) headers.push(["content-encoding", chosen.coding]);
  const size = chosen.look.info.size;
  const whole = { start: 0, end: size - 1, size, ignoresRange: rangeHeader !== null };
  if (chosen.onTheFly) {
    if (head) return respond(null, headers);
    const bytes = await body(chosen, { ...whole, ignoresRange: true }, options);
    const gzipped = new Response(bytes).body!.pipeThrough(new CompressionStream("gzip"));
    return respond(gzipped, headers);
  }
  headers.push(["content-length", String(size)]);
  if (head || size === 0) return respond(null, headers);
  return respond(await body(chosen, whole, options), headers);
}

/** Bytes start…end of a representation's file: from memory when small, else from the adapter. */
function body(
  chosen: Representation,
  range: FileBodyOptions,
  options: ServeFileOptions,
): Promise<BodyInit> {
  const bytes = chosen.look.bytes;
  return bytes
    ? Promise.resolve(bytes.subarray(range.start, range.end + 1))
    : options.fileBody(chosen.path, range);
}
