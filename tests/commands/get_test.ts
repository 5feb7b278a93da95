/**
 * `netkit get` in-process: every flag combination through parseGetArgs,
 * and runGet with a memory context against a server on 127.0.0.1:0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { type GetDownloadPlan, parseGetArgs, runGet } from "../../src/commands/get.ts";
import type { NetAdapter } from "../../src/net/types.ts";
import { main } from "../../main.ts";
import { rawNet } from "../get/_raw_fetch.ts";
import { startServer } from "../get/_server.ts";

const URL_ = "http://127.0.0.1:1/f";
const TEXT = "hello, compressed world\n".repeat(200);
const ENCODERS: Record<string, (bytes: string) => Uint8Array> = {
  gzip: (text) => gzipSync(text),
  deflate: (text) => deflateSync(text),
  "deflate-raw": (text) => deflateRawSync(text),
  br: (text) => brotliCompressSync(text),
};
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

function download(args: string[], env: Record<string, string> = {}): GetDownloadPlan {
  const plan = parseGetArgs(args, env);
  assert.equal(plan.kind, "download");
  return plan as GetDownloadPlan;
}

/** A net whose fetch must never be called: usage errors come first. */
const noNetwork = {
  insecureTls: true,
  insecureTlsHint: "",
  fetch: () => Promise.reject(new Error("usage errors must come before any network access")),
} as unknown as NetAdapter;

test("parseGetArgs() refuses conflicting flags and bad values, naming the flag", () => {
  const cases: [string[], RegExp][] = [
    [["-d", "a", "--data-binary", "@b", URL_], /-d or --data-binary/],
    [["-o", "x", "-O", URL_], /-o and -O/],
    [["-o", "", URL_], /-o needs a file name/],
    [["--remote-name-from-header", URL_], /--remote-name-from-header goes with -O/],
    [["--json", URL_], /--json needs a file/],
    [["-C", URL_], /-C needs a file/],
    [["--force", URL_], /--force goes with a file/],
    [["-I", "-d", "a", URL_], /-I sends no body: drop -d/],
    [["-I", "--data-binary", "@f", URL_], /-I sends no body: drop --data-binary/],
    [["-d", "@", URL_], /-d @ needs a file name/],
    [["--sha256", "xyz", URL_], /--sha256 needs 64 hex digits/],
    [["--sha512", "ab", URL_], /--sha512 needs 128 hex digits/],
    [["-X", "GE T", URL_], /-X must be a method name/],
    [["-H", "no colon", URL_], /--header must be "Name: value"/],
    [["-u", ":pw", URL_], /-u needs a user name/],
    [["-u", "ann", URL_], /-u ann needs a password/],
    [["--retry", "-1", URL_], /--retry/],
    [["--max-redirects", "1.5", URL_], /--max-redirects must be a whole number/],
    [["--connect-timeout", "0", URL_], /--connect-timeout must be a number greater than 0/],
    [["--idle-timeout", "x", URL_], /--idle-timeout/],
    [["--max-time", "1e9", URL_], /--max-time/],
    [["--retry-delay", "601", URL_], /--retry-delay/],
    [["ftp://example.com/x"], /unsupported scheme 'ftp'/],
    [["http://"], /not a URL/],
    [[], /give a URL/],
    [[URL_, URL_], /several URLs need -O \(or -P DIR\)/],
    [["--no-such-flag", URL_], /unknown option '--no-such-flag'/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseGetArgs(args, {}), (e) => {
      assert.ok(e instanceof UsageError, `${args.join(" ")}: ${e}`);
      assert.match(e.message, message, args.join(" "));
      assert.ok(!e.message.includes("\n"), "one line");
      return true;
    });
  }
});

test("get exits 2 for every usage error, before any network or file access", async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-usage-"));
  try {
    for (
      const args of [
        ["-d", "a", "--data-binary", "@b", URL_],
        ["--data-binary", "@missing", "-d", "@missing", URL_],
        ["-o", join(dir, "x"), "-O", URL_],
        ["-I", "-d", "@missing", URL_],
      ]
    ) {
      const { context, output } = memoryContext(noNetwork);
      const code = await main(["get", ...args], context);
      assert.equal(code, EXIT.USAGE, `${args.join(" ")}: ${output.err.join("\n")}`);
      assert.match(output.err[0], /^netkit get: /);
    }
    assert.deepEqual(readdirSync(dir), [], "no file created");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("get exits 26 when the --data-binary file cannot be read, before any request", async () => {
  const { context, output } = memoryContext(noNetwork);
  const code = await main(["get", "--data-binary", "@/nonexistent/netkit-body", URL_], context);
  assert.equal(code, EXIT.READ_ERROR);
  assert.match(
    output.err[0],
    /^netkit get: Cannot read \/nonexistent\/netkit-body: no such file or folder$/,
  );
});

test("parseGetArgs() asks for identity, and decodes only on stdout without a user Accept-Encoding", () => {
  const stdout = download([URL_]);
  assert.equal(stdout.request.decode, true);
  assert.equal(stdout.request.headers.get("accept-encoding"), "identity");
  const file = download([URL_, "-o", "f"]);
  assert.equal(file.request.decode, false);
  assert.equal(file.request.headers.get("accept-encoding"), "identity");
  const chosen = download([URL_, "-H", "Accept-Encoding: gzip"]);
  assert.equal(chosen.request.decode, false);
  assert.equal(chosen.request.headers.get("accept-encoding"), "gzip");
});

test("parseGetArgs() reads -u with the one credentials rule", () => {
  const basic = (plan: GetDownloadPlan) => plan.request.headers.get("authorization");
  assert.equal(basic(download(["-u", "ann:a:b", URL_])), `Basic ${btoa("ann:a:b")}`);
  assert.equal(basic(download(["-u", "ann:", URL_])), `Basic ${btoa("ann:")}`, "empty password");
  assert.equal(
    basic(download(["-u", "ann", URL_], { NETKIT_GET_PASSWORD: "pw" })),
    `Basic ${btoa("ann:pw")}`,
  );
});

test("parseGetArgs() builds the request: method, body source, form type, rules", () => {
  const post = download(["-d", "@form.txt", URL_, "--retry", "3", "--max-time", "2.5"]);
  assert.equal(post.request.method, "POST");
  assert.deepEqual(post.body, { path: "form.txt", dropLineBreaks: true });
  assert.equal(post.request.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.equal(post.request.retries, 3);
  assert.equal(post.request.maxTimeMs, 2500);
  const binary = download(["--data-binary", "raw", "-X", "put", URL_]);
  assert.equal(binary.request.method, "PUT");
  assert.deepEqual(binary.body, { text: "raw" });
  assert.equal(binary.request.headers.has("content-type"), false);
  const resume = download(["-C", "-", "-O", "--json", URL_]);
  assert.deepEqual(resume.output, {
    to: "file",
    path: undefined,
    force: false,
    resume: true,
    fromHeader: false,
  });
  assert.deepEqual(resume.hashNames, ["sha256"], "--json reports a SHA-256");
  assert.equal(download(["-I", URL_]).request.method, "HEAD");
  assert.deepEqual(parseGetArgs(["--help"], {}), { kind: "help" });
});

/** A server that compresses with ?coding= when asked, or always with &force. */
function codingServer() {
  return startServer((request, response) => {
    const url = new URL(request.url!, "http://x");
    const coding = url.searchParams.get("coding") ?? "gzip";
    const accepted = String(request.headers["accept-encoding"] ?? "");
    const wire = coding === "deflate-raw" ? "deflate" : coding;
    if (url.searchParams.has("force") || accepted.includes(wire)) {
      const body = ENCODERS[coding](TEXT);
      response.writeHead(200, { "content-encoding": wire, "content-length": body.length });
      response.end(body);
    } else {
      response.writeHead(200, { "content-length": Buffer.byteLength(TEXT) });
      response.end(TEXT);
    }
  });
}

test("runGet() writes the body on stdout via writeOut, decoding gzip, deflate, raw deflate and br", async () => {
  await using server = await codingServer();
  for (const coding of Object.keys(ENCODERS)) {
    const { context, output } = memoryContext(rawNet());
    const code = await runGet(parseGetArgs([`${server.base}/?coding=${coding}`], {}), context);
    assert.equal(code, EXIT.OK, `${coding}: ${output.err.join("\n")}`);
    assert.equal(new TextDecoder().decode(output.bytes()), TEXT, coding);
  }
  assert.ok(server.seen.every((h) => h["accept-encoding"] === "identity"));
});

test("runGet() hands over the server's bytes when the user sets Accept-Encoding", async () => {
  await using server = await codingServer();
  for (const coding of Object.keys(ENCODERS)) {
    const wire = coding === "deflate-raw" ? "deflate" : coding;
    const { context, output } = memoryContext(rawNet());
    const url = `${server.base}/?coding=${coding}`;
    const code = await runGet(parseGetArgs([url, "-H", `Accept-Encoding: ${wire}`], {}), context);
    assert.equal(code, EXIT.OK, `${coding}: ${output.err.join("\n")}`);
    assert.deepEqual(output.bytes(), new Uint8Array(ENCODERS[coding](TEXT)), coding);
  }
});

test("runGet() saves a file with the bytes as sent and the checksum over them", async () => {
  await using server = await codingServer();
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-coded-"));
  try {
    for (const coding of Object.keys(ENCODERS)) {
      for (const userSet of [false, true]) {
        const wire = coding === "deflate-raw" ? "deflate" : coding;
        const sent = ENCODERS[coding](TEXT);
        const path = join(dir, `${coding}-${userSet}`);
        const args = [
          `${server.base}/?coding=${coding}&force`,
          "-o",
          path,
          "--sha256",
          sha256(sent),
        ];
        if (userSet) args.push("-H", `Accept-Encoding: ${wire}`);
        const { context, output } = memoryContext(rawNet());
        const code = await runGet(parseGetArgs(args, {}), context);
        assert.equal(code, EXIT.OK, `${path}: ${output.err.join("\n")}`);
        assert.deepEqual(new Uint8Array(readFileSync(path)), new Uint8Array(sent), path);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runGet() -o FOLDER says it is a folder (23); --force names the file as given in --json", async () => {
  await using server = await startServer((_, response) => response.end("body"));
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-target-"));
  try {
    mkdirSync(join(dir, "folder"));
    const toFolder = memoryContext(rawNet());
    const code = await runGet(
      parseGetArgs([`${server.base}/`, "-o", join(dir, "folder")], {}),
      toFolder.context,
    );
    assert.equal(code, EXIT.WRITE_ERROR);
    assert.match(toFolder.output.err.join("\n"), /folder: it is a folder/);
    assert.doesNotMatch(toFolder.output.err.join("\n"), /--force/, "no advice that cannot work");

    // The path as given (not resolved) in --json whether the file was new or replaced.
    const path = `${dir}/folder/../f.txt`;
    writeFileSync(path, "old");
    const replaced = memoryContext(rawNet());
    const args = [`${server.base}/`, "-o", path, "--force", "--json", "-s"];
    assert.equal(await runGet(parseGetArgs(args, {}), replaced.context), EXIT.OK);
    assert.equal(JSON.parse(replaced.output.out.join("")).path, path);
    assert.equal(readFileSync(path, "utf8"), "body");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runGet() on a terminal ends the meter before 'saved', leaving one clean line", async () => {
  await using server = await startServer((_, response) => {
    response.writeHead(200, { "content-length": 3000 });
    response.end("x".repeat(3000));
  });
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-meter-"));
  try {
    const { context, output } = memoryContext(rawNet(), { stderrIsTerminal: true });
    const path = join(dir, "f.txt");
    const code = await runGet(parseGetArgs([`${server.base}/f.txt`, "-o", path], {}), context);
    assert.equal(code, EXIT.OK, output.err.join("\n"));
    const saved = output.err.findIndex((text) => text.startsWith("netkit get: saved "));
    assert.equal(saved, output.err.length - 1, "saved is the last thing said");
    assert.equal(output.err[saved - 1], "\n", "the meter's line ended just before it");
    // deno-lint-ignore no-control-regex
    assert.match(output.err[saved - 2], /^\r\s*2\.9 KiB \/ 2\.9 KiB\s+100%.*\u001b\[K$/);
    assert.ok(existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runGet() shows no meter off a terminal unless --progress, and none with -s", async () => {
  await using server = await startServer((_, response) => response.end("body"));
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-quiet-"));
  try {
    const runs: [string[], boolean][] = [[[], false], [["--progress"], true], [
      ["--progress", "-s"],
      false,
    ]];
    for (const [flags, meter] of runs) {
      const path = join(dir, `f${flags.length}`);
      const { context, output } = memoryContext(rawNet());
      const code = await runGet(parseGetArgs([server.base, "-o", path, ...flags], {}), context);
      assert.equal(code, EXIT.OK);
      assert.equal(output.err.some((text) => text.startsWith("\r")), meter, flags.join(" "));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runGet() drops a meter stderr no longer takes, and saves the file all the same", async () => {
  await using server = await startServer((_, response) => response.end("x".repeat(3000)));
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-meter-gone-"));
  try {
    const { context, output } = memoryContext(rawNet());
    let tries = 0;
    const broken = {
      ...context,
      writeErr: () => {
        tries++;
        throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
      },
    };
    const path = join(dir, "f.txt");
    const code = await runGet(parseGetArgs([server.base, "-o", path, "--progress"], {}), broken);
    assert.equal(code, EXIT.OK, output.err.join("\n"));
    assert.equal(readFileSync(path, "utf8"), "x".repeat(3000));
    assert.equal(tries, 1, "tried once, then left alone");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("runGet() prints the head with --include through writeOut, before the body", async () => {
  await using server = await startServer((_, response) => {
    response.writeHead(200, { "x-probe": "1" });
    response.end("body");
  });
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(parseGetArgs([server.base, "--include"], {}), context);
  assert.equal(code, EXIT.OK);
  const text = new TextDecoder().decode(output.bytes());
  assert.match(
    text,
    /^HTTP\/1\.1 200 OK\r\n(?:[^\r\n]+\r\n)*x-probe: 1\r\n(?:[^\r\n]+\r\n)*\r\nbody$/,
  );
});

test("runGet() --json prints a row when the download fails too: ok false, the exit code, the error", async () => {
  await using server = await startServer((request, response) => {
    if (request.url === "/missing") response.writeHead(404).end("no");
    else response.end("body");
  });
  const dir = mkdtempSync(join(tmpdir(), "netkit-get-json-"));
  try {
    const missing = memoryContext(rawNet());
    const args = [`${server.base}/missing`, "-o", join(dir, "m.txt"), "--json", "-s"];
    assert.equal(await runGet(parseGetArgs(args, {}), missing.context), EXIT.HTTP_ERROR);
    assert.deepEqual(JSON.parse(missing.output.out.join("")), {
      url: `${server.base}/missing`,
      ok: false,
      exit: EXIT.HTTP_ERROR,
      error: "HTTP 404 Not Found",
    });

    // A checksum mismatch: the row, and the words say whether a file was there before.
    const wrong = "0".repeat(64);
    const fresh = memoryContext(rawNet());
    const path = join(dir, "new.txt");
    const freshArgs = [`${server.base}/`, "-o", path, "--sha256", wrong, "--json", "-s"];
    assert.equal(await runGet(parseGetArgs(freshArgs, {}), fresh.context), EXIT.CHECKSUM_MISMATCH);
    const row = JSON.parse(fresh.output.out.join(""));
    assert.equal(row.ok, false);
    assert.equal(row.exit, EXIT.CHECKSUM_MISMATCH);
    assert.match(row.error, /^SHA256 mismatch: expected 0{64}, got [0-9a-f]{64}$/);
    assert.match(fresh.output.err.at(-1)!, /got [0-9a-f]{64}; nothing saved$/);
    assert(!existsSync(path), "no file appeared");

    writeFileSync(path, "old");
    const kept = memoryContext(rawNet());
    const keptArgs = [`${server.base}/`, "-o", path, "--force", "--sha256", wrong, "-s"];
    assert.equal(await runGet(parseGetArgs(keptArgs, {}), kept.context), EXIT.CHECKSUM_MISMATCH);
    assert.match(kept.output.err.at(-1)!, /new\.txt left untouched, nothing saved$/);
    assert.equal(readFileSync(path, "utf8"), "old");

    const saved = memoryContext(rawNet());
    const savedArgs = [`${server.base}/`, "-o", join(dir, "ok.txt"), "--json", "-s"];
    assert.equal(await runGet(parseGetArgs(savedArgs, {}), saved.context), EXIT.OK);
    assert.equal(JSON.parse(saved.output.out.join("")).ok, true);

    // A --cacert that cannot be read fails before the request: still a row.
    const noCa = memoryContext(rawNet());
    const caArgs = [`${server.base}/`, "--cacert", join(dir, "none.pem"), "-O", "--json", "-s"];
    assert.equal(await runGet(parseGetArgs(caArgs, {}), noCa.context), EXIT.CA_CERT_FILE);
    assert.deepEqual(JSON.parse(noCa.output.out.join("")), {
      url: `${server.base}/`,
      ok: false,
      exit: EXIT.CA_CERT_FILE,
      error: `Cannot read --cacert ${join(dir, "none.pem")}: no such file or folder`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
