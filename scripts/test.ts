/**
 * The whole test suite, as `npm test` and CI run it:
 *
 *   1. deno fmt --check, deno lint, deno check; the doc-comment examples in
 *      src/, main.ts and scripts/, type-checked and run (`deno test --doc`)
 *   2. every test under Deno (end-to-end tests spawn `deno run main.ts`)
 *   3. every test under Bun (end-to-end tests spawn `bun main.ts`)
 *   4. build dist/netkit, run the end-to-end tests against it
 *   5. build the release set (dist/release/), test it: checksums, formats,
 *      netkit-linux-arm64 under qemu, install.sh
 *   6. with DENORT_BIN set: `deno compile`, end-to-end tests against that binary
 *
 * and a closing line `N passed, N failed, N skipped` over all of them; before
 * it, the peers (programs the tests talk to) that were missing, how many tests
 * each run skipped for them, and the one `apt-get install` line that brings
 * them. Exits 1 if anything failed. With NETKIT_REQUIRE_PEERS=1 (CI) a missing
 * peer fails its tests instead.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { bunCounts, denoCounts, failedTests, type Tally } from "./_counts.ts";
import { peerReport } from "./_peer_report.ts";

const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

const total: Tally = { passed: 0, failed: 0, skipped: 0 };
const problems: string[] = [];

/** Each run's NETKIT_PEER_LOG file, by run: peerSkip() appends a line per skipped test. */
const peerLogDir = mkdtempSync(join(tmpdir(), "netkit-peers-"));
const peerLogs = new Map<string, string>();

/** The environment that makes a run log its peer skips to a file of its own. */
function peerLog(run: string): Record<string, string> {
  const file = join(peerLogDir, `${peerLogs.size}.jsonl`);
  peerLogs.set(run, file);
  return { NETKIT_PEER_LOG: file };
}

/** What the peer logs say, read once all runs are done. */
function readPeerLogs(): Record<string, string> {
  const logs: Record<string, string> = {};
  for (const [run, file] of peerLogs) {
    try {
      logs[run] = readFileSync(file, "utf8");
    } catch {
      logs[run] = ""; // nothing skipped
    }
  }
  return logs;
}

/** Runs a command, echoing its output, and returns its exit code and output. */
function step(
  title: string,
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; output: string }> {
  console.log(`\n=== ${title}: ${argv.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1", ...env },
    });
    // Kept apart: a chunk of one stream must not land inside a line of the other
    // (Bun reports on stderr while tests print on stdout; the parsers read lines).
    const kept = { out: "", err: "" };
    const echo = (stream: NodeJS.WriteStream, key: "out" | "err") => (chunk: Buffer) => {
      kept[key] += chunk.toString();
      stream.write(chunk);
    };
    child.stdout!.on("data", echo(process.stdout, "out"));
    child.stderr!.on("data", echo(process.stderr, "err"));
    child.on("error", (error) => {
      resolve({ code: 127, output: `${kept.out}\n${kept.err}\n${error}` });
    });
    // Colour codes would split the summaries the counts are read from.
    const plain = () => `${kept.out}\n${kept.err}`.replace(ANSI_COLOUR, "");
    child.on("close", (code) => resolve({ code: code ?? 1, output: plain() }));
  });
}

/** A check that is not a test runner: counts as one pass or one failure. */
async function check(title: string, argv: string[]): Promise<void> {
  const { code } = await step(title, argv);
  if (code === 0) total.passed++;
  else {
    total.failed++;
    problems.push(`${title} failed (exit ${code})`);
  }
}

/** Adds a test runner's counts; a non-zero exit with no failure counted is a failure too. */
function tally(title: string, code: number, counts: Tally | null, output: string): void {
  if (!counts) {
    total.failed++;
    problems.push(`${title}: no test summary (exit ${code})`);
    return;
  }
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
  if (counts.failed > 0) {
    problems.push(`${title}: ${counts.failed} failed`);
    // Named, since CI may show only the end of the output.
    for (const name of failedTests(output)) problems.push(`${title}: ${name}`);
  } else if (code !== 0) {
    total.failed++;
    problems.push(`${title}: exit ${code} with no failing test`);
  }
}

/** The scripts' private helpers (`_*.ts`): the others run when imported, so `--doc` skips them. */
const DOC_SCRIPTS = readdirSync("scripts")
  .filter((f) => f.startsWith("_") && f.endsWith(".ts"))
  .map((f) => `scripts/${f}`);

/** The end-to-end tests: they spawn the program, so they also run against each binary. */
const e2eFiles = testFiles("tests/e2e");

/** Test files of a folder. */
function testFiles(folder: string): string[] {
  return readdirSync(folder).filter((f) => f.endsWith("_test.ts")).map((f) => `${folder}/${f}`);
}

/** Builds a binary, then runs the end-to-end tests against it. */
async function buildAndTest(name: string, build: string[], binary: string): Promise<void> {
  const built = await step(`build ${name}`, build);
  if (built.code !== 0) {
    total.failed++;
    problems.push(`build of ${name} failed`);
    return;
  }
  const title = `end-to-end tests against ${name}`;
  const { code, output } = await step(title, ["bun", "test", "--timeout", "60000", ...e2eFiles], {
    NETKIT_BIN: `${process.cwd()}/${binary}`,
    ...peerLog(`against ${name}`),
  });
  tally(title, code, bunCounts(output), output);
}

await check("format", ["deno", "fmt", "--check"]);
await check("lint", ["deno", "lint"]);
await check("type check", ["deno", "check", "main.ts", "tests/", "scripts/"]);
{
  const title = "doc-comment examples";
  // scripts/ by file: `deno test` would take scripts/test.ts (this file) for a test module.
  const docs = ["src/", "main.ts", ...DOC_SCRIPTS];
  const { code, output } = await step(title, ["deno", "test", "-A", "--doc", ...docs]);
  tally(title, code, denoCounts(output), output);
}
{
  const title = "tests under Deno";
  const { code, output } = await step(
    title,
    ["deno", "test", "-A", "tests/"],
    peerLog("under Deno"),
  );
  tally(title, code, denoCounts(output), output);
}
{
  const title = "tests under Bun";
  const argv = ["bun", "test", "--timeout", "60000", "tests/"];
  const { code, output } = await step(title, argv, peerLog("under Bun"));
  tally(title, code, bunCounts(output), output);
}
await buildAndTest("dist/netkit", ["bun", "scripts/build.ts"], "dist/netkit");
/** The release set's archives need xz and gzip; without them (and outside CI) it is skipped, saying so. */
const missingCompressors = ["xz", "gzip"].filter((tool) =>
  !(process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, tool)))
);
if (missingCompressors.length > 0 && process.env.NETKIT_REQUIRE_PEERS !== "1") {
  console.log(
    `\n=== release set: skipped (needs ${
      missingCompressors.join(" and ")
    }: apt-get install xz-utils gzip)`,
  );
} else {
  const built = await step("build the release set", ["bun", "scripts/release.ts"]);
  if (built.code !== 0) {
    total.failed++;
    problems.push("npm run release failed");
  } else {
    total.passed++;
    const title = "release set tests";
    // They skip themselves unless NETKIT_RELEASE_DIR is set.
    const files = testFiles("tests/release");
    const { code, output } = await step(title, [
      "bun",
      "test",
      "--timeout",
      "240000",
      ...files,
    ], { NETKIT_RELEASE_DIR: `${process.cwd()}/dist/release`, ...peerLog("on the release set") });
    tally(title, code, bunCounts(output), output);
  }
}
if (process.env.DENORT_BIN) {
  await buildAndTest("the deno-compiled binary", ["deno", "task", "compile"], "dist/netkit-deno");
} else {
  console.log("\n=== deno compile: skipped (set DENORT_BIN to a denort binary to test it)");
}

console.log("");
for (const line of peerReport(readPeerLogs())) console.log(line);
rmSync(peerLogDir, { recursive: true, force: true });
for (const problem of problems) console.log(`FAILED: ${problem}`);
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed > 0 ? 1 : 0);
