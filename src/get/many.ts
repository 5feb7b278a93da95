/**
 * `get` with many URLs (`get -O URL URL …`, `get -i FILE`): `--parallel N`
 * downloads at once (the runtime's fetch keeps connections to each host
 * open and reuses them), each with every promise of a single download (an
 * atomic `.part`, a checksum). The exit status is that of the first failure
 * in input order ({@linkcode firstFailure}).
 *
 * @module
 */
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { UsageError } from "../cli/args.ts";
import type { CommandContext } from "../cli/context.ts";
import { EXIT } from "../cli/exit_codes.ts";
import { checksumFor, type ChecksumList } from "./checksum_list.ts";
import { download, type DownloadRequest, type DownloadResult } from "./download.ts";
import { DownloadError } from "./errors.ts";
import { failure } from "./failure.ts";
import { fileNameFromUrl } from "./file_name.ts";
import { firstFailure } from "./first_failure.ts";
import { MultiProgress } from "./multi_progress.ts";
import { releaseSink } from "./release_sink.ts";
import { runNet } from "./run_net.ts";
import type { HashName } from "./sink.ts";
import { fileSinks, type SinkProvider } from "./sink_provider.ts";
import { makeFolder } from "./make_folder.ts";
import { loadChecksums, type ManyItem, readUrlList } from "./_many_inputs.ts";
import { type ManyOutcome, ManyReport } from "./_many_report.ts";

export type { ManyItem };

/** Options for {@linkcode runMany}. */
export interface RunManyOptions {
  /** Called after each file landed (`--mirror` records what it saved). */
  onSaved?(item: ManyItem, result: DownloadResult): void;
  /** Output folders the caller just created (`--mirror`): nothing of an earlier run is in them. */
  freshDirs?: Iterable<string>;
}

/** A run of many downloads, as `parseGetArgs` leaves it. */
export interface GetManyPlan {
  kind: "many";
  /** The request rules every file shares (headers, timeouts, retries). */
  request: Omit<DownloadRequest, "url">;
  /** URLs from the command line, before those of the input file. */
  items: ManyItem[];
  /** `-i FILE` (`-` for standard input). */
  inputFile?: string;
  /** `-P DIR`; the current folder by default. */
  outputDir?: string;
  /** Downloads at once (`--parallel`). */
  parallel: number;
  /** `--fail-fast`: cancel the rest at the first failure. */
  failFast: boolean;
  force: boolean;
  resume: boolean;
  fromHeader: boolean;
  /** `--checksums SOURCE`: a SHA256SUMS/SHA512SUMS file or URL. */
  checksums?: string;
  /** `--checksums-optional`: a file the list does not name is saved unchecked. */
  checksumsOptional: boolean;
  json: boolean;
  quiet: boolean;
  forceProgress: boolean;
  verbose: boolean;
  /** `--cacert FILE` (read by the command, which hands the CAs to the adapter). */
  caCertFile?: string;
}

interface Run {
  plan: GetManyPlan;
  context: CommandContext;
  report: ManyReport;
  list?: ChecksumList;
  hashing: { hashNames: HashName[]; createHash?: typeof import("node:crypto").createHash };
  cancel: AbortController;
  /** Resolved paths to the item that writes them. */
  claimed: Map<string, number>;
  /** Output folders already made. */
  dirs: Set<string>;
  /** Those of them this run created: empty of anything an earlier run left. */
  fresh: Set<string>;
  onSaved?(item: ManyItem, result: DownloadResult): void;
}

/**
 * Carries out a many-file plan.
 *
 * @param plan what to fetch
 * @param context the command's only I/O
 * @param options a hook for each saved file
 * @returns 0 when every file was saved, else the first failure's exit code
 * @throws {UsageError} for a bad line of the input file, or two URLs that save one file
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { parseGetArgs } from "../commands/get.ts";
 * import { runMany } from "./many.ts";
 * import { memoryContext } from "../cli/context.ts";
 * import type { NetAdapter } from "../net/types.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   const net = { fetch: (url: URL) => Promise.resolve(new Response(url.pathname)) } as unknown as NetAdapter;
 *   const plan = parseGetArgs(["-P", dir, "-O", "http://h.test/a", "http://h.test/b"], {});
 *   assert(plan.kind === "many");
 *   const code = await runMany(plan, memoryContext(net).context);
 *   assert(code === 0 && readFileSync(join(dir, "b"), "utf8") === "/b");
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export async function runMany(
  plan: GetManyPlan,
  context: CommandContext,
  options: RunManyOptions = {},
): Promise<number> {
  let run: Run;
  let items: ManyItem[];
  try {
    items = [...plan.items, ...(plan.inputFile ? readUrlList(plan.inputFile) : [])];
    if (items.length === 0) throw new UsageError(`-i ${plan.inputFile} lists no URL`);
    const claimed = _claimNames(items, plan);
    run = await _prepare(plan, { context, items, claimed });
    run.onSaved = options.onSaved;
    for (const dir of options.freshDirs ?? []) run.fresh.add(dir);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const { code, message } = failure(error, context.net);
    context.err(`netkit get: ${message}`);
    return code;
  }
  const outcomes = await _pool(items, {
    width: plan.parallel,
    work: (item, index) => _fetchOne(item, index, run),
  });
  return run.report.close(outcomes, firstFailure(outcomes));
}

/** Refuses two URLs that would save one file (by the names known before any response). */
function _claimNames(items: ManyItem[], plan: GetManyPlan): Map<string, number> {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const path = resolve(
      _pathOf(item, plan) ?? join(_dirOf(item, plan), fileNameFromUrl(item.url)),
    );
    const other = seen.get(path);
    if (other !== undefined) {
      throw new UsageError(
        `${item.url.href} and ${items[other].url.href} would both save ` +
          `${relative(".", path)} (give one an out= name with -i FILE)`,
      );
    }
    seen.set(path, index);
  });
  return seen;
}

function _dirOf(item: ManyItem, plan: GetManyPlan): string {
  return join(plan.outputDir ?? ".", item.dir ?? "");
}

function _pathOf(item: ManyItem, plan: GetManyPlan): string | undefined {
  if (item.out === undefined) return undefined;
  // Only -o on the command line can be absolute; -i FILE's out= stays inside.
  return isAbsolute(item.out) ? item.out : join(_dirOf(item, plan), item.out);
}

/** The adapter, hashes, checksum list and display of the run. */
async function _prepare(
  plan: GetManyPlan,
  options: { context: CommandContext; items: ManyItem[]; claimed: Map<string, number> },
): Promise<Run> {
  const cancel = new AbortController();
  const context = {
    ...options.context,
    // Only --fail-fast cancels: without it, no signal joins every fetch's own (one less per file).
    net: plan.failFast
      ? runNet(options.context.net, { signal: cancel.signal })
      : options.context.net,
  };
  const board = !plan.quiet && (plan.forceProgress || context.stderrIsTerminal)
    ? new MultiProgress((text) => context.writeErr(text), {
      files: options.items.length,
      now: () => context.monotonicNow(),
    })
    : undefined;
  const report = new ManyReport(plan, { context, board });
  const list = plan.checksums === undefined ? undefined : await loadChecksums(plan.checksums, {
    net: context.net,
    request: plan.request,
    sleep: (ms) => context.sleep(ms),
    now: () => context.monotonicNow(),
    note: (line) => report.note(line),
  });
  const hashNames = new Set<HashName>([...(list?.entries.values() ?? [])].map((e) => e.hash));
  for (const item of options.items) if (item.checksum) hashNames.add(item.checksum.hash);
  if (plan.json) hashNames.add("sha256");
  // node:crypto alone costs Bun a few ms of start-up: loaded only when hashing.
  const createHash = hashNames.size > 0 ? (await import("node:crypto")).createHash : undefined;
  return {
    plan,
    context,
    report,
    list,
    hashing: { hashNames: [...hashNames], createHash },
    cancel,
    claimed: options.claimed,
    dirs: new Set(),
    fresh: new Set(),
  };
}

/** Runs `work` over `items`, at most `width` at once; results in input order. */
async function _pool<T, R>(
  items: T[],
  options: { width: number; work: (item: T, index: number) => Promise<R> },
): Promise<R[]> {
  const { width, work } = options;
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}

/** Downloads one item; never throws for an expected failure. */
async function _fetchOne(item: ManyItem, index: number, run: Run): Promise<ManyOutcome> {
  const { plan, context } = run;
  const started = context.monotonicNow();
  const base = { url: item.url, index };
  if (run.cancel.signal.aborted) return run.report.cancelled({ ...base, started: false });
  const meter = run.report.meter(_pathOf(item, plan) ?? fileNameFromUrl(item.url));
  let sinks: SinkProvider | undefined;
  try {
    const path = _pathOf(item, plan);
    // out=sub/name.bin names a folder too: make it, as dir= folders are made.
    const dir = path === undefined ? _dirOf(item, plan) : dirname(path);
    _makeDir(dir, run);
    sinks = fileSinks(path, {
      ...plan,
      ...run.hashing,
      fresh: run.fresh.has(dir),
      resume: item.resume ?? plan.resume,
      dir: _dirOf(item, plan),
      claim: (path) => _claim(path, index, run),
    });
    const result = await download({ ...plan.request, url: item.url }, {
      net: context.net,
      sinks,
      note: (line) => run.report.note(`${item.url.href}: ${line}`),
      verbose: plan.verbose ? (line) => run.report.note(line) : undefined,
      errorBody: (text) => run.report.text(text.trimEnd()),
      progress: meter,
      sleep: (ms) => _cancellableSleep(ms, run),
      random: Math.random,
      now: () => context.monotonicNow(),
    });
    _verify(result, { run, item });
    result.sink?.commit();
    run.onSaved?.(item, result);
    const seconds = (context.monotonicNow() - started) / 1000;
    return run.report.saved({ ...base, result, seconds, meter });
  } catch (error) {
    releaseSink(sinks?.current);
    const path = sinks?.current?.path;
    if (run.cancel.signal.aborted) {
      return run.report.cancelled({ ...base, started: true, path, meter });
    }
    const outcome = run.report.failed({ ...base, path, meter, ...failure(error, context.net) });
    if (plan.failFast) run.cancel.abort(new DownloadError(EXIT.FAILURE, "cancelled (--fail-fast)"));
    return outcome;
  }
}

/** Makes an output folder once per run, noting whether this run created it. */
function _makeDir(dir: string, run: Run): void {
  if (run.dirs.has(dir)) return;
  if (makeFolder(dir)) run.fresh.add(dir);
  run.dirs.add(dir);
}

function _claim(path: string, index: number, run: Run): void {
  const key = resolve(path);
  const owner = run.claimed.get(key);
  if (owner !== undefined && owner !== index) {
    throw new DownloadError(
      EXIT.FILE_EXISTS,
      `${path}: another URL of this run saves this file too (name one with out= in -i FILE)`,
    );
  }
  run.claimed.set(key, index);
}

/** A retry's wait, cut short (and failed) when the run is cancelled. */
async function _cancellableSleep(ms: number, run: Run): Promise<void> {
  await run.context.sleep(ms, run.cancel.signal);
  if (run.cancel.signal.aborted) throw run.cancel.signal.reason;
}

/** Checks the file against its line of the checksum list; a mismatch saves nothing. */
function _verify(result: DownloadResult, of: { run: Run; item: ManyItem }): void {
  const { run, item } = of;
  const sink = result.sink;
  if ((!run.list && !item.checksum) || sink?.path === undefined) return;
  const name = relative(run.plan.outputDir ?? ".", sink.path).split("\\").join("/");
  const entry = item.checksum ?? checksumFor(run.list!, name);
  const problem = entry === undefined
    ? run.plan.checksumsOptional
      ? undefined
      : `${run.plan.checksums} has no line for ${name} (--checksums-optional saves it unchecked)`
    : result.digests.get(entry.hash) !== entry.hex
    ? `${entry.hash.toUpperCase()} mismatch: expected ${entry.hex}, got ${
      result.digests.get(entry.hash)
    }`
    : undefined;
  if (problem === undefined) return;
  sink.discard();
  throw new DownloadError(EXIT.CHECKSUM_MISMATCH, `${problem}; ${sink.path} not saved`);
}
