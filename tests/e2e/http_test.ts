/**
 * End-to-end: serve-http (under the test runtime, or NETKIT_BIN) against
 * clients nobody here wrote: curl, wget, Python's urllib.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  peerSkip,
  run,
  runNetkit,
  type RunningServer,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";

let root = "";
let server: RunningServer;
let base = "";

before(async () => {
  root = mkdtempSync(join(tmpdir(), "netkit-e2e-http-"));
  writeFileSync(join(root, "hello.txt"), "hello, world\n");
  writeFileSync(join(root, "digits.txt"), "0123456789");
  writeFileSync(join(root, "page.html"), "<p>" + "text ".repeat(2000) + "</p>\n");
  writeFileSync(join(root, "app.js"), "console.log('plain');\n".repeat(100));
  writeFileSync(join(root, "app.js.gz"), gzipSync("console.log('plain');\n".repeat(100)));
  writeFileSync(join(root, ".env"), "SECRET=1\n");
  mkdirSync(join(root, "tree", "deep"), { recursive: true });
  writeFileSync(join(root, "tree", "one.txt"), "one\n");
  writeFileSync(join(root, "tree", "space name.txt"), "two\n");
  writeFileSync(
    join(root, "tree", "deep", "three.bin"),
    new Uint8Array(70_000).map((_, i) => i * 7),
  );
  server = await startNetkit([
    "serve-http",
    root,
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--log",
    "off",
  ], {
    expect: ["http" as "tcp"],
  });
  base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
});

after(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The skip of a test that needs curl. */
const noCurl = () => peerSkip("curl");

async function curl(args: string[]) {
  const result = await run(["curl", "-sS", ...args]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

test(`[${TARGET}] curl gets a file, its headers on HEAD, and 404 for a missing one`, {
  skip: noCurl(),
}, async () => {
  assert.equal(await curl([`${base}/hello.txt`]), "hello, world\n");
  const head = await curl(["-I", `${base}/hello.txt`]);
  assert.match(head, /^HTTP\/1\.1 200/);
  assert.match(head, /content-length: 13/i);
  assert.match(head, /etag: "/i);
  assert.equal(await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}/nope`]), "404");
});

test(`[${TARGET}] curl -r gets ranges (206) and 416 past the end`, { skip: noCurl() }, async () => {
  assert.equal(await curl(["-r", "2-4", `${base}/digits.txt`]), "234");
  assert.equal(await curl(["-r", "-3", `${base}/digits.txt`]), "789");
  assert.equal(
    await curl(["-r", "50-", "-o", "/dev/null", "-w", "%{http_code}", `${base}/digits.txt`]),
    "416",
  );
});

test(`[${TARGET}] curl -z and If-None-Match get 304`, { skip: noCurl() }, async () => {
  const etag = /etag: ("[^"]+")/i.exec(await curl(["-I", `${base}/hello.txt`]))![1];
  const status = (args: string[]) => curl(["-o", "/dev/null", "-w", "%{http_code}", ...args]);
  assert.equal(await status(["-H", `If-None-Match: ${etag}`, `${base}/hello.txt`]), "304");
  assert.equal(await status(["-z", "Tue, 01 Jan 2099 00:00:00 GMT", `${base}/hello.txt`]), "304");
  assert.equal(await status(["-z", "Tue, 01 Jan 2000 00:00:00 GMT", `${base}/hello.txt`]), "200");
});

test(`[${TARGET}] curl revalidates a gzip response and a precompressed sibling with 304`, {
  skip: noCurl(),
}, async () => {
  const status = (args: string[]) => curl(["-o", "/dev/null", "-w", "%{http_code}", ...args]);
  const gzip = ["-H", "Accept-Encoding: gzip"];
  for (const path of ["/page.html", "/app.js"]) {
    const head = await curl([...gzip, "-D", "-", "-o", "/dev/null", `${base}${path}`]);
    assert.match(head, /content-encoding: gzip/i, path);
    const etag = /etag: (\S+)/i.exec(head)![1];
    assert.match(etag, /-gzip"$/, path);
    assert.equal(await status([...gzip, "-H", `If-None-Match: ${etag}`, `${base}${path}`]), "304");
    const again = await curl([
      ...gzip,
      "-H",
      `If-None-Match: ${etag}`,
      "-D",
      "-",
      "-o",
      "/dev/null",
      `${base}${path}`,
    ]);
    assert.match(again, /^HTTP\/1\.1 304/);
    assert.equal(/etag: (\S+)/i.exec(again)?.[1], etag, "the 304 carries the same ETag");
    assert.match(again, /vary: accept-encoding/i, "and the same Vary");
  }
});

test(`[${TARGET}] an HTTP/1.0 request without Host is answered like any other`, {
  skip: noCurl(),
}, async () => {
  // curl -H 'Host:' leaves the header out: the request a person types into nc.
  assert.equal(await curl(["--http1.0", "-H", "Host:", `${base}/hello.txt`]), "hello, world\n");
  const port = (server.ports as Record<string, number>).http;
  const answer = await new Promise<string>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1").on("data", (d: string) => (text += d));
    socket.on("error", () => {});
    socket.on("close", () => resolve(text));
    setTimeout(() => socket.destroy(), 5000);
    socket.write("GET / HTTP/1.0\r\n\r\n");
  });
  assert.match(answer, /^HTTP\/1\.[01] 200 /);
});

test(`[${TARGET}] serve-http --auth logs the user name curl -u authenticated as`, {
  skip: noCurl(),
}, async () => {
  await using own = await startNetkit(
    ["serve-http", root, "--host", "127.0.0.1", "--port", "0", "--auth", "ann:pw:1"],
    { expect: ["http" as "tcp"] },
  );
  const ownBase = `http://127.0.0.1:${(own.ports as Record<string, number>).http}`;
  const status = (args: string[]) => curl(["-o", "/dev/null", "-w", "%{http_code}", ...args]);
  assert.equal(await status(["-u", "ann:pw:1", `${ownBase}/hello.txt`]), "200");
  assert.equal(await status(["-u", "ann:wrong", `${ownBase}/digits.txt`]), "401");
  await own.stop("SIGTERM");
  assert.match(own.stdout(), / - ann \[[^\]]+\] "GET \/hello\.txt HTTP\/1\.1" 200 13/);
  assert.match(own.stdout(), / - - \[[^\]]+\] "GET \/digits\.txt HTTP\/1\.1" 401/);
});

test(
  `[${TARGET}] curl --compressed gets gzip and decodes it to the file`,
  { skip: noCurl() },
  async () => {
    const headers = await curl(["--compressed", "-D", "-", "-o", "/dev/null", `${base}/page.html`]);
    assert.match(headers, /content-encoding: gzip/i);
    assert.equal(
      await curl(["--compressed", `${base}/page.html`]),
      readFileSync(join(root, "page.html"), "utf8"),
    );
  },
);

test(
  `[${TARGET}] curl --path-as-is traversal attempts never leave the folder`,
  { skip: noCurl() },
  async () => {
    for (
      const path of [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc/passwd",
        "/tree/..%5c..%5c..%5cetc/passwd",
        "/.env",
        "/%2eenv",
        "//etc/passwd",
      ]
    ) {
      const out = await curl(["--path-as-is", "-o", "-", "-w", "\n%{http_code}", `${base}${path}`]);
      const status = out.trim().split("\n").at(-1)!;
      assert.ok(["400", "404"].includes(status), `${path}: ${status}`);
      assert.doesNotMatch(out, /root:|SECRET/, path);
    }
  },
);

test(`[${TARGET}] wget -r mirrors a tree into byte-identical files`, {
  skip: peerSkip("wget"),
}, async () => {
  const into = mkdtempSync(join(tmpdir(), "netkit-wget-"));
  try {
    const result = await run([
      "wget",
      "-q",
      "-r",
      "-np",
      "-nH",
      "-e",
      "robots=off",
      "-P",
      into,
      `${base}/tree/`,
    ], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    for (const file of ["tree/one.txt", "tree/space name.txt", "tree/deep/three.bin"]) {
      assert.deepEqual(readFileSync(join(into, file)), readFileSync(join(root, file)), file);
    }
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
});

test(`[${TARGET}] Python's urllib reads a file, a range and a JSON listing`, {
  skip: peerSkip("python3"),
}, async () => {
  const script = `
import json, sys, urllib.request
base = sys.argv[1]
print(urllib.request.urlopen(base + "/hello.txt").read().decode(), end="")
r = urllib.request.urlopen(urllib.request.Request(base + "/digits.txt", headers={"Range": "bytes=3-5"}))
print(r.status, r.read().decode())
listing = json.load(urllib.request.urlopen(urllib.request.Request(base + "/tree/", headers={"Accept": "application/json"})))
print(",".join(e["name"] for e in listing))
try:
    urllib.request.urlopen(base + "/nope")
except urllib.error.HTTPError as e:
    print(e.code)
`;
  const result = await run(["python3", "-c", script, base]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "hello, world\n206 345\ndeep,one.txt,space name.txt\n404\n");
});

test(
  `[${TARGET}] a 1 GiB file downloads with the right SHA-256 while the server's memory stays flat`,
  {
    skip: noCurl(),
    timeout: 180_000,
  },
  async () => {
    const path = join(root, "huge.bin");
    const file = await open(path, "w");
    try {
      // Sparse, with a few written blocks so the hash is not of zeros only.
      for (const offset of [0, 123_456_789, 1024 ** 3 - 4096]) {
        await file.write(new Uint8Array(4096).fill(offset % 251), 0, 4096, offset);
      }
    } finally {
      await file.close();
    }
    const expected = await new Promise<string>((resolve, reject) => {
      const hash = createHash("sha256");
      createReadStream(path).on("data", (d) => hash.update(d)).on(
        "end",
        () => resolve(hash.digest("hex")),
      )
        .on("error", reject);
    });
    const rss = () => {
      const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    };
    const before = rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss())), 100);
    try {
      const result = await run(["sh", "-c", `curl -sS --fail ${base}/huge.bin | sha256sum`], {
        timeoutMs: 170_000,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.split(" ")[0], expected);
    } finally {
      clearInterval(sampler);
      rmSync(path, { force: true });
    }
    assert.ok(
      peak - before < 100,
      `RSS grew from ${before.toFixed(0)} to ${peak.toFixed(0)} MiB during a 1 GiB download`,
    );
  },
);

test(`[${TARGET}] 1,000 idle and half-sent connections do not stop the server answering others`, {
  skip: noCurl(),
  timeout: 60_000,
}, async () => {
  const port = (server.ports as Record<string, number>).http;
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < 1000; i++) {
      const socket = net.connect(port, "127.0.0.1");
      socket.on("error", () => {});
      // Half of them send half a request head and stall; half send nothing.
      if (i % 2) socket.write("GET /hello.txt HTTP/1.1\r\nHost: x\r\n");
      sockets.push(socket);
      if (i % 100 === 99) await sleep(20);
    }
    await sleep(500);
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      assert.equal(await curl(["--max-time", "5", `${base}/hello.txt`]), "hello, world\n");
      assert.ok(performance.now() - started < 2000, "answered promptly");
    }
  } finally {
    for (const socket of sockets) socket.destroy();
  }
});

test(`[${TARGET}] serve-http on a busy port, a missing folder, bad flags: one line, exit 1 or 2`, async () => {
  const port = String((server.ports as Record<string, number>).http);
  const busy = await runNetkit(["serve-http", root, "--host", "127.0.0.1", "--port", port]);
  assert.equal(busy.code, 1);
  assert.match(
    busy.stderr,
    /^netkit serve-http: cannot listen on 127\.0\.0\.1:\d+: port \d+ is already in use; pick another with --port 8080/,
  );
  assert.equal(busy.stderr.trim().split("\n").length, 1, busy.stderr);
  const missing = await runNetkit(["serve-http", join(root, "no-such-folder"), "--port", "0"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot serve .*no-such-folder: no such file or folder/);
  for (
    const args of [
      ["--header", "no colon"],
      ["--log", "loud"],
      ["--cache", "-1"],
      ["--tls-cert", "x.pem"],
      ["--auth", "ann"],
      ["a", "b"],
    ]
  ) {
    const result = await runNetkit(["serve-http", ...args], { env: { NETKIT_HTTP_PASSWORD: "" } });
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});

test(`[${TARGET}] serve-http on SIGTERM lets a response in flight finish, then exits 0`, {
  skip: noCurl(),
}, async () => {
  const own = await startNetkit(["serve-http", root, "--host", "127.0.0.1", "--port", "0"], {
    expect: ["http" as "tcp"],
  });
  const ownBase = `http://127.0.0.1:${(own.ports as Record<string, number>).http}`;
  // A slow reader keeps a 1 GiB-ish response in flight... use a throttled curl instead.
  writeFileSync(join(root, "medium.bin"), new Uint8Array(4 * 1024 * 1024));
  const download = run([
    "curl",
    "-sS",
    "--limit-rate",
    "4M",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code} %{size_download}",
    `${ownBase}/medium.bin`,
  ]);
  await sleep(300);
  const { code } = await own.stop("SIGTERM");
  const result = await download;
  assert.equal(code, 0, own.stderr());
  assert.equal(result.stdout, `200 ${4 * 1024 * 1024}`, result.stderr);
  assert.match(own.stderr(), /SIGTERM: finishing responses in flight/);
  assert.match(own.stdout(), /"GET \/medium\.bin HTTP\/1\.1" 200 4194304/);
});

test(`[${TARGET}] serve-http --tls-cert/--tls-key serves HTTPS that curl verifies`, {
  skip: peerSkip("curl", "openssl"),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-tls-"));
  try {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const made = await run([
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ]);
    assert.equal(made.code, 0, made.stderr);
    await using tls = await startNetkit(
      [
        "serve-http",
        root,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
      ],
      { expect: ["https" as "tcp"] },
    );
    const port = (tls.ports as Record<string, number>).https;
    assert.equal(
      await curl(["--cacert", cert, `https://127.0.0.1:${port}/hello.txt`]),
      "hello, world\n",
    );
    const plain = await run([
      "curl",
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `https://127.0.0.1:${port}/hello.txt`,
    ]);
    assert.notEqual(plain.code, 0, "an unknown CA is refused by curl's default verification");
    const bad = await runNetkit([
      "serve-http",
      root,
      "--port",
      "0",
      "--tls-cert",
      key,
      "--tls-key",
      key,
    ]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`[${TARGET}] serve-http goes on serving when the access log's reader closes the pipe`, async () => {
  const logged = await startNetkit(["serve-http", root, "--host", "127.0.0.1", "--port", "0"], {
    expect: ["http" as "tcp"],
  });
  try {
    const url = `http://127.0.0.1:${(logged.ports as Record<string, number>).http}/hello.txt`;
    // The log's reader goes away: every later write to stdout meets EPIPE.
    logged.child.stdout!.destroy();
    for (let i = 0; i < 4; i++) {
      const response = await fetch(url);
      assert.equal(await response.text(), "hello, world\n", `request ${i}`);
      await sleep(400); // past the log's 100 ms batch timer: a write is tried between requests
    }
    assert.equal(logged.child.exitCode, null, `still running; stderr:\n${logged.stderr()}`);
    const said = logged.stderr().match(/access log off: cannot write standard output/g) ?? [];
    assert.equal(said.length, 1, logged.stderr());
  } finally {
    await logged.stop();
  }
});
