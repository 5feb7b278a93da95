/**
 * End-to-end: `netkit get --split` and `-N` (under the test runtime, or
 * NETKIT_BIN) against nginx with `limit_rate` per connection: the
 * assembled file's SHA-256, three SIGKILLs at random points each resumed
 * with -C, a location that serves no ranges (`max_ranges 0`), a file
 * replaced between runs (start over, never a mix), and -N's 304s. nginx's
 * access log says which connection carried which request.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { have, netkitArgv, peerSkip, runNetkit, sleep, TARGET } from "../_helpers.ts";

const MiB = 1 << 20;
/** nginx's limit per request in the tests: one stream would take SIZE / RATE = 32 s. */
const RATE = "1m";
const SIZE = 32 * MiB;

let root = "";
let www = "";
let logFile = "";
let nginx: { base: string; child: ChildProcess } | undefined;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const fileSha = (path: string) => sha256(readFileSync(path));

/** Writes `name` in the served folder atomically (nginx never serves half of it). */
function publish(name: string, bytes: Uint8Array): string {
  const temporary = join(www, `${name}.tmp`);
  writeFileSync(temporary, bytes);
  renameSync(temporary, join(www, name));
  return sha256(bytes);
}

function workDir(name: string): string {
  const dir = join(root, "work", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function get(args: string[], cwd: string) {
  return runNetkit(["get", ...args], { timeoutMs: 60_000, cwd });
}

/** nginx's log lines for `uri` since `from`: connection, status, Range, If-None-Match, If-Modified-Since. */
function logOf(uri: string, from = 0) {
  return readFileSync(logFile, "utf8").slice(from).split("\n").filter((l) => l.endsWith(`\t${uri}`))
    .map((line) => {
      const [connection, status, range, inm, ims, msec, took] = line.split("\t");
      const end = Number(msec);
      return {
        connection,
        status: Number(status),
        range,
        inm,
        ims,
        start: end - Number(took),
        end,
      };
    });
}
const logSize = () => statSync(logFile).size;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function startNginx(): Promise<{ base: string; child: ChildProcess }> {
  const dir = join(root, "nginx");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  logFile = join(dir, "access.log");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, name)};`).join("\n    ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
master_process off;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    log_format split "$connection\\t$status\\t$http_range\\t$http_if_none_match\\t$http_if_modified_since\\t$msec\\t$request_time\\t$uri";
    access_log ${logFile} split;
    sendfile on;
    ${temp}
    server {
        # A small send buffer, or nginx sends a whole socket buffer at once before the limit bites.
        listen 127.0.0.1:${port} sndbuf=32k;
        root ${www};
        limit_rate ${RATE};
        location /noranges/ { max_ranges 0; }
    }
}
`,
  );
  const base = `http://127.0.0.1:${port}`;
  const child = spawn("nginx", [
    "-p",
    dir,
    "-e",
    join(dir, "error.log"),
    "-c",
    join(dir, "nginx.conf"),
  ], {
    stdio: "ignore",
  });
  for (let i = 0; i < 100; i++) {
    try {
      await (await fetch(`${base}/small.txt`)).body?.cancel();
      return { base, child };
    } catch {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
  }
  child.kill("SIGKILL");
  throw new Error("nginx did not start");
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-split-"));
  www = join(root, "www");
  mkdirSync(join(www, "noranges"), { recursive: true });
  writeFileSync(join(www, "small.txt"), "small\n");
  if (have("nginx")) nginx = await startNginx();
});

after(async () => {
  const child = nginx?.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve) => {
      child.on("close", () => resolve());
      process.kill(child.pid!, "SIGTERM");
    });
  }
  rmSync(root, { recursive: true, force: true });
});

test(
  `[${TARGET}] get --split 8 from nginx (limit_rate per connection): right SHA-256, 8 connections`,
  {
    skip: peerSkip("nginx"),
  },
  async () => {
    const sha = publish("a.bin", randomBytes(SIZE));
    const dir = workDir("split");
    const from = logSize();
    const run = await get(
      [`${nginx!.base}/a.bin`, "-O", "--split", "8", "--sha256", sha, "--json"],
      dir,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).sha256, sha);
    assert.equal(fileSha(join(dir, "a.bin")), sha);
    assert.deepEqual(readdirSync(dir), ["a.bin"], "no .part or sidecar left behind");
    // One stream at the limit takes 32 s; eight take about 4 s.
    assert.ok(run.ms < 12_000, `took ${run.ms} ms: the ranges did not run in parallel`);
    const lines = logOf("/a.bin", from);
    assert.ok(new Set(lines.map((l) => l.connection)).size >= 8, JSON.stringify(lines));
    // At most 8 requests at any one time (nginx logs to the ms: allow 1 ms of overlap).
    const at = (t: number) => lines.filter((o) => o.start < t - 0.001 && o.end > t + 0.001).length;
    const most = Math.max(...lines.map((l) => at(l.start + 0.0015)));
    assert.ok(most <= 8, `${most} requests at once: ${JSON.stringify(lines)}`);
  },
);

/** Starts `get ARGS` in `cwd`, and SIGKILLs it (by PID) `ms` after its ranges are saved. */
async function killWhileRunning(args: string[], run: { cwd: string; sidecar: string; ms: number }) {
  const argv = netkitArgv();
  const child = spawn(argv[0], [...argv.slice(1), "get", ...args], {
    cwd: run.cwd,
    stdio: "ignore",
  });
  const closed = new Promise<string | null>((resolve) => child.on("close", (_, s) => resolve(s)));
  try {
    for (let i = 0; i < 200 && !existsSync(run.sidecar) && child.exitCode === null; i++) {
      await sleep(25);
    }
    await sleep(run.ms);
  } finally {
    if (child.exitCode === null) process.kill(child.pid!, "SIGKILL");
  }
  return await closed;
}

test(`[${TARGET}] get --split 8 killed three times at random points resumes each range with -C`, {
  skip: peerSkip("nginx"),
}, async () => {
  const sha = publish("k.bin", randomBytes(2 * SIZE));
  const dir = workDir("kill");
  const sidecar = join(dir, "k.bin.part.ranges.json");
  const args = [`${nginx!.base}/k.bin`, "-o", "k.bin", "--split", "8", "-C", "-s"];
  let done = 0;
  for (let i = 0; i < 3; i++) {
    const signal = await killWhileRunning(args, {
      cwd: dir,
      sidecar,
      ms: 300 + Math.random() * 700, // the whole takes 4-8 s
    });
    assert.equal(signal, "SIGKILL", `run ${i + 1} ended before the kill`);
    assert.ok(!existsSync(join(dir, "k.bin")), "nothing at the target after a kill");
    const state = JSON.parse(readFileSync(sidecar, "utf8"));
    const now = state.ranges.reduce(
      (n: number, r: { start: number; done: number }) => n + r.done - r.start,
      0,
    );
    assert.ok(now >= done, `progress kept: ${now} bytes after ${done}`);
    done = now;
  }
  assert.ok(done > 0, "the killed runs wrote something");
  const from = logSize();
  const last = await get([...args.slice(0, -1), "--json", "--sha256", sha], dir);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(JSON.parse(last.stdout).resumed_from, done);
  assert.equal(fileSha(join(dir, "k.bin")), sha);
  assert.deepEqual(readdirSync(dir), ["k.bin"]);
  const ranges = logOf("/k.bin", from).filter((l) => l.range !== "-");
  assert.ok(ranges.every((l) => l.status === 206), JSON.stringify(ranges));
  assert.ok(
    !ranges.some((l) => l.range === "bytes=0-" + String((2 * SIZE) / 8 - 1)),
    "no range from scratch",
  );
});

test(`[${TARGET}] get --split against a location that ignores ranges: one stream, said so`, {
  skip: peerSkip("nginx"),
}, async () => {
  const sha = publish("noranges/n.bin", randomBytes(4 * MiB));
  const dir = workDir("noranges");
  const run = await get(
    [`${nginx!.base}/noranges/n.bin`, "-O", "--split", "8", "--sha256", sha],
    dir,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /--split: .*one stream/);
  assert.equal(fileSha(join(dir, "n.bin")), sha);
  assert.deepEqual(readdirSync(dir), ["n.bin"]);
});

test(`[${TARGET}] get --split -C on a file that changed since the kill starts over, never a mix`, {
  skip: peerSkip("nginx"),
}, async () => {
  publish("c.bin", randomBytes(SIZE));
  const dir = workDir("change");
  const sidecar = join(dir, "c.bin.part.ranges.json");
  const args = [`${nginx!.base}/c.bin`, "-o", "c.bin", "--split", "8", "-C"];
  assert.equal(await killWhileRunning([...args, "-s"], { cwd: dir, sidecar, ms: 200 }), "SIGKILL");
  // A new version of the same size, with a new mtime (nginx's ETag and Last-Modified).
  const sha = publish("c.bin", randomBytes(SIZE));
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(www, "c.bin"), later, later);
  const run = await get([...args, "--sha256", sha], dir);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /another version of the file; starting over/);
  assert.equal(fileSha(join(dir, "c.bin")), sha);
});

test(`[${TARGET}] get -N against nginx: 304 leaves the file alone, a change replaces it`, {
  skip: peerSkip("nginx"),
}, async () => {
  publish("n.txt", new TextEncoder().encode("version 1\n"));
  const dir = workDir("if-changed");
  const file = join(dir, "n.txt");
  const url = `${nginx!.base}/n.txt`;
  assert.equal((await get([url, "-O", "-N", "-s"], dir)).code, 0);
  const served = Math.floor(statSync(join(www, "n.txt")).mtimeMs / 1000) * 1000;
  assert.equal(statSync(file).mtimeMs, served, "mtime from Last-Modified (whole seconds)");
  const mtime = statSync(file).mtimeMs;

  let from = logSize();
  const same = await get([url, "-O", "-N", "--exit-unchanged", "42", "--json"], dir);
  assert.equal(same.code, 42, same.stderr);
  assert.equal(JSON.parse(same.stdout).unchanged, true);
  const [asked] = logOf("/n.txt", from);
  assert.equal(asked.status, 304);
  // nginx logs a quote as \x22.
  assert.match(asked.inm, /^\\x22.+\\x22$/, "If-None-Match sent");
  assert.equal(readFileSync(file, "utf8"), "version 1\n");
  assert.equal(statSync(file).mtimeMs, mtime);

  publish("n.txt", new TextEncoder().encode("version 2, longer\n"));
  const later = new Date(Date.now() + 60_000);
  utimesSync(join(www, "n.txt"), later, later);
  const changed = await get([url, "-O", "-N", "--exit-unchanged", "42"], dir);
  assert.equal(changed.code, 0, changed.stderr);
  assert.equal(readFileSync(file, "utf8"), "version 2, longer\n");

  // A file saved without -N: its mtime goes out as If-Modified-Since.
  const plain = workDir("if-changed-plain");
  assert.equal((await get([url, "-O", "-s"], plain)).code, 0);
  utimesSync(join(plain, "n.txt"), later, later);
  from = logSize();
  const again = await get([url, "-O", "-N", "--exit-unchanged", "42"], plain);
  assert.equal(again.code, 42, again.stderr);
  const [conditional] = logOf("/n.txt", from);
  assert.equal(conditional.ims, later.toUTCString());
  assert.equal(conditional.inm, "-");
});
