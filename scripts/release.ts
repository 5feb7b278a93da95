/**
 * Builds the release set in dist/release/: one binary per target, a
 * compressed archive of each, and SHA256SUMS over every file (the format
 * `sha256sum -c` reads).
 *
 *   bun scripts/release.ts            # npm run release
 *
 * Each binary is made by scripts/build.ts (bun build --compile, minified,
 * with bytecode: measured to build and start on every target, see
 * bench/RESULTS.md). Cross-target runtimes come from the npm registry.
 *
 * Archives: `netkit-<target>.tar.gz` for every target, and
 * `netkit-<target>.tar.xz` where it is at least 10 % smaller than the
 * .tar.gz (the rule is XZ_MIN_SAVING below; each build applies it and says
 * what it decided). Each holds the folder `netkit-<target>/` with the binary
 * as `netkit` (`netkit.exe` for Windows) and README.md (and LICENSE, if the
 * project has one). The tars are written by modern-tar with fixed mtimes and
 * owners, and compressed by the system's gzip and xz (scripts/_compress_file.ts
 * says why and at which levels), as many at once as the machine has cores.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import process from "node:process";
import { compressFile, type Compression, COMPRESSORS } from "./_compress_file.ts";
import { releaseTar } from "./_release_tar.ts";
import { sha256Sums, SUMS_FILE } from "./_sha256_sums.ts";
import { sourceDate } from "./_source_date.ts";

/** Release targets and the file each becomes. */
const RELEASE: [target: string, file: string][] = [
  ["linux-x64", "netkit-linux-x64"],
  ["linux-x64-musl", "netkit-linux-x64-musl"],
  ["linux-arm64", "netkit-linux-arm64"],
  ["linux-arm64-musl", "netkit-linux-arm64-musl"],
  ["darwin-x64", "netkit-darwin-x64"],
  ["darwin-arm64", "netkit-darwin-arm64"],
  ["windows-x64", "netkit-windows-x64.exe"],
];

/** A .tar.xz ships only if it is at least this much smaller than the .tar.gz. */
const XZ_MIN_SAVING = 0.1;
/** What goes into each archive beside the binary, where the project has it. */
const DOCUMENTS = ["README.md", "LICENSE"].filter((path) => existsSync(path));

const OUT = "dist/release";
const STAGING = "dist/release-staging";

function buildBinaries(): void {
  for (const [target, file] of RELEASE) {
    console.log(`release: ${file}`);
    const result = spawnSync(
      process.execPath,
      ["scripts/build.ts", "--target", target, "--outfile", `${OUT}/${file}`],
      { stdio: "inherit" },
    );
    if (result.status !== 0) {
      console.error(`release: the build for ${target} failed (exit ${result.status})`);
      process.exit(1);
    }
  }
}

/** Runs `jobs`, `width` at a time; after a failure no new job starts, and the first is thrown. */
async function runAll(jobs: (() => Promise<void>)[], width: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < jobs.length) {
      await jobs[next++]().catch((error) => {
        failed = true;
        throw error;
      });
    }
  };
  // Every worker settles first: no compressor is left running when this throws.
  const settled = await Promise.allSettled(
    Array.from({ length: Math.min(width, jobs.length) }, worker),
  );
  const failure = settled.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
}

/** Writes every target's tar to STAGING, then compresses each with every compressor. */
async function buildArchives(): Promise<Map<string, Record<Compression, number>>> {
  const mtime = sourceDate();
  mkdirSync(STAGING, { recursive: true });
  const sizes = new Map<string, Record<Compression, number>>();
  const jobs: (() => Promise<void>)[] = [];
  for (const [target, file] of RELEASE) {
    const folder = `netkit-${target}`;
    const name = target.startsWith("windows") ? "netkit.exe" : "netkit";
    const tar = await releaseTar(`${OUT}/${file}`, { folder, name, documents: DOCUMENTS, mtime });
    writeFileSync(`${STAGING}/${folder}.tar`, tar);
    const size = { gz: 0, xz: 0 };
    sizes.set(target, size);
    // xz first: it is the slow one, so the quick gzip jobs fill in at the end.
    for (const compression of ["xz", "gz"] as const) {
      jobs[compression === "xz" ? "unshift" : "push"](async () => {
        const output = `${OUT}/${folder}.tar.${compression}`;
        const start = performance.now();
        size[compression] = await compressFile(`${STAGING}/${folder}.tar`, output, compression);
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`release: ${output} (${seconds} s)`);
      });
    }
  }
  const width = availableParallelism();
  console.log(
    `release: compressing (${width} at a time): ${COMPRESSORS.xz.join(" ")}; ${
      COMPRESSORS.gz.join(" ")
    }`,
  );
  await runAll(jobs, width);
  return sizes;
}

/** Drops each .tar.xz that is not XZ_MIN_SAVING smaller than its .tar.gz; prints the sizes. */
function applyXzRule(sizes: Map<string, Record<Compression, number>>): void {
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1).padStart(6);
  for (const [target, file] of RELEASE) {
    const { gz, xz } = sizes.get(target)!;
    const saving = 1 - xz / gz;
    const kept = saving >= XZ_MIN_SAVING;
    if (!kept) rmSync(`${OUT}/netkit-${target}.tar.xz`);
    console.log(
      `release: ${target.padEnd(16)} raw ${mb(statSync(`${OUT}/${file}`).size)} MB` +
        `  .tar.gz ${mb(gz)} MB  .tar.xz ${mb(xz)} MB (${(saving * 100).toFixed(1)} % smaller: ` +
        `${kept ? "kept" : `dropped, under ${XZ_MIN_SAVING * 100} %`})`,
    );
  }
}

/** The machine line a build time needs beside it. */
const machine = () =>
  `${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, load average ` +
  loadavg().map((load) => load.toFixed(2)).join(" ");

console.log(`release: on ${machine()}`);
const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
rmSync(STAGING, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
buildBinaries();
const built = performance.now();
let failure: unknown;
try {
  applyXzRule(await buildArchives());
} catch (error) {
  failure = error;
} finally {
  rmSync(STAGING, { recursive: true, force: true });
}
if (failure) {
  console.error(`release: cannot make the archives: ${(failure as Error).message}`);
  process.exit(1);
}
const packed = performance.now();
writeFileSync(`${OUT}/${SUMS_FILE}`, await sha256Sums(OUT));
const seconds = (from: number, to = performance.now()) => ((to - from) / 1000).toFixed(1);
console.log(
  `release: ${RELEASE.length} binaries, their archives and ${SUMS_FILE} in ${OUT}/ ` +
    `(${seconds(started)} s: binaries ${seconds(started, built)} s, archives ` +
    `${seconds(built, packed)} s, ${SUMS_FILE} ${seconds(packed)} s; ${machine()})`,
);
