/**
 * install.sh end to end: served by the host's netkit serve-http from the
 * release set, run under dash and under BusyBox ash, with curl, GNU wget or
 * BusyBox wget, with sha256sum, shasum or BusyBox sha256sum, and with or
 * without tar and xz or gzip (GNU's or BusyBox's): it installs from the
 * .tar.xz, the .tar.gz or the raw binary, whichever this PATH can unpack. A
 * tampered archive or binary is refused and nothing is installed; so is a
 * machine with nothing that can check a SHA-256, unless NETKIT_NO_VERIFY=1.
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
import { gzipSync } from "node:zlib";
import { packTar } from "modern-tar";
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
  /**
   * Each shell with each downloader and checksum tool install.sh knows, and
   * what it fetches with the unpackers on that PATH.
   */
  const cases: {
    title: string;
    shell: string[];
    peers: string[];
    path(root: string): string;
    fetches: string;
  }[] = [
    {
      title: "dash, curl, sha256sum, GNU tar and xz",
      shell: ["dash"],
      peers: ["dash", "curl", "tar", "xz"],
      path: () => process.env.PATH!,
      fetches: "netkit-linux-x64.tar.xz",
    },
    {
      title: "dash, curl, sha256sum, GNU tar and gzip, no xz",
      shell: ["dash"],
      peers: ["dash", "curl", "tar", "gzip"],
      path: (root) => toolbox(root, "gz", [...BASICS, "curl", "sha256sum", "tar", "gzip"]),
      fetches: "netkit-linux-x64.tar.gz",
    },
    {
      title: "dash, GNU wget and shasum -a 256 only, no tar",
      shell: ["dash"],
      peers: ["dash", "wget", "shasum"],
      path: (root) => toolbox(root, "gnu", [...BASICS, "wget", "shasum"]),
      fetches: "netkit-linux-x64",
    },
    {
      title: "busybox ash, BusyBox wget, sha256sum, tar and xz only",
      shell: ["busybox", "ash"],
      peers: ["busybox"],
      path: (root) => toolbox(root, "bb", [...BASICS, "wget", "sha256sum", "tar", "xz"], true),
      fetches: "netkit-linux-x64.tar.xz",
    },
    {
      title: "busybox ash, BusyBox wget, tar and gunzip, `busybox sha256sum`",
      shell: ["busybox", "ash"],
      peers: ["busybox"],
      path: (root) => toolbox(root, "bbgz", [...BASICS, "busybox", "wget", "tar", "gunzip"], true),
      fetches: "netkit-linux-x64.tar.gz",
    },
    {
      title: "busybox ash, BusyBox wget and sha256sum only, no tar",
      shell: ["busybox", "ash"],
      peers: ["busybox"],
      path: (root) => toolbox(root, "bbraw", [...BASICS, "wget", "sha256sum"], true),
      fetches: "netkit-linux-x64",
    },
  ];

  for (const c of cases) {
    test(`install.sh under ${c.title}: ${c.fetches}, the release's binary`, {
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
        assert.match(
          result.stderr,
          new RegExp(`downloading ${c.fetches.replaceAll(".", "\\.")} from `),
        );
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

  /** The release's SHA256SUMS line for `name`. */
  const sumsLine = (name: string) =>
    readFileSync(join(RELEASE, "SHA256SUMS"), "utf8").split("\n")
      .find((line) => line.endsWith(`  ${name}`))!;

  for (const [title, shell, peer] of shells) {
    // These download with the host's own curl, as most machines would.
    test(`install.sh under ${title}: a tampered archive or binary is refused, nothing installed`, {
      skip: skipHost || peerSkip(peer, "curl", "sha256sum", "tar", "xz"),
    }, async () => {
      const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
      try {
        const served = join(root, "served");
        mkdirSync(served);
        copyFileSync(join(RELEASE, "SHA256SUMS"), join(served, "SHA256SUMS"));
        for (const name of ["netkit-linux-x64.tar.xz", "netkit-linux-x64"]) {
          const bytes = readFileSync(join(RELEASE, name));
          bytes[bytes.length >> 1] ^= 0x01;
          writeFileSync(join(served, name), bytes);
        }
        await using server = await serve(served);
        const env = { PATH: process.env.PATH!, HOME: root, NETKIT_BASE_URL: baseUrl(server) };

        const fresh = join(root, "fresh", "bin");
        const refused = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: fresh });
        assert.equal(refused.code, 1, refused.stderr);
        assert.match(
          refused.stderr,
          /checksum mismatch for netkit-linux-x64\.tar\.xz: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing installed\n$/,
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

        // Without tar it fetches the raw binary, and refuses that one too.
        const noTar = toolbox(root, "notar", [...BASICS, "curl", "sha256sum"]);
        const raw = await install(shell, script, {
          ...env,
          PATH: noTar,
          NETKIT_INSTALL_DIR: fresh,
        });
        assert.equal(raw.code, 1, raw.stderr);
        assert.match(raw.stderr, /downloading netkit-linux-x64 from /);
        assert.match(
          raw.stderr,
          /checksum mismatch for netkit-linux-x64: expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing installed\n$/,
        );
        assert.equal(existsSync(fresh), false);

        // A build the release lacks, and a server that is not there: one line, exit 1.
        const missing = await install(shell, script, {
          ...env,
          NETKIT_TARGET: "darwin-arm64",
          NETKIT_INSTALL_DIR: fresh,
        });
        assert.equal(missing.code, 1);
        assert.match(
          missing.stderr,
          /cannot download http:\/\/\S+\/netkit-darwin-arm64\.tar\.xz\n$/,
        );
        await server.stop();
        const down = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: fresh });
        assert.equal(down.code, 1);
        assert.match(down.stderr, /cannot download http:\/\/\S+\/SHA256SUMS\n$/);
        assert.equal(existsSync(fresh), false);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    test(
      `install.sh under ${title}: an archive that checks out but holds another netkit, or none, is refused`,
      {
        skip: skipHost || peerSkip(peer, "curl", "sha256sum", "tar", "gzip"),
      },
      async () => {
        const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
        try {
          const served = join(root, "served");
          mkdirSync(served);
          await using server = await serve(served);
          const fresh = join(root, "fresh", "bin");
          /**
           * Serves, from a folder of its own (serve-http reuses what it read of a
           * file for 1 s), a .tar.gz holding `member`, listed in SHA256SUMS by its
           * true checksum beside the release's line for the raw binary.
           */
          const publish = async (member: string) => {
            const top = member.split("/")[0];
            mkdirSync(join(served, top));
            const body = new TextEncoder().encode("#!/bin/sh\necho not netkit\n");
            const tar = await packTar([{
              header: { name: member, size: body.length, mode: 0o755 },
              body,
            }]);
            const gz = gzipSync(tar);
            writeFileSync(join(served, top, "netkit-linux-x64.tar.gz"), gz);
            const gzSum = createHash("sha256").update(gz).digest("hex");
            writeFileSync(
              join(served, top, "SHA256SUMS"),
              `${sumsLine("netkit-linux-x64")}\n${gzSum}  netkit-linux-x64.tar.gz\n`,
            );
            return {
              PATH: process.env.PATH!,
              HOME: root,
              NETKIT_BASE_URL: `${baseUrl(server)}/${top}`,
            };
          };

          const env = await publish("netkit-linux-x64/netkit");
          const other = await install(shell, script, { ...env, NETKIT_INSTALL_DIR: fresh });
          assert.equal(other.code, 1, other.stderr);
          assert.match(other.stderr, /downloading netkit-linux-x64\.tar\.gz from /);
          assert.match(
            other.stderr,
            /the netkit in netkit-linux-x64\.tar\.gz is not the release's netkit-linux-x64 \(checksum mismatch\): expected [0-9a-f]{64}, got [0-9a-f]{64}; nothing installed\n$/,
          );
          assert.equal(existsSync(fresh), false);

          const elsewhere = await publish("somewhere-else/netkit");
          const none = await install(shell, script, { ...elsewhere, NETKIT_INSTALL_DIR: fresh });
          assert.equal(none.code, 1, none.stderr);
          assert.match(
            none.stderr,
            /cannot unpack netkit-linux-x64\/netkit from netkit-linux-x64\.tar\.gz; nothing installed\n$/,
          );
          assert.equal(existsSync(fresh), false);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    );

    test(
      `install.sh under ${title}: nothing to check a SHA-256 with: refused, unless NETKIT_NO_VERIFY=1`,
      {
        skip: skipHost || peerSkip(peer, "curl"),
      },
      async () => {
        const root = mkdtempSync(join(tmpdir(), "netkit-install-"));
        try {
          await using server = await serve(RELEASE);
          // No sha256sum, shasum, busybox or openssl; no tar either (the raw binary, then).
          const env = {
            PATH: toolbox(root, "nosum", [...BASICS, "curl"]),
            HOME: root,
            NETKIT_BASE_URL: baseUrl(server),
            NETKIT_INSTALL_DIR: join(root, "bin"),
          };
          const refused = await install(shell, script, env);
          assert.equal(refused.code, 1, refused.stderr);
          assert.equal(
            refused.stderr,
            "netkit install: cannot verify the download: needs sha256sum, shasum -a 256, busybox " +
              "sha256sum or openssl (set NETKIT_NO_VERIFY=1 to install without checking, at your " +
              "own risk); nothing installed\n",
          );
          assert.equal(existsSync(join(root, "bin")), false);

          const unchecked = await install(shell, script, { ...env, NETKIT_NO_VERIFY: "1" });
          assert.equal(unchecked.code, 0, unchecked.stderr);
          assert.match(unchecked.stderr, /WARNING: .* installed UNVERIFIED\n/);
          assert.match(unchecked.stderr, /installed .*\/netkit \(sha256 not checked\)/);
          assert.equal(
            sha256(join(root, "bin", "netkit")),
            sha256(join(RELEASE, "netkit-linux-x64")),
          );
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    );
  }

  test("install.sh picks arm64 from uname -m and musl from ldd", {
    skip: skipHost || peerSkip("dash", "curl", "tar", "xz"),
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
      assert.match(mused.stderr, /downloading netkit-linux-x64-musl\.tar\.xz /);
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
