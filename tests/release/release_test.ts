/**
 * The release set (dist/release/, from `npm run release`): SHA256SUMS over
 * every file, file formats, every archive unpacked by tar to the release's own
 * binary (owner 0/0, one mtime), the .tar.xz rule, and netkit-linux-arm64 proven on an emulated arm64 device
 * (`qemu-aarch64-static`, Debian qemu-user-static, with libc6-arm64-cross
 * for the loader) against peers on the host: rdate, curl, netkit itself.
 *
 * Runs when NETKIT_RELEASE_DIR names the folder (scripts/test.ts builds the
 * set once and sets it); otherwise one skipped test says so.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  ARM64_SYSROOT,
  have,
  IS_ROOT,
  netkitArgv,
  peerSkip,
  run,
  startNetkit,
} from "../_helpers.ts";

const RELEASE = process.env.NETKIT_RELEASE_DIR;

const QEMU = "qemu-aarch64-static";
/** Emulated start-up takes about a second on an idle 2-core machine; allow for a busy one. */
const EMULATED_START_MS = 90_000;
/** Runs the rest of an argv as nobody (uid and gid 65534, no groups). */
const NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];

/** The release's binaries and their targets. */
const BINARIES: Record<string, string> = {
  "netkit-linux-x64": "linux-x64",
  "netkit-linux-x64-musl": "linux-x64-musl",
  "netkit-linux-arm64": "linux-arm64",
  "netkit-linux-arm64-musl": "linux-arm64-musl",
  "netkit-darwin-x64": "darwin-x64",
  "netkit-darwin-arm64": "darwin-arm64",
  "netkit-windows-x64.exe": "windows-x64",
};

/** What `file -b` says of each binary. */
const FORMATS: Record<string, RegExp> = {
  "netkit-linux-x64": /ELF 64-bit LSB .*x86-64.*interpreter \/lib64\/ld-linux-x86-64\.so\.2/,
  "netkit-linux-x64-musl": /ELF 64-bit LSB .*x86-64.*interpreter \/lib\/ld-musl-x86_64\.so\.1/,
  "netkit-linux-arm64": /ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-linux-aarch64/,
  "netkit-linux-arm64-musl": /ELF 64-bit LSB .*ARM aarch64.*interpreter \/lib\/ld-musl-aarch64/,
  "netkit-darwin-x64": /Mach-O 64-bit x86_64 executable/,
  "netkit-darwin-arm64": /Mach-O 64-bit arm64 executable/,
  "netkit-windows-x64.exe": /PE32\+ executable \(console\) x86-64/,
};

/** The target this machine runs, if it is one of the release's. */
const HOST_TARGET = `${process.platform}-${process.arch}`;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** Parses rdate's printed date ("Sun Nov 22 03:08:01 UTC 2026" or "rdate: [host]\t…"). */
function rdateSeconds(output: string): number {
  const match = /\w{3} (\w{3})\s+(\d+) (\d\d:\d\d:\d\d) (?:UTC )?(\d{4})/.exec(output);
  assert.ok(match, `no date in rdate output: ${JSON.stringify(output)}`);
  return Date.parse(`${match[1]} ${match[2]} ${match[4]} ${match[3]} UTC`) / 1000;
}

if (!RELEASE) {
  test("release set", {
    skip: "NETKIT_RELEASE_DIR is not set (npm test builds dist/release/ and sets it)",
  }, () => {});
} else {
  const file = (name: string) => join(RELEASE, name);
  const arm64 = file("netkit-linux-arm64");
  const emulated = [QEMU, "-L", ARM64_SYSROOT, arm64];
  /** The host's netkit: the release binary where it runs, else the one under test. */
  const hostNetkit = process.platform === "linux" && process.arch === "x64"
    ? [file("netkit-linux-x64")]
    : netkitArgv();
  /** The skip of an emulated test that also needs `peers`. */
  const noQemu = (...peers: string[]) => peerSkip(QEMU, "arm64-sysroot", ...peers);
  /** Why the emulated binary cannot run as nobody here, or false if it can. */
  const cannotRunEmulatedAsNobody = async (): Promise<string | false> => {
    if (!IS_ROOT) return "needs root (to drop to nobody)";
    const missing = noQemu("setpriv");
    if (missing) return missing;
    const probe = await run([...NOBODY, ...emulated, "--version"], {
      timeoutMs: EMULATED_START_MS,
    });
    if (probe.code === 0) return false;
    return `the release binary cannot run as nobody here: ${probe.stderr.split("\n")[0]}`;
  };

  test("SHA256SUMS lists every file of the release, and sha256sum -c accepts them", async () => {
    const sums = readFileSync(file("SHA256SUMS"), "utf8");
    const names = sums.trim().split("\n").map((line) => {
      assert.match(line, /^[0-9a-f]{64} {2}netkit-[\w.-]+$/);
      return line.slice(66);
    });
    const files = readdirSync(RELEASE).filter((name) => name !== "SHA256SUMS").sort();
    assert.deepEqual(names, files, "one line per file, sorted, and no other");
    for (const [binary, target] of Object.entries(BINARIES)) {
      assert.ok(names.includes(binary), binary);
      assert.ok(names.includes(`netkit-${target}.tar.gz`), `netkit-${target}.tar.gz`);
    }
    assert.deepEqual(
      names.filter((name) => !(name in BINARIES) && !/^netkit-[\w-]+\.tar\.(gz|xz)$/.test(name)),
      [],
      "nothing but the binaries and their archives",
    );
    if (have("sha256sum")) {
      const checked = await run(["sh", "-c", `cd '${RELEASE}' && sha256sum -c SHA256SUMS`], {
        timeoutMs: 60_000,
      });
      assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    } else {
      for (const line of sums.trim().split("\n")) {
        const digest = createHash("sha256").update(readFileSync(file(line.slice(66))));
        assert.equal(digest.digest("hex"), line.slice(0, 64));
      }
    }
  });

  test("a .tar.xz ships only where it is at least 10 % smaller than the .tar.gz", () => {
    const size = (name: string) => statSync(file(name)).size;
    for (const target of Object.values(BINARIES)) {
      const xz = `netkit-${target}.tar.xz`;
      if (!existsSync(file(xz))) continue;
      const saving = 1 - size(xz) / size(`netkit-${target}.tar.gz`);
      assert.ok(saving >= 0.1, `${xz} is only ${(saving * 100).toFixed(1)} % smaller`);
    }
  });

  for (const [binary, target] of Object.entries(BINARIES)) {
    const formats = ["gz", "xz"].filter((ext) => existsSync(file(`netkit-${target}.tar.${ext}`)));
    test(
      `netkit-${target}.tar.{${
        formats.join(",")
      }}: tar unpacks the release's binary, of its format`,
      {
        skip: peerSkip("tar", "file", ...formats.map((ext) => (ext === "gz" ? "gzip" : "xz"))),
      },
      async () => {
        const root = mkdtempSync(join(tmpdir(), "netkit-archive-"));
        try {
          const exe = target.startsWith("windows") ? "netkit.exe" : "netkit";
          for (const ext of formats) {
            const archive = file(`netkit-${target}.tar.${ext}`);
            // Owner 0/0 and one mtime for every member: what keeps a rebuild's bytes the same.
            const listed = await run(["tar", "--numeric-owner", "-tvf", archive], {
              timeoutMs: 60_000,
            });
            assert.equal(listed.code, 0, listed.stderr);
            const rows = listed.stdout.trim().split("\n").map((row) => row.split(/\s+/));
            assert.deepEqual(rows.map((row) => row.at(-1)), [
              `netkit-${target}/`,
              `netkit-${target}/${exe}`,
              `netkit-${target}/README.md`,
            ]);
            assert.deepEqual(rows.map((row) => [row[0], row[1]]), [
              ["drwxr-xr-x", "0/0"],
              ["-rwxr-xr-x", "0/0"],
              ["-rw-r--r--", "0/0"],
            ]);
            assert.equal(new Set(rows.map((row) => `${row[3]} ${row[4]}`)).size, 1, listed.stdout);

            const into = join(root, ext);
            mkdirSync(into);
            const unpacked = await run(["tar", "-xf", archive, "-C", into], { timeoutMs: 60_000 });
            assert.equal(unpacked.code, 0, unpacked.stderr);
            const inside = join(into, `netkit-${target}`, exe);
            assert.equal(sha256(inside), sha256(file(binary)), `${ext}: the release's own binary`);
            const kind = await run(["file", "-b", inside]);
            assert.match(kind.stdout, FORMATS[binary], `${ext}: ${kind.stdout}`);
            if (target === HOST_TARGET) {
              const version = await run([inside, "--version"]);
              assert.equal(version.code, 0, version.stderr);
              assert.match(
                version.stdout,
                new RegExp(`^netkit \\S+ \\(bun \\S+; ${target}; built `),
              );
            }
            rmSync(into, { recursive: true, force: true });
          }
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      },
    );
  }

  test("file: every binary has the format and architecture of its name", {
    skip: peerSkip("file"),
  }, async () => {
    for (const [name, format] of Object.entries(FORMATS)) {
      const result = await run(["file", "-b", file(name)]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, format, name);
    }
  });

  test("the macOS binaries carry a code signature (arm64 Macs run no unsigned code)", () => {
    for (const name of ["netkit-darwin-x64", "netkit-darwin-arm64"]) {
      const head = readFileSync(file(name)).subarray(0, 65536);
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      assert.equal(view.getUint32(0, true), 0xfeedfacf, `${name}: a 64-bit Mach-O`);
      const commands = view.getUint32(16, true);
      const found: number[] = [];
      for (let i = 0, offset = 32; i < commands; i++) {
        found.push(view.getUint32(offset, true));
        offset += view.getUint32(offset + 4, true);
      }
      assert.ok(found.includes(0x1d), `${name}: no LC_CODE_SIGNATURE`);
    }
  });

  // Every skip is worked out before test() is called: a skip inside the body
  // counts as a pass under Deno.
  test("netkit-linux-x64 --version names its target and the build date", {
    skip: process.platform === "linux" && process.arch === "x64" ? false : "not a linux-x64 host",
  }, async () => {
    const result = await run([file("netkit-linux-x64"), "--version"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^netkit \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+; linux-x64; built \d{4}-\d\d-\d\d\)\n$/,
    );
  });

  test("[arm64 under qemu] --version names linux-arm64", { skip: noQemu() }, async () => {
    const result = await run([...emulated, "--version"], { timeoutMs: EMULATED_START_MS });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^netkit \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+; linux-arm64; built /);
  });

  test(
    "[arm64 under qemu] serve-time answers the host's rdate and netkit query-time, TCP and UDP",
    {
      skip: noQemu("rdate"),
    },
    async () => {
      await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"], {
        argv: emulated,
        timeoutMs: EMULATED_START_MS,
      });
      const { tcp, udp } = server.ports;
      for (const extra of [[], ["-u"]]) {
        const result = await run(["rdate", "-p", ...extra, "-o", String(tcp), "127.0.0.1"], {
          timeoutMs: 15_000,
        });
        assert.equal(result.code, 0, `rdate ${extra.join(" ")}: ${result.stderr}`);
        assert.ok(Math.abs(rdateSeconds(result.stdout) - Date.now() / 1000) <= 2, result.stdout);
      }
      for (const transport of ["tcp", "udp"]) {
        const port = transport === "tcp" ? tcp : udp;
        const args = ["query-time", "--json", "-t", "10", `127.0.0.1:${port}`];
        if (transport === "udp") args.push("--udp");
        const result = await run([...hostNetkit, ...args], { timeoutMs: 30_000 });
        assert.equal(result.code, 0, `${transport}: ${result.stderr}\nserver: ${server.stderr()}`);
        const answer = JSON.parse(result.stdout);
        assert.equal(answer.transport, transport);
        assert.ok(Math.abs(answer.offset_s) <= 2, `offset ${answer.offset_s}`);
      }
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr());
    },
  );

  test("[arm64 under qemu] serve-http: the host's curl downloads a file byte for byte", {
    skip: noQemu("curl", "sha256sum"),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-qemu-http-"));
    try {
      const payload = randomBytes(3 * 1024 * 1024 + 17);
      writeFileSync(join(dir, "payload.bin"), payload);
      writeFileSync(join(dir, "hello.txt"), "hello from arm64\n".repeat(200));
      await using server = await startNetkit(
        ["serve-http", dir, "--host", "127.0.0.1", "--port", "0", "--log", "off"],
        { argv: emulated, timeoutMs: EMULATED_START_MS, expect: ["http" as "tcp"] },
      );
      const base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
      const fetched = await run(
        ["sh", "-c", `curl -sS --fail --max-time 60 '${base}/payload.bin' | sha256sum`],
        { timeoutMs: 70_000 },
      );
      assert.equal(fetched.code, 0, fetched.stderr);
      const expected = createHash("sha256").update(payload).digest("hex");
      assert.equal(fetched.stdout.split(" ")[0], expected);
      const text = await run(
        ["curl", "-sS", "--fail", "--compressed", "--max-time", "30", `${base}/hello.txt`],
        { timeoutMs: 40_000 },
      );
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, "hello from arm64\n".repeat(200));
      const listing = await run(
        ["curl", "-sS", "--fail", "-H", "Accept: application/json", `${base}/`],
        { timeoutMs: 30_000 },
      );
      assert.equal(listing.code, 0, listing.stderr);
      const names = JSON.parse(listing.stdout).map((e: { name: string }) => e.name).sort();
      assert.deepEqual(names, ["hello.txt", "payload.bin"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    "[arm64 under qemu] query-time --set as nobody: bun:ffi reaches clock_settime, EPERM, exit 1",
    { skip: await cannotRunEmulatedAsNobody() },
    async () => {
      // qemu-user passes clock_settime to the host kernel: only ever as nobody.
      const who = await run([...NOBODY, "id", "-u"]);
      assert.equal(who.stdout.trim(), "65534", "setpriv must drop to nobody");
      await using server = await startNetkit(["serve-time", "--host", "127.0.0.1", "--port", "0"], {
        argv: hostNetkit,
      });
      const result = await run(
        [
          ...NOBODY,
          ...emulated,
          "query-time",
          "--set",
          "-t",
          "10",
          `127.0.0.1:${server.ports.tcp}`,
        ],
        { timeoutMs: EMULATED_START_MS },
      );
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.equal(
        result.stderr,
        "netkit query-time: cannot set the clock: permission denied (needs root or CAP_SYS_TIME)\n",
      );
    },
  );

  test("[arm64 under qemu] get downloads from the host's serve-http, SHA-256 checked", {
    skip: noQemu(),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-qemu-get-"));
    try {
      const served = join(dir, "served");
      mkdirSync(served);
      const payload = randomBytes(5 * 1024 * 1024 + 3);
      writeFileSync(join(served, "image.bin"), payload);
      const sha = createHash("sha256").update(payload).digest("hex");
      await using server = await startNetkit(
        ["serve-http", served, "--host", "127.0.0.1", "--port", "0", "--log", "off"],
        { argv: hostNetkit, expect: ["http" as "tcp"] },
      );
      const url = `http://127.0.0.1:${(server.ports as Record<string, number>).http}/image.bin`;
      const target = join(dir, "image.bin");
      const result = await run(
        [...emulated, "get", url, "-o", target, "--sha256", sha, "--json"],
        { timeoutMs: EMULATED_START_MS },
      );
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.sha256, sha);
      assert.equal(summary.bytes, payload.length);
      assert.equal(createHash("sha256").update(readFileSync(target)).digest("hex"), sha);
      // And a wrong checksum saves nothing, there too.
      const wrong = await run(
        [...emulated, "get", url, "-o", join(dir, "bad.bin"), "--sha256", "0".repeat(64)],
        { timeoutMs: EMULATED_START_MS },
      );
      assert.equal(wrong.code, 110, wrong.stderr);
      assert.ok(!existsSync(join(dir, "bad.bin")) && !existsSync(join(dir, "bad.bin.part")));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
