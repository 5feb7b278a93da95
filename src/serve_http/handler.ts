/**
 * The static file handler: one web-standard `(Request) => Response` shared
 * by both runtimes. It reads top to bottom; each step is its own module:
 * method and auth, {@linkcode Locator} (URL to path), {@linkcode StatCache}
 * (what is there, looked at once per second), then {@linkcode serveFile}
 * (negotiation, conditionals, ranges) or {@linkcode serveListing}.
 *
 * @module
 */
import { basename, join } from "node:path";
import type { FileBodyOptions, FileSystem, HttpHandler } from "../net/types.ts";
import { serveArchive } from "./archive.ts";
import { BasicAuthGate, passwordAccount } from "./auth.ts";
import { DigestCache } from "./digest_cache.ts";
import { folderEntries } from "./folder_entries.ts";
import { ALLOWED_METHODS, HeaderPolicy } from "./header_policy.ts";
import { type Location, Locator, requestUrl } from "./locate.ts";
import { addReprDigest } from "./repr_digest.ts";
import { statusResponse } from "./respond.ts";
import { serveFile } from "./serve_file.ts";
import { serveListing } from "./serve_listing.ts";
import { serveSha256Sums, SHA256SUMS, sha256SumsEntry } from "./sha256sums.ts";
import { isFileLook, StatCache } from "./stat_cache.ts";
import type { WriteHandler } from "./upload/write_handler.ts";

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
  /** Require HTTP Basic credentials (failed logins are rate-limited per source). */
  auth?: { user: string; password: string };
  /** The write side (`--upload`): every method but GET, HEAD and OPTIONS goes to it. */
  writes?: WriteHandler;
  /**
   * How long, in milliseconds, what a look at a path found (and a small
   * file's bytes) is reused before the path is looked at again; 0 looks on
   * every request. @default 1000 (`REVALIDATE_MS` of stat_cache.ts)
   */
  revalidateMs?: number;
  /** Serve folders as archives on `?download=zip|tar|tar.gz`. @default true */
  archives?: boolean;
  /** A virtual SHA256SUMS in every folder, and Repr-Digest for Want-Repr-Digest. @default false */
  checksums?: boolean;
}

/** Errors between looking and opening: the file went away or became unreadable. */
const GONE: Record<string, number> = {
  ENOENT: 404,
  ENOTDIR: 404,
  EISDIR: 404,
  EACCES: 403,
  EPERM: 403,
};
const EXTENSION_REGEXP = /\.[^/]*$/;

/**
 * Creates the handler.
 *
 * @param options folder and policy
 * @returns a handler for the adapter's `serveHttp`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createFileHandler } from "./handler.ts";
 * import { selectAdapter } from "../net/select.ts";
 * import { realpathSync } from "node:fs";
 * import { tmpdir } from "node:os";
 *
 * const net = selectAdapter();
 * const handler = createFileHandler({ root: realpathSync(tmpdir()), fileBody: net.fileBody, fs: net.fs });
 * const remoteAddr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
 * const response = await handler(new Request("http://localhost/no-such-file"), { remoteAddr });
 * assert(response.status === 404);
 * ```
 */
export function createFileHandler(options: FileHandlerOptions): HttpHandler {
  const { root, fs, writes } = options;
  const dotfiles = options.dotfiles ?? false;
  const allow = writes?.allow ?? ALLOWED_METHODS;
  const policy = new HeaderPolicy({ ...options, allow, optionsHeaders: writes?.optionsHeaders });
  const gate = options.auth && new BasicAuthGate({ accounts: [passwordAccount(options.auth)] });
  const locator = new Locator({ root, dotfiles });
  const cache = new StatCache(options);
  writes?.onWritten((path) => cache.forget(path));
  const fileOptions = {
    cache,
    fileBody: options.fileBody,
    compress: options.compress ?? true,
    cacheControl: policy.cacheControl,
  };
  const digests = options.checksums ? new DigestCache(options) : undefined;
  const folderOptions = { ...options, fs, cache, dotfiles };
  const archives = options.archives !== false;
  const rootName = basename(root) || "files";
  /** What the listing page offers: uploads, a new-folder form, archive links. */
  const pageControls = {
    upload: writes !== undefined,
    mkdir: writes?.allow.split(", ").includes("MKCOL") ?? false,
    archives,
  };
  /** index.html of a folder, or the SPA's: its response, or null when there is none. */
  const serveIndex = async (request: Request, path: string) => {
    const look = await cache.lookup(path).catch(() => null);
    return isFileLook(look) ? await serveFile(request, { path, look }, fileOptions) : null;
  };

  const handle: HttpHandler = async (request, info) => {
    const method = request.method;
    if (method === "OPTIONS") return policy.options(request);
    if (method !== "GET" && method !== "HEAD") {
      return writes ? await writes.handle(request, info) : statusResponse(405, { allow });
    }
    if (method === "HEAD" && writes?.owns(request)) return await writes.handle(request, info);
    const refused = gate && await gate.admit(request, info.remoteAddr.hostname);
    if (refused) return refused;
    const location: Location = locator.locate(request);
    if (!location.ok) return statusResponse(location.status);
    const { path, segments } = location;
    const look = await cache.lookup(path);
    if (isFileLook(look)) {
      const response = await serveFile(request, { path, look }, fileOptions);
      return digests
        ? await addReprDigest(request, response, { path, info: look.info, digests })
        : response;
    }
    if (digests && !look.info && segments.at(-1) === SHA256SUMS) {
      const folder = join(path, "..");
      if ((await cache.lookup(folder)).info?.isDirectory) {
        return await serveSha256Sums(request, await folderEntries(folder, folderOptions), {
          digests,
        });
      }
    }
    if (!look.info && options.spa && !EXTENSION_REGEXP.test(segments.at(-1) ?? "")) {
      const index = await serveIndex(request, join(root, "index.html"));
      if (index) return index;
    }
    if (!look.info?.isDirectory) return statusResponse(404);
    if (!location.trailingSlash) {
      // Never a Location starting with "//": that would be another host.
      const url = requestUrl(request);
      return statusResponse(301, {
        location: `/${url.pathname.replace(/^\/+/, "")}/${url.search}`,
      });
    }
    const name = segments.at(-1) ?? rootName;
    const archive = archives && serveArchive(request, { path, name }, folderOptions);
    if (archive) return archive;
    const index = await serveIndex(request, join(path, "index.html"));
    if (index) return index;
    if (options.listing === false) return statusResponse(404);
    const urlPath = "/" + segments.map((s) => s + "/").join("");
    const virtualEntries = digests ? sha256SumsEntry : undefined;
    return await serveListing(request, { path, urlPath }, {
      ...folderOptions,
      ...pageControls,
      virtualEntries,
    });
  };

  return async (request, info) => {
    try {
      return policy.finish(await handle(request, info));
    } catch (error) {
      const status = GONE[(error as { code?: string }).code ?? ""];
      if (status) return policy.finish(statusResponse(status));
      throw error;
    }
  };
}
