/**
 * The release's netkit-linux-arm64 keeping a device's clock: under
 * `qemu-aarch64-static` (Debian qemu-user-static, with libc6-arm64-cross for
 * the loader), `sync-time --once --dry-run` syncs from the host's
 * `serve-time --ntp` and `serve-http --tls-cert` (a CA and a leaf made by
 * openssl), as a board would at boot.
 *
 * Runs when NETKIT_RELEASE_DIR names the release folder (scripts/test.ts
 * builds it once and sets it); otherwise one skipped test says so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ARM64_SYSROOT, netkitArgv, peerSkip, run, startNetkit } from "../_helpers.ts";
import { makeCertificates } from "../e2e/_processes.ts";

const RELEASE = process.env.NETKIT_RELEASE_DIR;
const QEMU = "qemu-aarch64-static";
/** Emulated start-up takes about a second on an idle 2-core machine; allow for a busy one. */
const EMULATED_MS = 90_000;

if (!RELEASE) {
  test("sync-time on the arm64 release binary", {
    skip: "NETKIT_RELEASE_DIR is not set (npm test builds dist/release/ and sets it)",
  }, () => {});
} else {
  const arm64 = join(RELEASE, "netkit-linux-arm64");
  /** The host's netkit: the release binary where it runs, else the one under test. */
  const hostNetkit = process.platform === "linux" && process.arch === "x64"
    ? [join(RELEASE, "netkit-linux-x64")]
    : netkitArgv();

  test(
    "[arm64 under qemu] sync-time --once --dry-run syncs from the host's serve-time --ntp and serve-http --tls-cert",
    { skip: peerSkip(QEMU, "arm64-sysroot", "openssl"), timeout: 2 * EMULATED_MS },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "netkit-qemu-sync-"));
      try {
        const certs = await makeCertificates(dir);
        await using ntp = await startNetkit(
          ["serve-time", "--host", "127.0.0.1", "--no-time", "--ntp", "--ntp-port", "0", "--local"],
          { argv: hostNetkit, expect: ["ntp"] },
        );
        await using https = await startNetkit([
          "serve-http",
          dir,
          "--host",
          "127.0.0.1",
          "--port",
          "0",
          "--log",
          "off",
          "--tls-cert",
          certs.cert,
          "--tls-key",
          certs.key,
        ], { argv: hostNetkit, expect: ["https" as "tcp"] });
        const httpsPort = (https.ports as Record<string, number>).https;
        const result = await run([
          QEMU,
          "-L",
          ARM64_SYSROOT,
          arm64,
          "sync-time",
          "--once",
          "--dry-run",
          "--state",
          join(dir, "clock"),
          "--cacert",
          certs.ca,
          `ntp://127.0.0.1:${ntp.ports.ntp}`,
          `https://127.0.0.1:${httpsPort}`,
        ], { timeoutMs: EMULATED_MS });
        assert.equal(result.code, 0, result.stderr);
        // Both sources answered and agreed; nothing was changed (dry run).
        assert.match(
          result.stderr,
          /first sync: offset [+-]\d+\.\d+ s \(2 of 2 agree: ntp:\/\/127\.0\.0\.1:\d+, https:\/\/127\.0\.0\.1:\d+\): would (slew|step) it/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
