/**
 * End-to-end: serve-http --upload (under the test runtime, or NETKIT_BIN)
 * against curl and htpasswd: the uploads people make, and the ones that
 * must leave nothing behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  IS_ROOT,
  peerSkip,
  run,
  type RunningServer,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";

/** A served temp folder with uploads on; `await using` stops it and removes the folder. */
async function uploadServer(
  flags: string[] = [],
  folder?: string,
): Promise<AsyncDisposable & { root: string; base: string; server: RunningServer }> {
  const root = folder ?? mkdtempSync(join(tmpdir(), "netkit-e2e-upload-"));
  const server = await startNetkit(
    [
      "serve-http",
      root,
      "--upload",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--log",
      "json",
      ...flags,
    ],
    { expect: ["http" as "tcp"] },
  );
  const base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
  return {
    root,
    base,
    server,
    [Symbol.asyncDispose]: async () => {
      await server.stop();
      if (!folder) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** curl's status code and body: `-w` puts the code on the last line. */
async function curl(args: string[], timeoutMs = 60_000): Promise<{ status: number; body: string }> {
  const result = await run(["curl", "-sS", "-w", "\n%{http_code}", ...args], { timeoutMs });
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.split("\n");
  return { status: Number(lines.pop()), body: lines.join("\n") };
}

/** SHA-256 by openssl (several times faster than coreutils' sha256sum here). */
async function sha256sum(path: string): Promise<string> {
  const result = await run(["openssl", "dgst", "-sha256", "-r", path], { timeoutMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.split(" ")[0];
}

/** A temp folder of input files; `using` removes it. */
function inputs(files: Record<string, string | number>): Disposable & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "netkit-e2e-input-"));
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") writeFileSync(join(dir, name), content);
    else {
      const fd = openSync(join(dir, name), "w");
      ftruncateSync(fd, content); // sparse: costs no disk
      closeSync(fd);
    }
  }
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs curl until `ready()` says enough was sent, then kills it (SIGKILL) mid-body. */
async function killedCurl(args: string[], ready: () => boolean): Promise<void> {
  const child = spawn("curl", ["-sS", "-o", "/dev/null", ...args], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.on("close", resolve));
  try {
    for (let i = 0; i < 200 && !ready(); i++) await sleep(25);
    assert.ok(ready(), "the upload never started");
  } finally {
    if (child.exitCode === null) process.kill(child.pid!, "SIGKILL");
    await exited;
  }
}

/** Waits until `check()` holds (the server noticing a dropped upload), at most ~5 s. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(50);
  assert.ok(check(), what);
}

test(`[${TARGET}] curl -T of a 1 GiB sparse file arrives with the same SHA-256`, {
  // Over Bun.serve's own default cap of 128 MiB, which the Bun adapter lifts.
  skip: peerSkip("curl", "openssl"),
  timeout: 180_000,
}, async () => {
  using input = inputs({ "big.bin": 1024 ** 3 });
  writeFileSync(join(input.dir, "big.bin"), "head", { flag: "r+" }); // not only zeros
  await using up = await uploadServer();
  const put = await curl(["-T", join(input.dir, "big.bin"), `${up.base}/`], 170_000);
  assert.equal(put.status, 201, put.body);
  assert.equal(statSync(join(up.root, "big.bin")).size, 1024 ** 3);
  assert.equal(
    await sha256sum(join(up.root, "big.bin")),
    await sha256sum(join(input.dir, "big.bin")),
  );
  assert.deepEqual(readdirSync(up.root), ["big.bin"]);
});

test(`[${TARGET}] curl -F with three files stores all three; a PUT of an existing name is 409`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "a.txt": "alpha\n", "b.bin": "\u0000\u0001beta", "ü c.txt": "ünï\n" });
  await using up = await uploadServer();
  const form = await curl([
    "-F",
    `one=@${join(input.dir, "a.txt")}`,
    "-F",
    `two=@${join(input.dir, "b.bin")}`,
    "-F",
    `three=@${join(input.dir, "ü c.txt")}`,
    `${up.base}/`,
  ]);
  assert.equal(form.status, 201, form.body);
  for (const name of ["a.txt", "b.bin", "ü c.txt"]) {
    assert.deepEqual(readFileSync(join(up.root, name)), readFileSync(join(input.dir, name)), name);
  }
  const again = await curl(["-T", join(input.dir, "a.txt"), `${up.base}/`]);
  assert.equal(again.status, 409);
  assert.match(again.body, /--overwrite/);
  const got = await curl([`${up.base}/%C3%BC%20c.txt`]);
  assert.equal(got.body, "ünï\n");
});

test(`[${TARGET}] two curl -T of one new name at once: one 201, one 409, the file whole`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "x.bin": "x".repeat(4 << 20), "y.bin": "y".repeat(4 << 20) });
  await using up = await uploadServer();
  const results = await Promise.all(
    ["x.bin", "y.bin"].map((name) => curl(["-T", join(input.dir, name), `${up.base}/same.bin`])),
  );
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
  const stored = readFileSync(join(up.root, "same.bin"), "latin1");
  assert.ok(stored === "x".repeat(4 << 20) || stored === "y".repeat(4 << 20));
  assert.deepEqual(readdirSync(up.root), ["same.bin"]);
});

test(`[${TARGET}] a curl -T killed halfway leaves no file and no temporary`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "big.bin": 64 << 20 });
  await using up = await uploadServer();
  const temporary = () => readdirSync(up.root).find((n) => n.startsWith(".netkit-upload-"));
  await killedCurl(
    ["--limit-rate", "4M", "-T", join(input.dir, "big.bin"), `${up.base}/half.bin`],
    () => {
      const t = temporary();
      return t !== undefined && statSync(join(up.root, t)).size > 0;
    },
  );
  await eventually(() => readdirSync(up.root).length === 0, "the temporary is removed");
  assert.equal((await curl([`${up.base}/half.bin`, "-o", "/dev/null"])).status, 404);
});

test(`[${TARGET}] --max-upload 1K: 413 by Content-Length and for a chunked body, nothing stored`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "two-k.bin": "z".repeat(2048), "one-k.bin": "o".repeat(1024) });
  await using up = await uploadServer(["--max-upload", "1K"]);
  const declared = await curl(["-T", join(input.dir, "two-k.bin"), `${up.base}/`]);
  assert.equal(declared.status, 413);
  assert.match(declared.body, /--max-upload 1\.0 KiB/);
  const chunked = await curl([
    "-H",
    "Transfer-Encoding: chunked",
    "-T",
    join(input.dir, "two-k.bin"),
    `${up.base}/c.bin`,
  ]);
  assert.equal(chunked.status, 413);
  assert.deepEqual(readdirSync(up.root), []);
  assert.equal((await curl(["-T", join(input.dir, "one-k.bin"), `${up.base}/`])).status, 201);
});

test(`[${TARGET}] a full disk is 507 and leaves nothing (a 1 MiB tmpfs)`, {
  skip: peerSkip("curl") || (!IS_ROOT && "mounting a tmpfs needs root"),
}, async () => {
  const mountPoint = mkdtempSync(join(tmpdir(), "netkit-e2e-tmpfs-"));
  using input = inputs({ "big.bin": "b".repeat(2 << 20) });
  const mounted = await run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]);
  try {
    assert.equal(mounted.code, 0, mounted.stderr);
    await using up = await uploadServer([], mountPoint);
    const full = await curl(["-T", join(input.dir, "big.bin"), `${up.base}/`]);
    assert.equal(full.status, 507, full.body);
    assert.match(full.body, /disk is full/);
    assert.deepEqual(readdirSync(mountPoint), []);
  } finally {
    if (mounted.code === 0) await run(["umount", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

test(`[${TARGET}] traversal and dotfile names are refused (400, 403), and nothing is written`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "x.txt": "x" });
  await using up = await uploadServer();
  const file = join(input.dir, "x.txt");
  // A plain /../ never reaches netkit as such: the runtimes normalise it away.
  for (
    const path of [
      "/%2e%2e%2fescape.txt",
      "/a/..%2f..%2fescape.txt",
      "/..%5cescape.txt",
      "/nul.txt",
    ]
  ) {
    const refused = await curl(["--path-as-is", "-T", file, `${up.base}${path}`]);
    assert.equal(refused.status, 400, path);
  }
  assert.equal((await curl(["-T", file, `${up.base}/.env`])).status, 403);
  const form = await curl(["-F", `f=@${file};filename=../../.bashrc`, `${up.base}/`]);
  assert.equal(form.status, 403);
  assert.deepEqual(readdirSync(up.root), []);
  assert.ok(!existsSync(join(up.root, "..", "escape.txt")));
});

test(`[${TARGET}] --auth-write: reads open, writes 401 without credentials, logged with the user`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "w.txt": "written\n" });
  await using up = await uploadServer(["--auth-write", "writer:s3cret"]);
  writeFileSync(join(up.root, "public.txt"), "anyone reads\n");
  assert.equal((await curl([`${up.base}/public.txt`])).body, "anyone reads\n");
  const anonymous = await curl(["-T", join(input.dir, "w.txt"), `${up.base}/`]);
  assert.equal(anonymous.status, 401);
  const wrong = await curl(["-u", "writer:nope", "-T", join(input.dir, "w.txt"), `${up.base}/`]);
  assert.equal(wrong.status, 401);
  const ok = await curl(["-u", "writer:s3cret", "-T", join(input.dir, "w.txt"), `${up.base}/`]);
  assert.equal(ok.status, 201);
  assert.equal(readFileSync(join(up.root, "w.txt"), "utf8"), "written\n");
  await eventually(
    () => /"method":"PUT".*"status":201/.test(up.server.stdout()),
    "the PUT is logged",
  );
  const line = up.server.stdout().split("\n").find((l) => l.includes('"status":201'))!;
  assert.equal(JSON.parse(line).user, "writer");
});

test(`[${TARGET}] --auth-file: htpasswd -B (bcrypt) and -s ({SHA}) users may write, others not`, {
  skip: peerSkip("curl", "htpasswd"),
}, async () => {
  using input = inputs({ "f.txt": "f\n" });
  const users = join(input.dir, "users");
  assert.equal((await run(["htpasswd", "-cbB", users, "ann", "bcrypt pw"])).code, 0);
  assert.equal((await run(["htpasswd", "-bs", users, "bob", "sha pw"])).code, 0);
  assert.match(readFileSync(users, "utf8"), /^ann:\$2y\$05\$.*\nbob:\{SHA\}/);
  await using up = await uploadServer(["--auth-file", users]);
  const file = join(input.dir, "f.txt");
  assert.equal((await curl(["-u", "ann:bcrypt pw", "-T", file, `${up.base}/ann.txt`])).status, 201);
  assert.equal((await curl(["-u", "bob:sha pw", "-T", file, `${up.base}/bob.txt`])).status, 201);
  assert.equal((await curl(["-u", "bob:bcrypt pw", "-T", file, `${up.base}/x.txt`])).status, 401);
  assert.equal((await curl(["-T", file, `${up.base}/y.txt`])).status, 401);
  assert.deepEqual(readdirSync(up.root).sort(), ["ann.txt", "bob.txt"]);
});

test(`[${TARGET}] failed logins are rate-limited: the sixth try within a minute is 429`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "f.txt": "f\n" });
  await using up = await uploadServer(["--auth-write", "w:right"]);
  const file = join(input.dir, "f.txt");
  for (let i = 0; i < 5; i++) {
    assert.equal((await curl(["-u", `w:guess${i}`, "-T", file, `${up.base}/`])).status, 401);
  }
  const blocked = await curl(["-D", "-", "-u", "w:right", "-T", file, `${up.base}/`]);
  assert.equal(blocked.status, 429);
  assert.match(blocked.body, /retry-after: \d+/i);
  assert.deepEqual(readdirSync(up.root), []);
});

test(
  `[${TARGET}] a resumable upload (IETF draft) cut twice by killing curl completes with the right bytes`,
  {
    skip: peerSkip("curl", "openssl"),
    timeout: 120_000,
  },
  async () => {
    const size = 24 << 20;
    const bytes = new Uint8Array(size).map((_, i) => (i * 2654435761) >>> 24);
    using input = inputs({});
    writeFileSync(join(input.dir, "whole.bin"), bytes);
    await using up = await uploadServer();
    const created = await curl([
      "-D",
      "-",
      "-X",
      "PUT",
      "--data-binary",
      "",
      "-H",
      "Upload-Complete: ?0",
      "-H",
      `Upload-Length: ${size}`,
      "-H",
      "Upload-Draft-Interop-Version: 8",
      `${up.base}/resumed.bin`,
    ]);
    assert.equal(created.status, 201, created.body);
    const location = /^location: (\S+)/im.exec(created.body)![1];
    const offsetNow = async () => {
      const head = await curl(["-I", `${up.base}${location}`]);
      assert.equal(head.status, 204);
      return Number(/^upload-offset: (\d+)/im.exec(head.body)![1]);
    };
    let offset = 0;
    for (let cut = 0; cut < 2; cut++) {
      const rest = join(input.dir, `rest-${cut}.bin`);
      writeFileSync(rest, bytes.subarray(offset));
      const before = offset;
      await killedCurl([
        "--limit-rate",
        "4M",
        "-X",
        "PATCH",
        "-T",
        rest,
        "-H",
        `Upload-Offset: ${offset}`,
        "-H",
        "Upload-Complete: ?1",
        "-H",
        "Content-Type: application/partial-upload",
        `${up.base}${location}`,
      ], () => statSync(join(up.root, readdirSync(up.root)[0])).size > before + (2 << 20));
      // The server keeps what arrived; wait until the offset stops moving.
      let last = -1;
      while (last !== offset) {
        last = offset;
        await sleep(300);
        offset = await offsetNow();
      }
      assert.ok(offset > before && offset < size, `cut ${cut + 1}: offset ${offset}`);
    }
    writeFileSync(join(input.dir, "last.bin"), bytes.subarray(offset));
    const done = await curl([
      "-D",
      "-",
      "-X",
      "PATCH",
      "-T",
      join(input.dir, "last.bin"),
      "-H",
      `Upload-Offset: ${offset}`,
      "-H",
      "Upload-Complete: ?1",
      `${up.base}${location}`,
    ]);
    assert.equal(done.status, 201, done.body);
    assert.match(done.body, /^upload-complete: \?1/im);
    assert.equal(
      await sha256sum(join(up.root, "resumed.bin")),
      await sha256sum(join(input.dir, "whole.bin")),
    );
    assert.deepEqual(readdirSync(up.root), ["resumed.bin"]);
  },
);

test(`[${TARGET}] a server killed mid-upload leaves a temporary that the next start removes`, {
  skip: peerSkip("curl"),
}, async () => {
  using input = inputs({ "big.bin": 64 << 20 });
  const root = mkdtempSync(join(tmpdir(), "netkit-e2e-restart-"));
  try {
    const first = await uploadServer([], root);
    const temporary = () => readdirSync(root).find((n) => n.startsWith(".netkit-upload-"));
    const upload = run([
      "curl",
      "-sS",
      "--limit-rate",
      "4M",
      "-T",
      join(input.dir, "big.bin"),
      `${first.base}/`,
    ]);
    await eventually(() => temporary() !== undefined, "the upload started");
    process.kill(first.server.child.pid!, "SIGKILL"); // no clean-up of any kind
    await first.server.stop();
    await upload;
    assert.ok(temporary(), "the killed server left its temporary");
    await using second = await uploadServer([], root);
    assert.match(second.server.stderr(), /removed 1 unfinished upload temporar/);
    assert.match(second.server.stderr(), /warning: anyone who can reach this port may upload/);
    assert.deepEqual(readdirSync(root), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
