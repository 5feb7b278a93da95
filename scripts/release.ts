/**
 * Builds the release set: one binary per target in dist/release/, and
 * SHA256SUMS over them (the format `sha256sum -c` reads).
 *
 *   bun scripts/release.ts            # npm run release
 *
 * Each binary is made by scripts/build.ts (bun build --compile, minified,
 * with bytecode: measured to build and start on every target, see
 * bench/RESULTS.md). Cross-target runtimes come from the npm registry.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import process from "node:process";

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

const OUT = "dist/release";
const started = performance.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

const sums: string[] = [];
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
  const digest = createHash("sha256").update(readFileSync(`${OUT}/${file}`)).digest("hex");
  sums.push(`${digest}  ${file}\n`);
}
writeFileSync(`${OUT}/SHA256SUMS`, sums.join(""));
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`release: ${RELEASE.length} binaries and SHA256SUMS in ${OUT}/ (${seconds} s)`);
