/**
 * `get --mirror URL DIR`: copies a served folder tree into DIR. The crawl
 * ({@linkcode crawlMirror}) lists the files; a file whose server version
 * (listing size and date, else ETag or length and Last-Modified from a HEAD)
 * and local size match what the last run saved ({@linkcode MirrorManifest})
 * is skipped; the rest go through the many-file machinery ({@linkcode runMany}:
 * `--parallel`, an atomic `.part` per file, resumed when one is left from an
 * interrupted run), each verified against its line of a served SHA256SUMS.
 * `--delete` then removes what the server no longer lists
 * ({@linkcode deleteUnlisted}), but only after a crawl that read every folder.
 *
 * @module
 */
import { existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import type { CommandContext } from "../cli/context.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { download, type DownloadRequest } from "./download.ts";
import { failure } from "./failure.ts";
import { crawlMirror, type MirrorFile } from "./mirror_crawl.ts";
import { deleteUnlisted } from "./mirror_delete.ts";
import { makeFolder } from "./make_folder.ts";
import { MirrorManifest } from "./mirror_manifest.ts";
import { type GetManyPlan, type ManyItem, runMany } from "./many.ts";
import { stdoutSinks } from "./sink_provider.ts";
import { type Validators, validatorsOf } from "./validators.ts";

/** A mirror run, as `parseGetArgs` leaves it. */
export interface GetMirrorPlan {
  kind: "mirror";
  /** The folder to copy. */
  url: URL;
  /** The local folder (made if missing). */
  dir: string;
  /** The many-file settings the files are fetched with (`--parallel`, `--json`, `-s` …). */
  many: Omit<GetManyPlan, "items" | "outputDir">;
  /** `--delete`: remove local files the server no longer lists. */
  delete: boolean;
}

/** The listing asked for: JSON first, else HTML (RFC 9110 §12.5.1 Accept). */
const ACCEPT_LISTING = "application/json, text/html;q=0.9, */*;q=0.1";

/**
 * Carries out a mirror plan.
 *
 * @param plan what to copy, and where
 * @param context the command's only I/O
 * @returns 0 when every folder was read and every file saved, else the first failure's code
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { parseGetArgs } from "../commands/get.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 * import { runMirror } from "./mirror.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const pages: Record<string, string> = { "/p/": '<a href="a.txt">a.txt</a>', "/p/a.txt": "A" };
 *   const net = { fetch: (url: URL) => Promise.resolve(new Response(pages[url.pathname])) } as unknown as NetAdapter;
 *   const plan = parseGetArgs(["--mirror", "http://h.test/p/", dir, "-s"], {});
 *   assert(plan.kind === "mirror");
 *   assert(await runMirror(plan, memoryContext(net).context) === 0);
 *   assert(readFileSync(join(dir, "a.txt"), "utf8") === "A");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function runMirror(plan: GetMirrorPlan, context: CommandContext): Promise<number> {
  const note = (line: string) => {
    if (!plan.many.quiet) context.err(`netkit get: ${line}`);
  };
  let manifest: MirrorManifest;
  let crawl: Awaited<ReturnType<typeof crawlMirror>>;
  /** Folders made by this run: no file, .part or symlink of an earlier one is in them. */
  const fresh = new Set<string>();
  try {
    if (makeFolder(plan.dir)) fresh.add(join(plan.dir, ""));
    manifest = MirrorManifest.load(plan.dir);
    crawl = await crawlMirror(plan.url, {
      fetchText: (url) => _fetchText(url, { plan, context, note }),
      parallel: plan.many.parallel,
      note,
    });
  } catch (error) {
    return _failed(error, context);
  }
  for (const { url, error } of crawl.failures) {
    context.err(`netkit get: ${url.href}: ${failure(error, context.net).message}`);
  }
  try {
    for (const folder of crawl.folders) {
      if (_linkOnTheWay(plan.dir, folder) !== undefined) continue;
      if (makeFolder(join(plan.dir, folder))) fresh.add(join(plan.dir, folder));
    }
  } catch (error) {
    return _failed(error, context);
  }
  const safe = crawl.files.filter((file) => {
    if (fresh.has(join(plan.dir, _folderOf(file.path) ?? ""))) return true;
    const link = _linkOnTheWay(plan.dir, file.path);
    if (link !== undefined) {
      context.err(`netkit get: ${link} is a symlink: ${file.path} not written`);
    }
    return link === undefined;
  });
  const items = await _changed(safe, { plan, context, manifest, sums: crawl.sums, fresh });
  const versions = new Map(items.map((i) => [i.item, i]));
  note(
    `${crawl.files.length} files in ${crawl.folders.length} folders; ` +
      `${crawl.files.length - items.length} unchanged, ${items.length} to fetch`,
  );
  const refused = safe.length < crawl.files.length ? EXIT.WRITE_ERROR : 0;
  const code = items.length === 0 ? refused : await runMany(
    { ...plan.many, kind: "many", items: items.map((i) => i.item), outputDir: plan.dir },
    context,
    {
      freshDirs: fresh,
      onSaved: (item, result) => {
        const found = versions.get(item);
        const version = found?.version ?? _versionOf(result.sink?.validators ?? {});
        if (found && version !== undefined) {
          manifest.record(found.path, { version, size: result.bytes });
        }
      },
    },
  );
  const listed = new Set([...crawl.files.map((f) => f.path), ...crawl.folders]);
  manifest.save(listed);
  if (crawl.failures.length > 0) {
    if (plan.delete) note("--delete skipped: not every folder could be read");
    return code || failure(crawl.failures[0].error, context.net).code;
  }
  if (plan.delete) {
    for (const path of deleteUnlisted(plan.dir, listed)) note(`deleted ${join(plan.dir, path)}`);
  }
  return code || refused;
}

/**
 * The first symlink among `path`'s components below `dir` (the file itself
 * included): writing through one could land outside DIR, so none is.
 */
function _linkOnTheWay(dir: string, path: string): string | undefined {
  let at = dir;
  for (const segment of path.split("/")) {
    if (segment === "") continue;
    at = join(at, segment);
    try {
      if (lstatSync(at).isSymbolicLink()) return at;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A listing page (or a SHA256SUMS) as text, asking for JSON first. */
async function _fetchText(
  url: URL,
  run: { plan: GetMirrorPlan; context: CommandContext; note(line: string): void },
): Promise<{ text: string; finalUrl: URL }> {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const headers = new Headers(run.plan.many.request.headers);
  headers.set("accept", ACCEPT_LISTING);
  const result = await download({ ...run.plan.many.request, headers, url }, {
    net: run.context.net,
    sinks: stdoutSinks((chunk) => void chunks.push(chunk.slice()), { hashNames: [] }),
    note: run.note,
    sleep: (ms) => run.context.sleep(ms),
    random: Math.random,
    now: () => run.context.monotonicNow(),
  });
  return { text: await new Blob(chunks).text(), finalUrl: result.finalUrl };
}

/** The server's version of a file from a response's validators, when it has one. */
function _versionOf(v: Validators): string | undefined {
  if (v.etag) return `etag ${v.etag}`;
  return v.lastModified && v.length !== undefined ? `${v.length} ${v.lastModified}` : undefined;
}

/** A file to fetch: its path, what runMany gets, and its version when the listing says. */
interface _Fetch {
  path: string;
  item: ManyItem;
  version?: string;
}

/** The files to fetch: new, changed, or not as the last run saved them. */
async function _changed(
  files: MirrorFile[],
  run: {
    plan: GetMirrorPlan;
    context: CommandContext;
    manifest: MirrorManifest;
    sums: Map<string, { hash: "sha256" | "sha512"; hex: string }>;
    /** Folders this run made: no `.part` in them to resume. */
    fresh: Set<string>;
  },
): Promise<_Fetch[]> {
  const { plan, manifest } = run;
  const decided = new Array<_Fetch | undefined>(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      const local = join(plan.dir, file.path);
      const listed = file.size !== undefined && file.mtimeMs !== undefined
        ? `${file.size} ${new Date(file.mtimeMs).toISOString()}`
        : undefined;
      const saved = manifest.get(file.path);
      const same = saved !== undefined && _sizeOf(local) === saved.size &&
        (listed ?? await _headVersion(file.url, run)) === saved.version;
      if (same) continue;
      const dir = _folderOf(file.path);
      decided[index] = {
        path: file.path,
        item: {
          url: file.url,
          // dir= makes runMany create the folder; out= is the name in it.
          dir,
          out: file.path.slice(file.path.lastIndexOf("/") + 1),
          resume: !run.fresh.has(join(plan.dir, dir ?? "")) && existsSync(`${local}.part`),
          checksum: run.sums.get(file.path),
        },
        version: listed,
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(plan.many.parallel, files.length) }, worker));
  return decided.filter((d) => d !== undefined);
}

/** The folder part of a mirrored path (`a/b` of `a/b/c.txt`), if it has one. */
function _folderOf(path: string): string | undefined {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : undefined;
}

function _sizeOf(path: string): number | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

/** The version a HEAD reports (HTML listings say no exact size or date). */
async function _headVersion(
  url: URL,
  run: { plan: GetMirrorPlan; context: CommandContext },
): Promise<string | undefined> {
  const request: DownloadRequest = { ...run.plan.many.request, url };
  try {
    const response = await run.context.net.fetch(url, {
      method: "HEAD",
      headers: request.headers,
      redirect: "manual",
    });
    await response.body?.cancel();
    return response.status === 200 ? _versionOf(validatorsOf(url, response)) : undefined;
  } catch {
    return undefined;
  }
}

function _failed(error: unknown, context: CommandContext): number {
  const { code, message } = failure(error, context.net);
  context.err(`netkit get: ${message}`);
  return code;
}
