/**
 * The static file handler: one web-standard `(Request) => Response` shared
 * by both runtimes. File bytes come from memory (small files) or the
 * adapter's `fileBody` (sendfile on Bun); metadata from the adapter's `fs`,
 * looked at once per {@linkcode REVALIDATE_MS} for folders and small files.
 *
 * @module
 */
import { join, sep } from "node:path";
import mime from "mime";
import type { FileBodyOptions, FileInfo, FileSystem, HttpHandler } from "../net/types.ts";
import { resolvePath } from "./resolve_path.ts";
import { parseRange } from "./range.ts";
import {
  type ListingEntry,
  renderListingHtml,
  renderListingJson,
  type SortKey,
} from "./listing.ts";
import { checkBasicAuth } from "./auth.ts";

/** Options for {@linkcode createFileHandler}. */
export interface FileHandlerOptions {
  /** The folder to serve; must be an absolute, real (symlink-free) path. */
  root: string;
  /** Reads a file's bytes as a response body: the adapter's `fileBody`. */
  fileBody(path: string, options: FileBodyOptions): Promise<BodyInit>;
  /** File metadata: the adapter's `fs`. */
  fs: FileSystem;
  /** Show folder listings. @default true */
  listing?: boolean;
  /** Serve and list dotfiles and dot-folders. @default false */
  dotfiles?: boolean;
  /** Follow symlinks that lead out of the root. @default false */
  followSymlinks?: boolean;
  /** `Cache-Control: max-age=N`; undefined sends `no-cache` (revalidate every time). */
  cacheSeconds?: number;
  /** Gzip compressible responses on the fly. @default true */
  compress?: boolean;
  /** Send `Access-Control-Allow-Origin: *` and answer preflight requests. @default false */
  cors?: boolean;
  /** Extra headers on every response. */
  headers?: [string, string][];
  /** Answer unknown extension-less paths with /index.html and 200. @default false */
  spa?: boolean;
  /** Require HTTP Basic credentials. */
  auth?: { user: string; password: string };
  /**
   * How long, in milliseconds, what a look at a path found (and a small
   * file's bytes) is reused before the path is looked at again; 0 looks on
   * every request. @default {@linkcode REVALIDATE_MS}
   */
  revalidateMs?: number;
}

/** Types worth compressing (beyond text/*). */
const COMPRESSIBLE =
  /^(text\/|application\/(json|javascript|xml|wasm|manifest\+json|ld\+json)|image\/svg\+xml)/;
/** Files up to this size are kept in memory between requests. */
const SMALL_FILE = 64 * 1024;
/** Memory the small-file cache may hold. */
const SMALL_FILE_CACHE_BYTES = 16 * 1024 * 1024;
/** Paths whose symlink verdict is remembered. */
const VERDICT_CACHE_ENTRIES = 10_000;
/** Request URLs whose resolved path is remembered. */
const LOCATION_CACHE_ENTRIES = 1000;
/** Paths whose last look is remembered. */
const LOOK_CACHE_ENTRIES = 10_000;
/**
 * How long a look at a path is trusted, in milliseconds: a file changed on
 * disk is served fresh at most this long after the change (nginx's
 * `open_file_cache_valid` is 60 s by default).
 */
export const REVALIDATE_MS = 1000;
/** Errors that mean "nothing there to serve" (404), not a failure. */
const MISSING = new Set(["ENOENT", "ENOTDIR", "ENAMETOOLONG"]);

/** Where a request URL leads: a path under the root, or a refusal. */
type Location =
  | { ok: true; path: string; segments: string[]; trailingSlash: boolean }
  | { ok: false; status: 400 | 404 };

/** What one look at a path found. */
interface Look {
  /** When the look was made (`performance.now()`). */
  checked: number;
  /** The file or folder; null when nothing is there to serve (missing, or a symlink out of the root). */
  info: FileInfo | null;
  /** Of a file: what its responses say about it, worked out once per look. */
  headers?: FileHeaders;
  /** A small file's bytes, read just after the look. */
  bytes?: Uint8Array<ArrayBuffer>;
}

/** Header values that depend only on the file and its version. */
interface FileHeaders {
  /** Content-Type */
  type: string;
  /** ETag, from size and modification time (no hashing) */
  etag: string;
  /** Last-Modified */
  lastModified: string;
}

/** A look that found a file. */
type FileLook = Look & { info: FileInfo; headers: FileHeaders };

/** Whether a look found a file to serve. */
function isFile(look: Look | null): look is FileLook {
  return look?.headers !== undefined;
}

/** Whether two looks saw the same version of a file: any change alters one of these. */
function sameVersion(a: FileInfo | null, b: FileInfo): boolean {
  return a !== null && a.dev === b.dev && a.ino === b.ino && a.size === b.size &&
    a.mtimeMs === b.mtimeMs;
}

/** Below this, gzip costs more than it saves. */
const MIN_COMPRESS_SIZE = 1024;

/**
 * Creates the handler.
 *
 * @param options folder and policy
 * @returns a handler for the adapter's `serveHttp`
 * @example
 * ```ts
 * const handler = createFileHandler({ root: "/srv/www", fileBody: net.fileBody });
 * await net.serveHttp({ hostname: "::", port: 8000, handler });
 * ```
 */
export function createFileHandler(options: FileHandlerOptions): HttpHandler {
  const policy = {
    listing: options.listing ?? true,
    dotfiles: options.dotfiles ?? false,
    followSymlinks: options.followSymlinks ?? false,
    compress: options.compress ?? true,
    cors: options.cors ?? false,
  };
  const cacheControl = options.cacheSeconds === undefined
    ? "no-cache"
    : `max-age=${options.cacheSeconds}`;
  const root = options.root;

  /** Adds the headers every response carries. */
  const finish = (response: Response): Response => {
    const h = response.headers;
    if (policy.cors) h.set("access-control-allow-origin", "*");
    for (const [name, value] of options.headers ?? []) h.set(name, value);
    return response;
  };

  /** Whether a real path is inside the root. */
  const inside = (real: string) =>
    real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);

  // realpath costs a syscall per path component. Its verdict holds while the
  // path leads to the same file (device and inode), which the stat that every
  // look makes anyway tells: a retargeted symlink shows another inode.
  const verdicts = new Map<string, { dev: number; ino: number; inside: boolean }>();
  /** Stats a path, refusing symlinks out of the root; null when it is not there to serve. */
  const examine = async (path: string): Promise<FileInfo | null> => {
    const info = await options.fs.stat(path);
    if (policy.followSymlinks) return info;
    const known = verdicts.get(path);
    if (known && known.dev === info.dev && known.ino === info.ino) {
      return known.inside ? info : null;
    }
    const verdict = {
      dev: info.dev,
      ino: info.ino,
      inside: inside(await options.fs.realPath(path)),
    };
    if (verdicts.size >= VERDICT_CACHE_ENTRIES) verdicts.clear();
    verdicts.set(path, verdict);
    return verdict.inside ? info : null;
  };

  // Parsing a URL and resolving its path cost as much as the rest of a small
  // file's response, and the same URLs come again and again. Both are pure.
  const locations = new Map<string, Location>();
  /** Where a request URL leads. */
  const locate = (url: string): Location => {
    let location = locations.get(url);
    if (!location) {
      const resolved = resolvePath(new URL(url).pathname, { dotfiles: policy.dotfiles });
      location = resolved.ok ? { ...resolved, path: join(root, ...resolved.segments) } : resolved;
      if (locations.size >= LOCATION_CACHE_ENTRIES) locations.clear();
      locations.set(url, location);
    }
    return location;
  };

  // What one look at a path found, reused for `revalidateMs` (nginx's
  // open_file_cache_valid): folders, missing paths, and small files together
  // with their bytes, read just after the look. A stat costs more than the
  // rest of a small-file response (on Deno it is a trip to a thread pool), so
  // a busy file is looked at once per interval, not once per request. Larger
  // files are looked at on every request: their bytes are read from disk
  // then, and headers and bytes must describe the same file.
  const revalidateMs = options.revalidateMs ?? REVALIDATE_MS;
  const looks = new Map<string, Look>();
  let lookBytes = 0;
  const forget = (path: string, look: Look) => {
    looks.delete(path);
    lookBytes -= look.bytes?.length ?? 0;
  };
  /** What is at a path: from a look less than `revalidateMs` old, or a new one. */
  const lookup = async (path: string): Promise<Look> => {
    const now = performance.now();
    const last = looks.get(path);
    if (last && now - last.checked < revalidateMs) return last;
    let info: FileInfo | null;
    try {
      info = await examine(path);
    } catch (error) {
      if (!MISSING.has((error as { code?: string }).code ?? "")) throw error;
      info = null;
    }
    const look: Look = { checked: now, info };
    if (info?.isFile) {
      look.headers = {
        type: contentType(path),
        etag: `"${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`,
        lastModified: new Date(Math.floor(info.mtimeMs / 1000) * 1000).toUTCString(),
      };
      if (info.size > SMALL_FILE) return look;
      const bytes = last?.bytes && sameVersion(last.info, info)
        ? last.bytes
        : await options.fs.readFile(path);
      // Changed while being read: streamed from disk this time, looked at again next time.
      if (bytes.length !== info.size) return look;
      look.bytes = bytes;
    }
    if (last) forget(path, last);
    looks.set(path, look);
    lookBytes += look.bytes?.length ?? 0;
    for (const [key, old] of looks) {
      if (looks.size <= LOOK_CACHE_ENTRIES && lookBytes <= SMALL_FILE_CACHE_BYTES) break;
      forget(key, old); // oldest first: Map keeps insertion order
    }
    return look;
  };

  /** Bytes start…end of a file: from memory when small, else from the adapter. */
  const body = (path: string, look: Look, range: FileBodyOptions): Promise<BodyInit> =>
    look.bytes
      ? Promise.resolve(look.bytes.subarray(range.start, range.end + 1))
      : options.fileBody(path, range);

  const serveFile = async (
    request: Request,
    path: string,
    look: FileLook,
    status = 200,
  ): Promise<Response> => {
    const info = look.info;
    const { type, etag, lastModified } = look.headers;
    const headers: [string, string][] = [
      ["last-modified", lastModified],
      ["cache-control", cacheControl],
      ["accept-ranges", "bytes"],
      ["x-content-type-options", "nosniff"],
    ];
    if (status === 200 && notModified(request, etag, info.mtimeMs)) {
      headers.push(["etag", etag]);
      return respond(null, 304, headers);
    }
    headers.push(["content-type", type]);
    const rangeHeader = request.headers.get("range");
    const ifRange = rangeHeader === null ? null : request.headers.get("if-range");
    const rangeApplies = status === 200 && rangeHeader !== null &&
      (ifRange === null || ifRange === etag || ifRange === lastModified);
    const range = rangeApplies ? parseRange(rangeHeader, info.size) : { kind: "whole" as const };
    if (range.kind === "unsatisfiable") {
      headers.push(["content-range", `bytes */${info.size}`], ["etag", etag]);
      return respond(null, 416, headers);
    }
    const head = request.method === "HEAD";
    if (range.kind === "partial") {
      headers.push(
        ["etag", etag],
        ["content-range", `bytes ${range.start}-${range.end}/${info.size}`],
        ["content-length", String(range.end - range.start + 1)],
      );
      const bytes = head ? null : await body(path, look, { ...range, size: info.size });
      return respond(bytes, 206, headers);
    }

    // Whole file: a precompressed sibling, on-the-fly gzip, or the bytes as they are.
    const compressible = COMPRESSIBLE.test(type);
    const accepted = compressible
      ? acceptedEncodings(request.headers.get("accept-encoding"))
      : new Set<string>();
    if (compressible) headers.push(["vary", "accept-encoding"]);
    for (const [encoding, suffix] of [["br", ".br"], ["gzip", ".gz"]] as const) {
      if (!accepted.has(encoding)) continue;
      const siblingLook = await lookup(path + suffix).catch(() => null);
      if (!isFile(siblingLook)) continue;
      const sibling = siblingLook.info;
      headers.push(
        ["content-encoding", encoding],
        ["etag", etag.replace(/"$/, `-${encoding}"`)],
        ["content-length", String(sibling.size)],
      );
      const bytes = head || sibling.size === 0 ? null : await body(path + suffix, siblingLook, {
        start: 0,
        end: sibling.size - 1,
        size: sibling.size,
        ignoresRange: rangeHeader !== null,
      });
      return respond(bytes, status, headers);
    }
    const whole = {
      start: 0,
      end: info.size - 1,
      size: info.size,
      ignoresRange: rangeHeader !== null,
    };
    if (policy.compress && accepted.has("gzip") && info.size >= MIN_COMPRESS_SIZE) {
      const gzipHeaders = headers.filter(([name]) => name !== "accept-ranges");
      // A different representation: its own validator.
      gzipHeaders.push(["content-encoding", "gzip"], ["etag", etag.replace(/"$/, `-gzip"`)]);
      if (head) return respond(null, status, gzipHeaders);
      const bytes = await body(path, look, { ...whole, ignoresRange: true });
      const stream = new Response(bytes).body!.pipeThrough(new CompressionStream("gzip"));
      return respond(stream, status, gzipHeaders);
    }
    headers.push(["etag", etag], ["content-length", String(info.size)]);
    if (head || info.size === 0) return respond(null, status, headers);
    return respond(await body(path, look, whole), status, headers);
  };

  const serveListing = async (request: Request, path: string, urlPath: string) => {
    const entries: ListingEntry[] = [];
    for (const name of await options.fs.readDir(path)) {
      if (name.startsWith(".") && !policy.dotfiles) continue;
      const info = await examine(join(path, name)).catch(() => null);
      if (!info || !(info.isFile || info.isDirectory)) continue;
      entries.push({
        name,
        kind: info.isDirectory ? "directory" : "file",
        size: info.isDirectory ? 0 : info.size,
        mtimeMs: info.mtimeMs,
      });
    }
    const headers = { "cache-control": "no-cache", "vary": "accept" };
    if (prefersJson(request.headers.get("accept"))) {
      return new Response(request.method === "HEAD" ? null : renderListingJson(entries), {
        headers: { ...headers, "content-type": "application/json; charset=utf-8" },
      });
    }
    const query = new URL(request.url).searchParams;
    const key = (["name", "size", "mtime"] as const).find((k) => k === query.get("sort")) ?? "name";
    const html = renderListingHtml(urlPath, entries, {
      key: key as SortKey,
      descending: query.get("order") === "desc",
    });
    return new Response(request.method === "HEAD" ? null : html, {
      headers: { ...headers, "content-type": "text/html; charset=utf-8" },
    });
  };

  const handle = async (request: Request): Promise<Response> => {
    const method = request.method;
    if (method === "OPTIONS" && policy.cors) {
      return new Response(null, {
        status: 204,
        headers: {
          "access-control-allow-methods": "GET, HEAD, OPTIONS",
          "access-control-allow-headers": request.headers.get("access-control-request-headers") ??
            "*",
          "access-control-max-age": "86400",
        },
      });
    }
    if (method !== "GET" && method !== "HEAD") {
      return status(405, { allow: policy.cors ? "GET, HEAD, OPTIONS" : "GET, HEAD" });
    }
    if (
      options.auth && !(await checkBasicAuth(request.headers.get("authorization"), options.auth))
    ) {
      return status(401, { "www-authenticate": 'Basic realm="netkit", charset="UTF-8"' });
    }
    const resolved = locate(request.url);
    if (!resolved.ok) return status(resolved.status);
    const path = resolved.path;
    const target = await lookup(path);
    if (!target.info && options.spa && !/\.[^/]*$/.test(resolved.segments.at(-1) ?? "")) {
      const index = join(root, "index.html");
      const indexLook = await lookup(index).catch(() => null);
      if (isFile(indexLook)) return await serveFile(request, index, indexLook);
    }
    if (target.info?.isDirectory) {
      if (!resolved.trailingSlash) {
        // Never a Location starting with "//": that would be another host.
        const url = new URL(request.url);
        const location = "/" + url.pathname.replace(/^\/+/, "") + "/" + url.search;
        return status(301, { location });
      }
      const index = join(path, "index.html");
      const indexLook = await lookup(index).catch(() => null);
      if (isFile(indexLook)) return await serveFile(request, index, indexLook);
      if (!policy.listing) return status(404);
      const urlPath = "/" + resolved.segments.map((s) => s + "/").join("");
      return await serveListing(request, path, urlPath);
    }
    if (!isFile(target)) return status(404);
    return await serveFile(request, path, target);
  };

  return async (request) => {
    try {
      return finish(await handle(request));
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The file went away or became unreadable between looking and opening.
      if (code === "ENOENT" || code === "ENOTDIR") return finish(status(404));
      if (code === "EACCES" || code === "EPERM") return finish(status(403));
      if (code === "EISDIR") return finish(status(404));
      throw error;
    }
  };
}

const REASONS: Record<number, string> = {
  301: "Moved Permanently",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
};

/** A short plain-text status response. */
function status(code: number, headers: Record<string, string> = {}): Response {
  return respond(`${code} ${REASONS[code] ?? ""}\n`, code, [
    ["content-type", "text/plain; charset=utf-8"],
    ...Object.entries(headers),
  ]);
}

/**
 * A response with these headers, appended to the new response's own. On Deno
 * that costs about a third of passing them in the constructor's `headers`
 * (whose conversion was a third of a small file's whole cost there); on Bun
 * both cost the same.
 */
function respond(body: BodyInit | null, status: number, headers: [string, string][]): Response {
  const response = status === 200 ? new Response(body) : new Response(body, { status });
  for (const [name, value] of headers) response.headers.append(name, value);
  return response;
}

/** The media type of a path, with a charset for text. */
export function contentType(path: string): string {
  const type = mime.getType(path) ?? "application/octet-stream";
  const textual = type.startsWith("text/") || type === "application/json" ||
    type === "application/javascript" || type === "image/svg+xml" || type === "application/xml";
  return textual ? `${type}; charset=utf-8` : type;
}

/** If-None-Match (preferred) or If-Modified-Since says the client's copy is current. */
function notModified(request: Request, etag: string, mtimeMs: number): boolean {
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    return ifNoneMatch.trim() === "*" ||
      ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
  }
  const since = Date.parse(request.headers.get("if-modified-since") ?? "");
  return Number.isFinite(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

/** Content codings the client accepts (q > 0). */
function acceptedEncodings(header: string | null): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/** Whether Accept ranks application/json above text/html. */
function prefersJson(header: string | null): boolean {
  if (!header) return false;
  const weight = (type: string) => {
    for (const part of header.split(",")) {
      const [name, ...params] = part.trim().toLowerCase().split(";");
      if (name !== type) continue;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return q ? Number(q.slice(2)) : 1;
    }
    return -1;
  };
  const json = weight("application/json");
  return json > 0 && json > weight("text/html");
}
