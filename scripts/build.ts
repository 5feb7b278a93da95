/**
 * Builds the standalone binary with `bun build --compile`.
 *
 *   bun scripts/build.ts                         # dist/netkit for this machine
 *   bun scripts/build.ts --target linux-arm64    # dist/netkit-linux-arm64
 *   bun scripts/build.ts --target linux-x64 --outfile out/netkit
 *   bun scripts/build.ts --no-bytecode           # without precompiled bytecode
 *
 * Targets: linux-x64, linux-x64-musl, linux-arm64, linux-arm64-musl,
 * darwin-x64, darwin-arm64, windows-x64. Cross-target runtimes come from the
 * npm registry (Bun fetches them). The build date is SOURCE_DATE_EPOCH if set,
 * else the last commit's date, so rebuilding a commit gives the same binary.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import process from "node:process";
import { sourceDate } from "./_source_date.ts";

const TARGETS = [
  "linux-x64",
  "linux-x64-musl",
  "linux-arm64",
  "linux-arm64-musl",
  "darwin-x64",
  "darwin-arm64",
  "windows-x64",
];

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    target: { type: "string" },
    outfile: { type: "string" },
    // For measuring what bytecode buys (bench/RESULTS.md); releases keep it.
    "no-bytecode": { type: "boolean" },
  },
});

const target = values.target;
if (target !== undefined && !TARGETS.includes(target)) {
  console.error(`build: unknown target '${target}'; one of: ${TARGETS.join(", ")}`);
  process.exit(2);
}
const hostTarget = `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
const outfile = values.outfile ??
  (target ? `dist/netkit-${target}${target.startsWith("windows") ? ".exe" : ""}` : "dist/netkit");

function buildDate(): string {
  return sourceDate().toISOString().slice(0, 10);
}

const args = [
  "build",
  "main.ts",
  "--compile",
  "--minify",
  // Precompiled bytecode: ~25% quicker start-up, which is most of a query-time run.
  ...(values["no-bytecode"] ? [] : ["--bytecode"]),
  "--format=esm",
  // One chunk per lazily loaded command: a run loads only the code it runs.
  // The whole program as one 400 KB bundle cost every start ~8 ms before its
  // first line ran, even as bytecode (bench/RESULTS.md, start-up).
  "--splitting",
  // A compiled binary must not pick up a stray .env or bunfig.toml where it runs.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  `--define=NETKIT_BUILD_DATE=${JSON.stringify(buildDate())}`,
  `--define=NETKIT_BUILD_TARGET=${JSON.stringify(target ?? hostTarget)}`,
  `--outfile=${outfile}`,
  ...(target ? [`--target=bun-${target}`] : []),
];
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
