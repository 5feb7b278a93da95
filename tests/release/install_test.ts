/**
 * install.sh end to end: served by the host's netkit serve-http from the
 * release set, run under dash and under BusyBox ash, with curl, GNU wget or
 * BusyBox wget and with sha256sum, shasum or BusyBox sha256sum; a tampered
 * binary is refused and nothing is installed.
 *
 * Runs when NETKIT_RELEASE_DIR names the release set (scripts/test.ts sets it).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  IS_ROOT,
  netkitArgv,
  peerSkip,
  ROOT,
  run,
  type RunningServer,
  startNetkit,
} from "../_helpers.ts";

const RELEASE = process.env.NETKIT_RELEASE_DIR;
const HOST_IS_LINUX_X64 = process.platform === "linux" && process.arch === "x64";
const INSTALL_MS = 180_000;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The absolute path of a program on PATH. */
function which(program: string): string {
  const found = process.env.PATH!.split(":").map((d) => join(d, program)).find(existsSync);
  assert.ok(found, `${program} is not on PATH`);
  return found;
}

/** A folder of symlinks: `programs` from the host, or BusyBox applets. */
function toolbox(root: string, name: string, programs: string[], busybox = false): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const target = busybox ? which("busybox") : "";
  for (const program of programs) {
    symlinkSync(busybox ? target : which(program), join(dir, program));
  }
  return dir;
}

/** The tools install.sh uses besides the downloader and the checksum program. */
const BASICS = ["uname", "id", "mktemp", "rm", "cut", "mkdir", "cp", "chmod", "mv", "cat"];

/** Serves `dir` with the host's netkit. */
function serve(dir: string): Promise<RunningServer> {
  const argv = HOST_IS_LINUX_X64 ? [join(RELEASE!, "netkit-linux-x64")] : netkitArgv();
  return startNetkit(["serve-http", dir, "--host", "127.0.0.1", "--port", "0", "--log", "off"], {
    argv,
    expect: ["http" as "tcp"],
  });
}

function baseUrl(server: RunningServer): string {
  return `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
}

/** Runs install.sh with `shell` and the given environment (PATH included). */
function install(shell: string[], script: string, env: Record<string, string>) {
  // The shell by its full path: env.PATH may not lead to it.
  return run([which(shell[0]), ...shell.slice(1), script], { timeoutMs: INSTALL_MS, env });
}

if (!RELEASE) {
  test("install.sh", {
    skip: "NETKIT_RELEASE_DIR is not set (npm test builds dist/release/ and sets it)",
  }, () => {});
} else {
  const script = join(ROOT, "install.sh");
  const skipHost = HOST_IS_LINUX_X64 ? false : "the tests expect a linux-x64 host";
  /** The shells install.sh must run under, by peer name. */
  const shells: [string, string[], string][] = [
    ["dash", ["dash"], "dash"],
    ["busybox ash", ["busybox", "ash"], "busybox"],
  ];
  /** Each shell with each downloader and checksum tool install.sh knows. */
  const cases: { title: string; shell: string[]; peers: string[]; path(root: string): string }[] = [
    {
      title: "dash, curl, sha256sum",
      shell: ["dash"],
      peers: ["dash", "curl"],
      path: () => process.env.PATH!,
    },
    {
      title: "busybox ash, BusyBox wget and sha256sum only",
      shell: ["busybox", "ash"],
      peers: ["busybox"],
      path: (root) => toolbox(root, "bb", [...BASICS, "wget", "sha256sum"], true),
    },
    {
      title: "dash, GNU wget and shasum -a 256 only",
      shell: ["dash"],
      peers: ["dash", "wget", "shasum"],
      path: (root) => toolbox(root, "gnu", [...BASICS, "wget", "shasum"]),
    },
  ];

  for (const c of cases) {
    test(`install.sh under ${c.title}: the right binary from the release`, {
      skip: skipHost || peerSkip(...c.peers),
    }, async () => {
      const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
      try {
        await using server = await serve(RELEASE);
        const expected = sha256(join(RELEASE, "netkit-linux-x64"));
        const dir = join(root, "bin");
        const result = await install(c.shell, script, {
          PATH: c.path(root),
          HOME: root,
          NETKIT_BASE_URL: baseUrl(server),
          NETKIT_INSTALL_DIR: dir,
        });
        assert.equal(result.code, 0, `${c.title}: ${result.stderr}`);
        assert.equal(sha256(join(dir, "netkit")), expected, c.title);
        assert.deepEqual(readdirSync(dir), ["netkit"], `${c.title}: nothing else left`);
        assert.match(result.stderr, /installed .*\/netkit \(sha256 [0-9a-f]{64}\)/, c.title);
        assert.match(
          result.stderr,
          /netkit \d+\.\d+\.\d+ \(bun [\d.]+; linux-x64; built /,
          c.title,
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  for (const [title, shell, peer] of shells) {
    // These two download with the host's own curl, as most machines would.
    test(`install.sh under ${title}: a tampered binary is refused and nothing is installed`, {
      skip: skipHost || peerSkip(peer, "curl"),
    }, async () => {
      const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
      try {
        const served = join(root, "served");
        mkdirSync(served);
        copyFileSync(join(RELEASE, "SHA256SUMS"), join(served, "SHA256SUMS"));
        const binary = readFileSync(join(RELEASE, "netkit-linux-x64"));
        binary[binary.length >> 1] ^= 0x01;
        writeFileSync(join(served, "netkit-linux-x64"), binary);
        await using server = await serve(served);
        const env = { PATH: process.env.PATH!, HOME: root, NETKIT_BASE_URL: baseUrl(server) };

        const fresh = join(root, "fresh", "bin");
        const refused = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: fresh });
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(
          refused.stderr,
          /checksum mismatch for netkit-linux-x64: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing installed\n$/,
        );
        assert.equal(existsSync(fresh), false, "the install folder was not even created");

        // An earlier netkit stays as it was.
        const existing = join(root, "existing");
        mkdirSync(existing);
        writeFileSync(join(existing, "netkit"), "the old one\n");
        const again = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: existing });
        assert.equal(again.code, 1, again.stderr);
        assert.deepEqual(readdirSync(existing), ["netkit"]);
        assert.equal(readFileSync(join(existing, "netkit"), "utf8"), "the old one\n");

        // A binary the release lacks, and a server that is not there: one line, exit 1.
        const missing = await install(shell, script, {
          ...env,
          NETKIT_TARGET: "darwin-arm64",
          NETKIT_INSTALL_DIR: fresh,
        });
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /cannot download http:\/\/\S+\/netkit-darwin-arm64\n$/);
        await server.stop();
        const down = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: fresh });
        assert.equal(down.code, 1);
        assert.match(down.stderr, /cannot download http:\/\/\S+\/SHA256SUMS\n$/);
        assert.equal(existsSync(fresh), false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  test("install.sh picks arm64 from uname -m and musl from ldd", {
    skip: skipHost || peerSkip("dash", "curl"),
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
    try {
      await using server = await serve(RELEASE);
      const fakes = join(root, "fakes");
      mkdirSync(fakes);
      const fake = (name: string, body: string) => {
        writeFileSync(join(fakes, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(fakes, name), 0o755);
      };
      const realUname = which("uname");
      const env = {
        HOME: root,
        NETKIT_BASE_URL: baseUrl(server),
        PATH: `${fakes}:${process.env.PATH}`,
      };
      fake("uname", `[ "$1" = -m ] && echo aarch64 || exec ${realUname} "$@"`);
      const arm = join(root, "arm", "bin");
      const armed = await install(["dash"], script, { ...env, NETKIT_INSTALL_DIR: arm });
      assert.equal(armed.code, 0, armed.stderr);
      assert.equal(sha256(join(arm, "netkit")), sha256(join(RELEASE, "netkit-linux-arm64")));

      rmSync(join(fakes, "uname"));
      fake("ldd", `echo "musl libc (x86_64)"; echo "Version 1.2.5"; exit 1`);
      const musl = join(root, "musl", "bin");
      const mused = await install(["dash"], script, { ...env, NETKIT_INSTALL_DIR: musl });
      assert.equal(mused.code, 0, mused.stderr);
      assert.equal(sha256(join(musl, "netkit")), sha256(join(RELEASE, "netkit-linux-x64-musl")));
      assert.match(mused.stderr, /downloading netkit-linux-x64-musl /);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("install.sh as a user: installs to ~/.local/bin", {
    skip: skipHost || (IS_ROOT ? peerSkip("dash", "setpriv") : "needs root (to drop to nobody)"),
  }, async () => {
    const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
    try {
      chmodSync(root, 0o777);
      // nobody may not be able to read the checkout.
      copyFileSync(script, join(root, "install.sh"));
      chmodSync(join(root, "install.sh"), 0o644);
      await using server = await serve(RELEASE);
      const result = await run(
        [
          "setpriv",
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          "dash",
          join(root, "install.sh"),
        ],
        {
          timeoutMs: INSTALL_MS,
          env: { HOME: root, NETKIT_BASE_URL: baseUrl(server), TMPDIR: root },
        },
      );
      assert.equal(result.code, 0, result.stderr);
      const installed = join(root, ".local", "bin", "netkit");
      assert.equal(sha256(installed), sha256(join(RELEASE, "netkit-linux-x64")));
      assert.match(result.stderr, /\.local\/bin is not on PATH; add it/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
