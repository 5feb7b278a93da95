/**
 * End-to-end: `netkit get` (under the test runtime, or NETKIT_BIN) against
 * servers nobody here wrote (python's http.server, nginx), netkit's own
 * serve-http, and a scripted misbehaving server with one route per failure
 * (tests/peers/http_misbehaving_server.py).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "node:buffer";
import { brotliCompressSync, deflateRawSync, deflateSync, gunzipSync, gzipSync } from "node:zlib";
import process from "node:process";
import {
  have,
  netkitArgv,
  peerSkip,
  ROOT,
  run,
  runNetkit,
  type RunningServer,
  type RunOptions,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { makeCertificates, stop } from "./_processes.ts";

const HAVE_PYTHON = have("python3");
const HAVE_NGINX = have("nginx");
const HAVE_OPENSSL = have("openssl");
const BIG = 256 * 1024 * 1024;

let root = ""; // scratch space, removed at the end
let www = ""; // the folder python, nginx and serve-http serve
let bigSha = "";
let smallData = new Uint8Array();
let peer: { http: string; https: string; child: ChildProcess } | undefined;
let caFile = "";
let dataSha = ""; // SHA-256 of the peer's 1 MiB /data
let dataBytes = new Uint8Array();
let python: { base: string; child: ChildProcess } | undefined;
let nginx: { base: string; child: ChildProcess } | undefined;
let serveHttp: RunningServer | undefined;
let serveHttpBase = "";

/** What a compressing server sends: the same text in every coding. */
const CODED_TEXT = "hello, compressed world\n".repeat(300);
const ENCODERS: Record<string, (text: string) => Uint8Array> = {
  gzip: (text) => gzipSync(text),
  deflate: (text) => deflateSync(text),
  "deflate-raw": (text) => deflateRawSync(text),
  br: (text) => brotliCompressSync(text),
};
const wireName = (coding: string) => coding === "deflate-raw" ? "deflate" : coding;

/**
 * Serves CODED_TEXT in `?coding=` when the request accepts it (or always,
 * with `&force`), identity otherwise.
 */
async function startCodedServer(): Promise<{ base: string; server: http.Server }> {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url!, "http://x");
    const coding = url.searchParams.get("coding") ?? "gzip";
    const accepted = String(request.headers["accept-encoding"] ?? "");
    if (url.searchParams.has("force") || accepted.includes(wireName(coding))) {
      const body = ENCODERS[coding](CODED_TEXT);
      response.writeHead(200, {
        "content-encoding": wireName(coding),
        "content-length": body.length,
      });
      response.end(body);
    } else {
      response.writeHead(200, { "content-length": Buffer.byteLength(CODED_TEXT) });
      response.end(CODED_TEXT);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, server };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const fileSha = (path: string) => sha256(readFileSync(path));

/** A fresh folder for one test's downloads. */
function workDir(name: string): string {
  const dir = join(root, "work", name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs `netkit get ARGS` in `cwd`. */
function get(args: string[], options: RunOptions = {}) {
  return runNetkit(["get", ...args], { timeoutMs: 60_000, ...options });
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
async function startAndWait(argv: string[], url: string, cwd?: string): Promise<ChildProcess> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], cwd });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      return child;
    } catch {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${argv[0]} did not start: ${stderr}`);
}

async function startPeer(tls?: { cert: string; key: string }) {
  const args = [join(ROOT, "tests", "peers", "http_misbehaving_server.py")];
  if (tls) args.push(tls.cert, tls.key);
  // Its stdin is its lifeline: it exits when ours closes (or after 300 s).
  const child = spawn("python3", args, { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("close", () => reject(new Error("the scripted server exited")));
  });
  const [, httpPort, httpsPort] = line.split(" ");
  return {
    http: `http://127.0.0.1:${httpPort}`,
    https: `https://127.0.0.1:${httpsPort}`,
    child,
  };
}

async function startNginx(): Promise<{ base: string; child: ChildProcess }> {
  const dir = join(root, "nginx");
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
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
    access_log off;
    sendfile on;
    ${temp}
    server {
        listen 127.0.0.1:${port};
        root ${www};
    }
}
`,
  );
  const base = `http://127.0.0.1:${port}`;
  const child = await startAndWait(
    ["nginx", "-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf")],
    `${base}/small.txt`,
  );
  return { base, child };
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-get-"));
  www = join(root, "www");
  mkdirSync(www);
  smallData = new TextEncoder().encode("hello from a static server\n".repeat(40));
  writeFileSync(join(www, "small.txt"), smallData);
  // 256 MiB of random bytes, written in slices so the test never holds it all.
  const hash = createHash("sha256");
  const fd = openSync(join(www, "big.bin"), "w");
  for (let i = 0; i < BIG / (16 << 20); i++) {
    const slice = randomBytes(16 << 20);
    hash.update(slice);
    writeSync(fd, slice);
  }
  closeSync(fd);
  bigSha = hash.digest("hex");
  writeFileSync(join(www, "page.html"), "<p>" + "compressible text ".repeat(500) + "</p>\n");

  if (HAVE_PYTHON) {
    let tls: { cert: string; key: string } | undefined;
    if (HAVE_OPENSSL) {
      const tlsDir = join(root, "tls");
      mkdirSync(tlsDir);
      const certs = await makeCertificates(tlsDir);
      caFile = certs.ca;
      tls = certs;
    }
    peer = await startPeer(tls);
    dataSha = await (await fetch(`${peer.http}/sha256`)).text();
    dataBytes = new Uint8Array(await (await fetch(`${peer.http}/data`)).arrayBuffer());
    assert.equal(sha256(dataBytes), dataSha);
    writeFileSync(join(www, "data.bin"), dataBytes);
    const port = await freePort();
    python = {
      base: `http://127.0.0.1:${port}`,
      child: await startAndWait(
        ["python3", "-m", "http.server", String(port), "--bind", "127.0.0.1"],
        `http://127.0.0.1:${port}/small.txt`,
        www,
      ),
    };
  }
  if (HAVE_NGINX) nginx = await startNginx();
  serveHttp = await startNetkit(
    ["serve-http", www, "--host", "127.0.0.1", "--port", "0", "--log", "off"],
    { expect: ["http" as "tcp"] },
  );
  serveHttpBase = `http://127.0.0.1:${(serveHttp.ports as Record<string, number>).http}`;
});

after(async () => {
  peer?.child.stdin?.end();
  await Promise.all([stop(peer?.child), stop(python?.child), stop(nginx?.child)]);
  await serveHttp?.stop();
  coded.server.closeAllConnections();
  await new Promise((resolve) => coded.server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

/** A server that sends gzip, deflate, raw deflate and br bodies. */
const coded = await startCodedServer();

/** The skip of a test that talks to the python3 peers (and `others`). */
const noPeer = (...others: string[]) => peerSkip("python3", ...others);

// --- servers nobody here wrote --------------------------------------------

test(`[${TARGET}] get from python's http.server: stdout, and 256 MiB to a file with --sha256`, {
  skip: noPeer(),
}, async () => {
  const small = await get([`${python!.base}/small.txt`]);
  assert.equal(small.code, 0, small.stderr);
  assert.equal(small.stdout, new TextDecoder().decode(smallData));

  const dir = workDir("python-big");
  const big = await get([`${python!.base}/big.bin`, "-o", "big.bin", "--sha256", bigSha, "-s"], {
    cwd: dir,
  });
  assert.equal(big.code, 0, big.stderr);
  assert.equal(statSync(join(dir, "big.bin")).size, BIG);
  assert.equal(fileSha(join(dir, "big.bin")), bigSha);
  assert.deepEqual(readdirSync(dir), ["big.bin"], "no .part or .part.json left behind");
});

test(`[${TARGET}] get from nginx: 256 MiB with -O, and a resume (-C) of a partial file`, {
  skip: noPeer("nginx"),
}, async () => {
  const dir = workDir("nginx");
  const big = await get([`${nginx!.base}/big.bin`, "-O", "--json"], { cwd: dir });
  assert.equal(big.code, 0, big.stderr);
  const summary = JSON.parse(big.stdout);
  assert.equal(summary.sha256, bigSha);
  assert.equal(summary.bytes, BIG);
  assert.equal(summary.path, "big.bin");
  assert.equal(fileSha(join(dir, "big.bin")), bigSha);

  // An interrupted download: the first 300,000 bytes in data.bin.part.
  writeFileSync(join(dir, "data.bin.part"), dataBytes.subarray(0, 300_000));
  const resumed = await get([`${nginx!.base}/data.bin`, "-C", "-o", "data.bin", "--json"], {
    cwd: dir,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  const r = JSON.parse(resumed.stdout);
  assert.equal(r.resumed_from, 300_000);
  assert.equal(r.sha256, dataSha);
  assert.equal(fileSha(join(dir, "data.bin")), dataSha);

  // Again on the complete file: nginx answers 416 bytes */SIZE, which means done.
  const again = await get([`${nginx!.base}/data.bin`, "-C", "-o", "data.bin"], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already complete/i);
  assert.equal(fileSha(join(dir, "data.bin")), dataSha);
  assert.ok(!existsSync(join(dir, "data.bin.part")));
});

test(`[${TARGET}] get from netkit serve-http: a range resume`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("serve-http");
  writeFileSync(join(dir, "data.bin.part"), dataBytes.subarray(0, 123_457));
  const resumed = await get([`${serveHttpBase}/data.bin`, "-C", "-O", "--json"], { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(JSON.parse(resumed.stdout).resumed_from, 123_457);
  assert.equal(fileSha(join(dir, "data.bin")), dataSha);
});

test(`[${TARGET}] get from netkit serve-http: asks for identity, so text is never compressed`, async () => {
  const dir = workDir("serve-http-gzip");
  const page = readFileSync(join(www, "page.html"), "utf8");
  const shown = await get([`${serveHttpBase}/page.html`, "--include"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.doesNotMatch(shown.stdout, /content-encoding/i, "get asked for identity, as curl does");
  assert.ok(shown.stdout.endsWith(page));
  // Defect 3 as reported: the user's Accept-Encoding, a server that compresses, exit 0.
  const asked = await get([
    `${serveHttpBase}/page.html`,
    "-H",
    "Accept-Encoding: gzip",
    "--include",
  ]);
  assert.equal(asked.code, 0, asked.stderr);
  assert.match(asked.stdout, /content-encoding: gzip/i, "the server compresses when asked");
  const headEnd = asked.stdoutBytes.indexOf("\r\n\r\n");
  assert.ok(headEnd > 0, "a head, then the body");
  const sent = asked.stdoutBytes.subarray(headEnd + 4);
  assert.equal(gunzipSync(sent).toString("utf8"), page, "the gzip bytes as sent, undecoded");
  const saved = await get([`${serveHttpBase}/page.html`, "-o", "page.html"], { cwd: dir });
  assert.equal(saved.code, 0, saved.stderr);
  assert.equal(readFileSync(join(dir, "page.html"), "utf8"), page);
});

test(`[${TARGET}] content codings: stdout decodes gzip, deflate, raw deflate and br`, async () => {
  for (const coding of Object.keys(ENCODERS)) {
    const result = await get([`${coded.base}/?coding=${coding}`]);
    assert.equal(result.code, 0, `${coding}: ${result.stderr}`);
    assert.equal(result.stdout, CODED_TEXT, coding);
  }
});

test(`[${TARGET}] content codings: a user-set Accept-Encoding gets the server's bytes`, async () => {
  const dir = workDir("coded-user");
  for (const coding of Object.keys(ENCODERS)) {
    const sent = ENCODERS[coding](CODED_TEXT);
    const header = `Accept-Encoding: ${wireName(coding)}`;
    // -o - : standard output, byte for byte, with the checksum over the bytes as sent.
    const stdout = await get([
      `${coded.base}/?coding=${coding}`,
      "-H",
      header,
      "-o",
      "-",
      "--sha256",
      sha256(sent),
    ]);
    assert.equal(stdout.code, 0, `${coding}: ${stdout.stderr}`);
    const file = await get([`${coded.base}/?coding=${coding}`, "-H", header, "-o", coding], {
      cwd: dir,
    });
    assert.equal(file.code, 0, `${coding}: ${file.stderr}`);
    assert.equal(fileSha(join(dir, coding)), sha256(sent), coding);
  }
});

test(`[${TARGET}] content codings: a file gets the bytes as sent, even unasked for`, async () => {
  const dir = workDir("coded-file");
  for (const coding of Object.keys(ENCODERS)) {
    const sent = ENCODERS[coding](CODED_TEXT);
    const url = `${coded.base}/?coding=${coding}&force`;
    const result = await get([url, "-o", coding, "--sha256", sha256(sent), "--json"], { cwd: dir });
    assert.equal(result.code, 0, `${coding}: ${result.stderr}`);
    assert.equal(JSON.parse(result.stdout).bytes, sent.length, "the bytes on the wire");
    assert.equal(fileSha(join(dir, coding)), sha256(sent), coding);
  }
});

// --- a misbehaving server, one failure at a time ---------------------------

test(`[${TARGET}] a short body or a reset halfway exits 18; the target is untouched, .part kept`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("short");
  writeFileSync(join(dir, "old.bin"), "the old file\n");
  for (const route of ["short", "reset"]) {
    const result = await get([`${peer!.http}/${route}`, "-o", "old.bin", "--force"], { cwd: dir });
    assert.equal(result.code, 18, `${route}: ${result.stderr}`);
    assert.match(result.stderr, /^netkit get: .*(remaining|broke off)/m);
    assert.equal(readFileSync(join(dir, "old.bin"), "utf8"), "the old file\n");
    assert.ok(statSync(join(dir, "old.bin.part")).size > 0, `${route}: .part kept`);
  }
});

test(
  `[${TARGET}] timeouts: a stalled body (--idle-timeout), no answer (--connect-timeout), --max-time`,
  {
    skip: noPeer(),
  },
  async () => {
    const dir = workDir("timeouts");
    const idle = await get([`${peer!.http}/stall?for=8`, "-o", "x", "--idle-timeout", "1"], {
      cwd: dir,
    });
    assert.equal(idle.code, 28, idle.stderr);
    assert.match(idle.stderr, /No data for 1 s \(--idle-timeout\)/);
    assert.ok(idle.ms < 6000, `took ${idle.ms} ms`);

    const head = await get([`${peer!.http}/stall-head?for=8`, "--connect-timeout", "1"]);
    assert.equal(head.code, 28, head.stderr);
    assert.match(head.stderr, /--connect-timeout/);
    assert.ok(head.ms < 6000, `took ${head.ms} ms`);

    const total = await get([`${peer!.http}/drip`, "--max-time", "1"]);
    assert.equal(total.code, 28, total.stderr);
    assert.match(total.stderr, /--max-time/);
  },
);

test(`[${TARGET}] a slow drip within --idle-timeout succeeds`, { skip: noPeer() }, async () => {
  const dir = workDir("drip");
  const result = await get([`${peer!.http}/drip`, "--idle-timeout", "1", "-o", "drip.bin"], {
    cwd: dir,
    timeoutMs: 20_000,
  });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.ms > 2500, `the drip takes 3 s, not ${result.ms} ms`);
  assert.deepEqual(readFileSync(join(dir, "drip.bin")), Buffer.from(dataBytes.subarray(0, 12000)));
});

test(`[${TARGET}] redirects: a loop exits 47; --no-follow stops at the first answer`, {
  skip: noPeer(),
}, async () => {
  const loop = await get([`${peer!.http}/loop?key=loop-${TARGET}`, "--max-redirects", "3"]);
  assert.equal(loop.code, 47, loop.stderr);
  const seen = await (await fetch(`${peer!.http}/seen?of=loop-${TARGET}`)).json();
  assert.equal(seen.length, 4, "the first request and 3 redirects");

  const noFollow = await get([`${peer!.http}/loop`, "--no-follow"]);
  assert.equal(noFollow.code, 0, noFollow.stderr);
});

test(`[${TARGET}] redirects: HTTPS to HTTP is refused (112) unless allowed`, {
  skip: noPeer("openssl"),
}, async () => {
  assert.ok(caFile, "the HTTPS peer was started with a certificate");
  const env = { DENO_CERT: caFile, NODE_EXTRA_CA_CERTS: caFile };
  const to = encodeURIComponent(`${peer!.http}/sha256`);
  const down = await get([`${peer!.https}/redirect?to=${to}`], { env });
  assert.equal(down.code, 112, down.stderr);
  assert.match(down.stderr, /Refusing redirect from HTTPS to HTTP/);
  const allowed = await get([`${peer!.https}/redirect?to=${to}`, "--allow-downgrade"], { env });
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(allowed.stdout, dataSha);
});

test(
  `[${TARGET}] -C resumes: 416 on a complete file is success; a 200 or a changed file restarts`,
  {
    skip: noPeer(),
  },
  async () => {
    const dir = workDir("resume");
    writeFileSync(join(dir, "done.bin"), dataBytes);
    const complete = await get([`${peer!.http}/data`, "-C", "-o", "done.bin"], { cwd: dir });
    assert.equal(complete.code, 0, complete.stderr);
    assert.equal(fileSha(join(dir, "done.bin")), dataSha);

    // A server that ignores Range: the .part is started over, never appended to.
    writeFileSync(join(dir, "norange.bin.part"), dataBytes.subarray(0, 5000));
    const ignored = await get([`${peer!.http}/norange`, "-C", "-o", "norange.bin"], { cwd: dir });
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.match(ignored.stderr, /whole file instead of a range; starting over/);
    assert.equal(fileSha(join(dir, "norange.bin")), dataSha);

    // The file changed since the .part was written: If-Range makes the server send it whole.
    writeFileSync(join(dir, "changed.bin.part"), dataBytes.subarray(0, 5000));
    writeFileSync(join(dir, "changed.bin.part.json"), JSON.stringify({ etag: '"data-v1"' }));
    const changed = await get(
      [`${peer!.http}/changed?key=changed-${TARGET}`, "-C", "-o", "changed.bin"],
      { cwd: dir },
    );
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(fileSha(join(dir, "changed.bin")), sha256(dataBytes.slice().reverse()));
    const [request] = await (await fetch(`${peer!.http}/seen?of=changed-${TARGET}`)).json();
    assert.equal(request.range, "bytes=5000-");
    assert.equal(request.if_range, '"data-v1"');
  },
);

test(`[${TARGET}] --retry waits for Retry-After on 503 and resumes a broken transfer`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("retry");
  const key = `ra-${TARGET}`;
  const noRetry = await get([`${peer!.http}/retry-after?key=${key}-0&ok=9`]);
  assert.equal(noRetry.code, 22, noRetry.stderr);
  assert.match(noRetry.stderr, /HTTP 503 Service Unavailable/);

  const waited = await get([
    `${peer!.http}/retry-after?key=${key}&after=1`,
    "--retry",
    "2",
    "-o",
    "r.bin",
  ], {
    cwd: dir,
  });
  assert.equal(waited.code, 0, waited.stderr);
  assert.match(waited.stderr, /HTTP 503.*retry 1 of 2 in 1\.0 s/);
  assert.ok(waited.ms >= 900, `waited ${waited.ms} ms`);
  assert.equal(fileSha(join(dir, "r.bin")), dataSha);

  const flaky = await get(
    [`${peer!.http}/flaky?key=fl-${TARGET}`, "--retry", "1", "--retry-delay", "0.1", "-o", "f.bin"],
    { cwd: dir },
  );
  assert.equal(flaky.code, 0, flaky.stderr);
  assert.match(flaky.stderr, /resuming at byte \d+/);
  assert.equal(fileSha(join(dir, "f.bin")), dataSha);
  const seen = await (await fetch(`${peer!.http}/seen?of=fl-${TARGET}`)).json();
  assert.equal(seen.length, 2);
  assert.match(seen[1].range, /^bytes=\d+-$/);
  assert.equal(seen[1].if_range, '"data-v1"');
});

test(`[${TARGET}] -O --remote-name-from-header: basename only, filename* preferred`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("names");
  const cases: [string, string][] = [
    [`attachment; filename="../../etc/passwd"`, "passwd"],
    [`attachment; filename="fallback.txt"; filename*=UTF-8''na%C3%AFve.txt`, "naïve.txt"],
    [`attachment; filename=".hidden"`, "hidden"],
  ];
  for (const [value, expected] of cases) {
    const url = `${peer!.http}/disposition?value=${encodeURIComponent(value)}`;
    const result = await get([url, "-O", "--remote-name-from-header"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(join(dir, expected), "utf8"), "named body\n", value);
  }
  assert.deepEqual(readdirSync(dir).sort(), ["hidden", "naïve.txt", "passwd"]);
  // Without the flag, -O names the file after the URL.
  const plain = await get([`${peer!.http}/disposition?value=x`, "-O"], { cwd: dir });
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(existsSync(join(dir, "disposition")));
});

test(`[${TARGET}] HTTP errors exit 22 with the status; no file; --fail-with-body shows the page`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("errors");
  const result = await get([`${peer!.http}/status?code=404`, "-o", "e.bin"], { cwd: dir });
  assert.equal(result.code, 22);
  assert.equal(result.stderr.trim(), "netkit get: HTTP 404 Not Found");
  assert.deepEqual(readdirSync(dir), [], "neither the file nor a .part");
  const shown = await get([`${peer!.http}/status?code=500&reason=Oops`, "--fail-with-body"]);
  assert.equal(shown.code, 22);
  assert.match(shown.stderr, /error page/);
  // Bun passes the server's reason phrase on; Deno the standard one.
  assert.match(shown.stderr, /HTTP 500 (Oops|Internal Server Error)/);
  assert.equal(shown.stdout, "");
});

test(
  `[${TARGET}] an existing file is never replaced without --force; a bad checksum saves nothing`,
  {
    skip: noPeer(),
  },
  async () => {
    const dir = workDir("clobber");
    writeFileSync(join(dir, "keep.bin"), "precious\n");
    const refused = await get([`${peer!.http}/data`, "-o", "keep.bin"], { cwd: dir });
    assert.equal(refused.code, 111, refused.stderr);
    assert.equal(readFileSync(join(dir, "keep.bin"), "utf8"), "precious\n");

    const wrong = await get(
      [`${peer!.http}/data`, "-o", "keep.bin", "--force", "--sha256", "0".repeat(64)],
      { cwd: dir },
    );
    assert.equal(wrong.code, 110, wrong.stderr);
    assert.match(wrong.stderr, /SHA256 mismatch/);
    assert.equal(readFileSync(join(dir, "keep.bin"), "utf8"), "precious\n");
    assert.deepEqual(readdirSync(dir), ["keep.bin"]);

    const forced = await get([
      `${peer!.http}/data`,
      "-o",
      "keep.bin",
      "--force",
      "--sha256",
      dataSha,
    ], {
      cwd: dir,
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(fileSha(join(dir, "keep.bin")), dataSha);
  },
);

test(`[${TARGET}] -o onto a FIFO or /dev/null writes in place; a symlink stays a symlink`, {
  skip: noPeer("mkfifo"),
}, async () => {
  const dir = workDir("special");
  const fifo = join(dir, "pipe");
  assert.equal((await run(["mkfifo", fifo])).code, 0);
  const reader = run(["sh", "-c", `sha256sum < '${fifo}'`]);
  const written = await get([`${peer!.http}/data`, "-o", fifo], { cwd: dir });
  assert.equal(written.code, 0, written.stderr);
  assert.equal((await reader).stdout.slice(0, 64), dataSha);
  assert.ok(statSync(fifo).isFIFO(), "still a FIFO, not a file renamed over it");

  const devNull = await get([`${peer!.http}/data`, "-o", "/dev/null"]);
  assert.equal(devNull.code, 0, devNull.stderr);
  assert.ok(statSync("/dev/null").isCharacterDevice());
  // A full disk is a write error (23), said in words.
  const full = await get([`${peer!.http}/data`, "-o", "/dev/full"]);
  assert.equal(full.code, 23, full.stderr);
  assert.match(full.stderr, /Cannot write \/dev\/full: no space left on device/);

  writeFileSync(join(dir, "v1.bin"), "old");
  symlinkSync("v1.bin", join(dir, "current.bin"));
  const linked = await get([`${peer!.http}/data`, "-o", "current.bin", "--force"], { cwd: dir });
  assert.equal(linked.code, 0, linked.stderr);
  assert.ok(lstatSync(join(dir, "current.bin")).isSymbolicLink());
  assert.equal(fileSha(join(dir, "v1.bin")), dataSha);
});

test(`[${TARGET}] credentials go only to the host the user named`, { skip: noPeer() }, async () => {
  const same = await get([`${peer!.http}/redirect?to=/echo`, "-u", "ann:secret"]);
  assert.equal(same.code, 0, same.stderr);
  assert.equal(JSON.parse(same.stdout).headers.authorization, `Basic ${btoa("ann:secret")}`);
  const other = peer!.http.replace("127.0.0.1", "localhost");
  const moved = await get([
    `${peer!.http}/redirect?to=${encodeURIComponent(other + "/echo")}`,
    "-u",
    "ann:secret",
  ]);
  assert.equal(moved.code, 0, moved.stderr);
  assert.equal(JSON.parse(moved.stdout).headers.authorization, undefined);
});

/**
 * A Python program that runs its argv with stdout on a pipe set O_NONBLOCK
 * (as a parent can leave it), reads it slowly so the pipe fills, and prints
 * `{ code, bytes, sha256, stderr }`.
 */
const NONBLOCKING_READER = `
import fcntl, hashlib, json, os, subprocess, sys, time
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
child = subprocess.Popen(sys.argv[1:], stdout=w, stderr=subprocess.PIPE)
os.close(w)
digest, count = hashlib.sha256(), 0
time.sleep(0.2)
while chunk := os.read(r, 16384):
    digest.update(chunk)
    count += len(chunk)
    time.sleep(0.002)
stderr = child.stderr.read().decode()
print(json.dumps({"code": child.wait(), "bytes": count, "sha256": digest.hexdigest(), "stderr": stderr}))
`;

test(`[${TARGET}] -o - into a non-blocking pipe whose reader falls behind`, {
  skip: noPeer() || (!HAVE_PYTHON && "needs python3 to make the pipe"),
}, async () => {
  const ran = await run(
    ["python3", "-c", NONBLOCKING_READER, ...netkitArgv(), "get", `${peer!.http}/data`, "-o", "-"],
    { timeoutMs: 30_000 },
  );
  assert.equal(ran.code, 0, ran.stderr);
  const result = JSON.parse(ran.stdout);
  if (TARGET === "deno") {
    // Deno cannot say how much of a write to a full non-blocking stream it took: it stops, loudly.
    assert.equal(result.code, 23, result.stderr);
    assert.match(result.stderr, /Cannot write to standard output: it is non-blocking/);
    assert.ok(result.bytes < dataBytes.length, "never more bytes than the body");
  } else {
    // As a blocking write would: it waits for the reader, and every byte arrives once.
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.bytes, dataBytes.length);
    assert.equal(result.sha256, dataSha);
  }
});

test(`[${TARGET}] the meter is drawn on a terminal unasked, and never into a pipe`, {
  skip: noPeer() || (!have("script") && "needs script(1) (util-linux) for a terminal"),
}, async () => {
  const dir = workDir("terminal");
  const argv = [...netkitArgv(), "get", `${peer!.http}/data`, "-o"];
  const quoted = (args: string[]) => args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  // script(1) gives the command a pseudo-terminal and copies what it shows to its stdout.
  const onTerminal = await run(
    ["script", "-q", "-e", "-c", quoted([...argv, "tty.bin"]), "/dev/null"],
    { cwd: dir },
  );
  assert.equal(onTerminal.code, 0, onTerminal.stdout + onTerminal.stderr);
  assert.match(onTerminal.stdout, /\/ 1\.0 MiB\s+100%/);
  assert.equal(fileSha(join(dir, "tty.bin")), dataSha);

  const intoPipe = await get([`${peer!.http}/data`, "-o", "pipe.bin"], { cwd: dir });
  assert.equal(intoPipe.code, 0, intoPipe.stderr);
  assert.ok(!/%/.test(intoPipe.stderr) && !intoPipe.stderr.includes("\u001b"), intoPipe.stderr);
  assert.equal(fileSha(join(dir, "pipe.bin")), dataSha);
});

test(`[${TARGET}] SIGKILL halfway leaves the old file and a .part that -C completes`, {
  skip: noPeer(),
}, async () => {
  const dir = workDir("kill");
  writeFileSync(join(dir, "k.bin"), "old\n");
  const argv = netkitArgv();
  const child = spawn(argv[0], [
    ...argv.slice(1),
    "get",
    `${peer!.http}/slow`,
    "-o",
    "k.bin",
    "--force",
  ], {
    cwd: dir,
    stdio: "ignore",
  });
  const closed = new Promise((resolve) => child.on("close", resolve));
  try {
    const part = join(dir, "k.bin.part");
    for (let i = 0; i < 200 && !(existsSync(part) && statSync(part).size > 200_000); i++) {
      await sleep(25);
    }
    assert.ok(statSync(part).size > 200_000, "the download got going");
  } finally {
    process.kill(child.pid!, "SIGKILL");
    await closed;
  }
  const kept = statSync(join(dir, "k.bin.part")).size;
  assert.ok(kept > 0 && kept < dataBytes.length, `.part holds ${kept} bytes`);
  // A body this big goes to disk early, its validators first: the .part never lacks them.
  assert.ok(JSON.parse(readFileSync(join(dir, "k.bin.part.json"), "utf8")).url, ".part.json kept");
  assert.equal(readFileSync(join(dir, "k.bin"), "utf8"), "old\n", "the target is the old file");

  const resumed = await get([`${peer!.http}/data`, "-C", "-o", "k.bin", "--json", "--progress"], {
    cwd: dir,
  });
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout);
  assert.equal(summary.resumed_from, kept);
  assert.equal(summary.sha256, dataSha);
  assert.equal(fileSha(join(dir, "k.bin")), dataSha);
  // The meter starts at the resumed offset and knows the whole length.
  assert.match(resumed.stderr, /\/ 1\.0 MiB\s+100%/);
  // The meter's last line ends before "saved", and nothing redraws after it.
  assert.match(
    resumed.stderr,
    // deno-lint-ignore no-control-regex
    /100%[^\r\n]*\u001b\[K\nnetkit get: saved \S*k\.bin \(1\.0 MiB\)\n$/,
  );
});

test(`[${TARGET}] HTTP_PROXY is honoured, and NO_PROXY bypasses it`, {
  skip: noPeer(),
}, async () => {
  const key = `px-${TARGET}`;
  const env = { HTTP_PROXY: peer!.http, http_proxy: peer!.http };
  const proxied = await get(
    [`http://proxied.test/data?key=${key}`, "--sha256", dataSha, "-o", "-"],
    {
      env,
    },
  );
  assert.equal(proxied.code, 0, proxied.stderr);
  const [request] = await (await fetch(`${peer!.http}/seen?of=${key}`)).json();
  assert.equal(request.proxied, true);

  const bypass = await get([`http://proxied.test/data`], {
    env: { ...env, NO_PROXY: "proxied.test", no_proxy: "proxied.test" },
  });
  assert.equal(bypass.code, 6, bypass.stderr);
});

test(
  `[${TARGET}] TLS: an untrusted certificate exits 60; a trusted CA works; -k where the runtime allows`,
  {
    skip: noPeer("openssl"),
  },
  async () => {
    const untrusted = await get([`${peer!.https}/sha256`]);
    assert.equal(untrusted.code, 60, untrusted.stderr);
    assert.match(
      untrusted.stderr,
      /^netkit get: Certificate of 127\.0\.0\.1:\d+ could not be verified/m,
    );

    const trusted = await get([`${peer!.https}/sha256`], {
      env: { DENO_CERT: caFile, NODE_EXTRA_CA_CERTS: caFile },
    });
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal(trusted.stdout, dataSha);

    const insecure = await get([`${peer!.https}/sha256`, "-k"]);
    if (TARGET === "deno") {
      // Deno turns certificate checks off only for a whole process, at start-up.
      assert.equal(insecure.code, 60, insecure.stderr);
      assert.match(insecure.stderr, /--unsafely-ignore-certificate-errors/);
    } else {
      assert.equal(insecure.code, 0, insecure.stderr);
      assert.match(insecure.stderr, /warning: TLS certificates are not verified/);
      assert.equal(insecure.stdout, dataSha);
    }
  },
);

test(`[${TARGET}] exit codes: 6 unresolved, 7 refused, 2 for usage and bad URLs`, async () => {
  const unresolved = await get(["http://netkit-test.invalid/"]);
  assert.equal(unresolved.code, 6, unresolved.stderr);
  assert.match(unresolved.stderr, /Could not resolve host: netkit-test\.invalid/);

  const port = await freePort();
  const refused = await get([`http://127.0.0.1:${port}/`]);
  assert.equal(refused.code, 7, refused.stderr);

  for (
    const args of [
      ["ftp://example.com/x"],
      ["http://"],
      [],
      ["-C", "http://x/"],
      ["--sha256", "xyz", "http://x/"],
      ["-d", "a", "--data-binary", "@b", "http://x/"],
    ]
  ) {
    const bad = await get(args);
    assert.equal(bad.code, 2, `${args.join(" ")}: ${bad.stderr}`);
    assert.equal(bad.stderr.split("\n")[0].startsWith("netkit get: "), true, bad.stderr);
  }
});

test(`[${TARGET}] -I, -i, -v and -d show and send what they say`, { skip: noPeer() }, async () => {
  const head = await get([`${peer!.http}/data`, "-I"]);
  assert.equal(head.code, 0, head.stderr);
  assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head.stdout, /content-length: 1048576/i);

  const include = await get([`${peer!.http}/sha256`, "--include"]);
  assert.match(include.stdout, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n[0-9a-f]{64}$/);

  const verbose = await get([`${peer!.http}/sha256`, "-v", "-H", "X-Test: 1"]);
  assert.match(verbose.stderr, /^> GET \/sha256 HTTP\/1\.1$/m);
  assert.match(verbose.stderr, /^> x-test: 1$/m);
  assert.match(verbose.stderr, /^< HTTP\/1\.1 200/m);

  const post = await get([`${peer!.http}/echo`, "-d", "a=1&b=2", "-A", "probe/1"]);
  const echoed = JSON.parse(post.stdout);
  assert.equal(echoed.method, "POST");
  assert.equal(echoed.body, "a=1&b=2");
  assert.equal(echoed.headers["user-agent"], "probe/1");
  assert.equal(echoed.headers["content-type"], "application/x-www-form-urlencoded");
});
