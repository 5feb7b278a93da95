/**
 * What `get --mirror` remembers about the files it saved, so that a second
 * run fetches only what changed: per path, the server's version (the
 * listing's size and date, else the response's ETag, else its length and
 * Last-Modified) and the size saved. It lives in DIR as the hidden
 * `.netkit-mirror.json`; each saved file is also appended at once to
 * `.netkit-mirror.jsonl`, so an interrupted run loses nothing it saved, and
 * the end of a run folds that journal into the JSON file (atomically).
 *
 * @module
 */
import {
  closeSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** The manifest's file name inside DIR. */
export const MIRROR_MANIFEST = ".netkit-mirror.json";
const JOURNAL = ".netkit-mirror.jsonl";

/** What is remembered about one saved file. */
export interface MirrorRecord {
  /** The server's version of the file (see the module notes). */
  version: string;
  /** Bytes saved. */
  size: number;
}

/**
 * The saved files of a mirror folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { MirrorManifest } from "./mirror_manifest.ts";
 *
 * const dir = mkdtempSync(join(tmpdir(), "netkit-doc-"));
 * try {
 *   MirrorManifest.load(dir).record("a.txt", { version: "3@0", size: 3 });
 *   assert.deepEqual(MirrorManifest.load(dir).get("a.txt"), { version: "3@0", size: 3 });
 * } finally {
 *   rmSync(dir, { recursive: true });
 * }
 * ```
 */
export class MirrorManifest {
  readonly #dir: string;
  readonly #records: Map<string, MirrorRecord>;
  /** The journal, opened at the first record and kept open (one open per run, not per file). */
  #journal?: number;

  private constructor(dir: string, records: Map<string, MirrorRecord>) {
    this.#dir = dir;
    this.#records = records;
  }

  /**
   * Reads DIR's manifest and journal; what cannot be read counts as not saved.
   *
   * @param dir the mirror's folder
   * @returns the manifest
   */
  static load(dir: string): MirrorManifest {
    const records = new Map<string, MirrorRecord>();
    const add = (path: unknown, record: unknown) => {
      const r = record as MirrorRecord | undefined;
      if (
        typeof path === "string" && typeof r?.version === "string" && Number.isSafeInteger(r.size)
      ) {
        records.set(path, { version: r.version, size: r.size });
      }
    };
    try {
      const saved = JSON.parse(readFileSync(join(dir, MIRROR_MANIFEST), "utf8"));
      for (const [path, record] of Object.entries(saved.files ?? {})) add(path, record);
    } catch { /* none yet */ }
    try {
      for (const line of readFileSync(join(dir, JOURNAL), "utf8").split("\n")) {
        try {
          const { path, ...record } = JSON.parse(line);
          add(path, record);
        } catch { /* a line cut short by an interruption */ }
      }
    } catch { /* no journal */ }
    return new MirrorManifest(dir, records);
  }

  /** What was saved at `path`, if anything. */
  get(path: string): MirrorRecord | undefined {
    return this.#records.get(path);
  }

  /** Remembers a saved file at once (in the journal). */
  record(path: string, record: MirrorRecord): void {
    this.#records.set(path, record);
    this.#journal ??= openSync(join(this.#dir, JOURNAL), "a");
    writeSync(this.#journal, JSON.stringify({ path, ...record }) + "\n");
  }

  /**
   * Writes the manifest of the paths still listed, then drops the journal.
   *
   * @param listed the paths the server lists now
   */
  save(listed: Set<string>): void {
    if (this.#journal !== undefined) closeSync(this.#journal);
    this.#journal = undefined;
    const files: Record<string, MirrorRecord> = {};
    for (const [path, record] of this.#records) if (listed.has(path)) files[path] = record;
    const target = join(this.#dir, MIRROR_MANIFEST);
    writeFileSync(`${target}.tmp`, JSON.stringify({ files }) + "\n");
    renameSync(`${target}.tmp`, target);
    rmSync(join(this.#dir, JOURNAL), { force: true });
  }
}
