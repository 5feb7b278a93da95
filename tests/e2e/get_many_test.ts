/**
 * End-to-end: `netkit get` with many URLs (under the test runtime, or
 * NETKIT_BIN) against nginx, python's http.server and netkit's serve-http:
 * 200 small files from `-i` with `--parallel 8`, a failing URL among them,
 * `--fail-fast`, `--checksums` (a local and a served list), and `--cacert`
 * against nginx with a certificate from an openssl-made CA.
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
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  have,
  netkitArgv,
  peerSkip,
  runNetkit,
  type RunningServer,
  type RunOptions,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { makeCertificates, stop } from "./_processes.ts";

const FILES = 200;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

let root = "";
let www = "";
let caFile = "";
const servers: Record<string, string> = {}; // name -> base URL
let nginxTls = "";
const children: ChildProcess[] = [];
let serveHttp: RunningServer | undefined;

function get(args: string[], options: RunOptions = {}) {
  return runNetkit(["get", ...args], { timeoutMs: 60_000, ...options });
}

function workDir(name: string): string {
  const dir = join(root, "work", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

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

/** Starts a program and waits until `url` answers (any status). */
async function startAndWait(argv: string[], url: string, cwd?: string): Promise<void> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], cwd });
  children.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    try {
      await (await fetch(url)).body?.cancel();
      return;
    } catch {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
  }
  throw new Error(`${argv[0]} did not start: ${stderr}`);
}

/** nginx on a plain port (with a slow location) and, given certificates, a TLS one. */
async function startNginx(tls?: { cert: string; key: string }): Promise<void> {
  const dir = join(root, "nginx");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Two picks can return the same free port, and nginx then puts both servers on one ssl listen.
  let tlsPort = await freePort();
  while (tlsPort === port) tlsPort = await freePort();
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((name) => `${name}_temp_path ${join(dir, name)};`).join("\n    ");
  const tlsServer = tls
    ? `server { listen 127.0.0.1:${tlsPort} ssl; ssl_certificate ${tls.cert}; ` +
      `ssl_certificate_key ${tls.key}; root ${www}; }`
    : "";
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes 1;
master_process off;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 512; }
http {
    default_type application/octet-stream;
    access_log off;
    ${temp}
    server {
        listen 127.0.0.1:${port};
        root ${www};
        location /slow/ { limit_rate 64k; }
    }
    ${tlsServer}
}
`,
  );
  servers.nginx = `http://127.0.0.1:${port}`;
  await startAndWait(
    ["nginx", "-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")],
    `${servers.nginx}/SHA256SUMS`,
  );
  if (tls) nginxTls = `https://localhost:${tlsPort}`;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-many-"));
  www = join(root, "www");
  mkdirSync(join(www, "slow"), { recursive: true });
  const sums: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const bytes = randomBytes(1000 + i * 37);
    writeFileSync(join(www, `f${i}.bin`), bytes);
    // Both styles, as publishers ship them: GNU for even files, BSD tags for odd ones.
    sums.push(
      i % 2 === 0 ? `${sha256(bytes)}  f${i}.bin` : `SHA256 (f${i}.bin) = ${sha256(bytes)}`,
    );
  }
  writeFileSync(join(www, "SHA256SUMS"), sums.join("\n") + "\n");
  writeFileSync(join(www, "slow", "big.bin"), randomBytes(1 << 20));
  let tls: { cert: string; key: string } | undefined;
  if (have("openssl")) {
    mkdirSync(join(root, "tls"));
    const certs = await makeCertificates(join(root, "tls"));
    caFile = certs.ca;
    tls = certs;
  }
  if (have("nginx")) await startNginx(tls);
  if (have("python3")) {
    const port = await freePort();
    servers.python = `http://127.0.0.1:${port}`;
    await startAndWait(
      ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"],
      `${servers.python}/SHA256SUMS`,
      www,
    );
  }
  serveHttp = await startNetkit(
    ["serve-http", www, "--host", "127.0.0.1", "--port", "0", "--log", "off"],
    { expect: ["http" as "tcp"] },
  );
  servers["serve-http"] = `http://127.0.0.1:${(serveHttp.ports as Record<string, number>).http}`;
});

after(async () => {
  await Promise.all(children.map(stop));
  await serveHttp?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** An input file of the 200 files at `base`, with `extra` lines inserted at index 50. */
function listOf(base: string, dir: string, extra: string[] = []): string {
  const lines = Array.from({ length: FILES }, (_, i) => `${base}/f${i}.bin`);
  lines.splice(50, 0, ...extra);
  const path = join(dir, "list.txt");
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

function assertAllLanded(dir: string): void {
  for (let i = 0; i < FILES; i++) {
    const name = `f${i}.bin`;
    assert.equal(
      sha256(readFileSync(join(dir, name))),
      sha256(readFileSync(join(www, name))),
      name,
    );
  }
}

for (const name of ["nginx", "python", "serve-http"]) {
  const skip = name === "nginx"
    ? peerSkip("nginx")
    : name === "python"
    ? peerSkip("python3")
    : false;

  test(`[${TARGET}] get -i of ${FILES} files from ${name} with --parallel 8: all byte-exact`, {
    skip,
  }, async () => {
    const dir = workDir(`all-${name}`);
    const list = listOf(servers[name], dir);
    const result = await get(["-i", list, "-P", join(dir, "out"), "--parallel", "8", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    assertAllLanded(join(dir, "out"));
    assert.deepEqual(readdirSync(join(dir, "out")).filter((f) => f.endsWith(".part")), []);
    const lines = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, FILES + 1, "one object per file, then the totals");
    assert.equal(lines.at(-1).saved, FILES);
    assert.equal(lines.at(-1).exit, 0);
  });

  test(`[${TARGET}] get -i from ${name}: one failing URL gives exit 22, the other ${FILES} land`, {
    skip,
  }, async () => {
    const dir = workDir(`one-missing-${name}`);
    const list = listOf(servers[name], dir, [`${servers[name]}/no-such-file.bin`]);
    const result = await get(["-i", list, "-P", join(dir, "out"), "--parallel", "8"]);
    assert.equal(result.code, 22, result.stderr);
    assertAllLanded(join(dir, "out"));
    assert.ok(!existsSync(join(dir, "out", "no-such-file.bin")));
    assert.match(result.stderr, /no-such-file\.bin: .*404/);
    assert.match(
      result.stderr,
      new RegExp(`${FILES} of ${FILES + 1} files saved .*1 failed; exit 22`),
    );
  });
}

test(`[${TARGET}] get -i - reads the list from standard input, out= lines included`, async () => {
  const dir = workDir("stdin");
  const base = servers["serve-http"];
  const child = spawn(netkitArgv()[0], [...netkitArgv().slice(1), "get", "-i", "-", "-P", dir], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin!.end(`${base}/f3.bin\n  out=three.bin\n${base}/f4.bin\n`);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0, stderr);
  assert.deepEqual(readdirSync(dir).sort(), ["f4.bin", "three.bin"]);
  assert.equal(
    sha256(readFileSync(join(dir, "three.bin"))),
    sha256(readFileSync(join(www, "f3.bin"))),
  );
});

test(`[${TARGET}] get --fail-fast stops at the first failure and keeps the slow file's .part`, {
  skip: peerSkip("nginx"),
}, async () => {
  const dir = workDir("fail-fast");
  const base = servers.nginx;
  // 1 MiB at 64 KiB/s takes 16 s: the failure comes long before.
  writeFileSync(
    join(dir, "list.txt"),
    [
      `${base}/slow/big.bin`,
      `${base}/f0.bin`,
      `${base}/no-such-file`,
      ...Array.from({ length: 20 }, (_, i) => `${base}/f${i + 1}.bin`),
    ]
      .join("\n"),
  );
  const slowStart = await get([
    "-i",
    join(dir, "list.txt"),
    "-P",
    join(dir, "out"),
    "--parallel",
    "2",
    "--fail-fast",
  ]);
  assert.equal(slowStart.code, 22, slowStart.stderr);
  assert.ok(slowStart.ms < 12_000, `cancelled, not waited for (${slowStart.ms} ms)`);
  const out = join(dir, "out");
  assert.ok(existsSync(join(out, "big.bin.part")), readdirSync(out).join(" "));
  assert.ok(!existsSync(join(out, "big.bin")));
  assert.ok(!existsSync(join(out, "f20.bin")), "the rest was not started");
  assert.match(
    slowStart.stderr,
    /big\.bin: cancelled by --fail-fast \(.*big\.bin\.part kept for -C\)/,
  );
});

test(
  `[${TARGET}] get --checksums: a local and a served SHA256SUMS, GNU and BSD lines, a missing line, a mismatch`,
  {
    skip: peerSkip("nginx"),
  },
  async () => {
    const dir = workDir("checksums");
    const base = servers.nginx;
    const urls = Array.from({ length: 10 }, (_, i) => `${base}/f${i}.bin`);
    const remote = await get([
      "--checksums",
      `${base}/SHA256SUMS`,
      "-P",
      join(dir, "remote"),
      ...urls,
    ]);
    assert.equal(remote.code, 0, remote.stderr);
    const local = join(dir, "SHA256SUMS");
    writeFileSync(local, readFileSync(join(www, "SHA256SUMS")));
    const fromFile = await get(["--checksums", local, "-P", join(dir, "local"), ...urls]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.deepEqual(
      readdirSync(join(dir, "local")).sort(),
      urls.map((u) => u.split("/").pop()).sort(),
    );

    // f1.bin (a BSD line) gets another file's digest, f2.bin (GNU) loses its line.
    const lines = readFileSync(local, "utf8").split("\n");
    lines[1] = `SHA256 (f1.bin) = ${sha256("something else")}`;
    lines.splice(2, 1);
    writeFileSync(local, lines.join("\n"));
    const bad = await get(["--checksums", local, "-P", join(dir, "bad"), ...urls.slice(0, 4)]);
    assert.equal(bad.code, 110, bad.stderr);
    assert.deepEqual(
      readdirSync(join(dir, "bad")).sort(),
      ["f0.bin", "f3.bin"],
      "nothing of f1 or f2 is left",
    );
    assert.match(bad.stderr, /f1\.bin: SHA256 mismatch/);
    assert.match(bad.stderr, /has no line for f2\.bin/);
    const optional = await get([
      "--checksums",
      local,
      "--checksums-optional",
      "-P",
      join(dir, "opt"),
      urls[2],
    ]);
    assert.equal(optional.code, 0, optional.stderr);
  },
);

test(`[${TARGET}] get --cacert trusts an openssl-made CA; without it, exit 60`, {
  skip: peerSkip("nginx", "openssl"),
}, async () => {
  const dir = workDir("cacert");
  const url = `${nginxTls}/f0.bin`;
  // The CA was made for this run: neither DENO_CERT nor NODE_EXTRA_CA_CERTS names it.
  const env = {};
  const untrusted = await get(["-o", join(dir, "a.bin"), url], { env });
  assert.equal(untrusted.code, 60, untrusted.stderr);
  assert.match(untrusted.stderr, /--cacert FILE trusts a CA/);
  const trusted = await get(["--cacert", caFile, "-o", join(dir, "a.bin"), url], { env });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.equal(sha256(readFileSync(join(dir, "a.bin"))), sha256(readFileSync(join(www, "f0.bin"))));
  const many = await get(["--cacert", caFile, "-P", join(dir, "many"), url, `${nginxTls}/f1.bin`], {
    env,
  });
  assert.equal(many.code, 0, many.stderr);
  // With a caller's Accept-Encoding, Deno takes its node:https path: trusted there too.
  const encoded = await get(["--cacert", caFile, "-H", "Accept-Encoding: gzip", url], { env });
  assert.equal(encoded.code, 0, encoded.stderr);
});
