/**
 * `get` with many URLs, in-process: parseGetArgs' many-file plans, and
 * runMany with a memory context against a server on 127.0.0.1:0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../../src/cli/args.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { EXIT } from "../../src/cli/exit_codes.ts";
import { parseGetArgs, runGet } from "../../src/commands/get.ts";
import type { GetManyPlan } from "../../src/get/many.ts";
import { rawNet } from "./_raw_fetch.ts";
import { startServer } from "./_server.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function many(args: string[]): GetManyPlan {
  const plan = parseGetArgs(args, {});
  assert.equal(plan.kind, "many");
  return plan as GetManyPlan;
}

function tempDir(): { path: string } & Disposable {
  const path = mkdtempSync(join(tmpdir(), "netkit-many-"));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Serves `/NAME` as "body of NAME"; `/missing*` is 404 (after 300 ms for
 * `/missing-late`); `/slow*` sends 8 of 100 bytes, the rest after `slowMs`.
 */
function files(slowMs = 0) {
  return startServer((request, response) => {
    const name = request.url!.slice(1);
    if (name.startsWith("missing")) {
      setTimeout(() => response.writeHead(404).end("no"), name.endsWith("late") ? 300 : 0);
      return;
    }
    const send = () =>
      response.writeHead(200, { "content-type": "text/plain" }).end(`body of ${name}`);
    if (name.startsWith("slow")) {
      response.writeHead(200, { "content-length": "100" });
      response.write("partial ");
      setTimeout(() => response.end("x".repeat(92)), slowMs);
    } else send();
  });
}

test("parseGetArgs() makes a many-file plan of several URLs, -i, -P or --checksums", () => {
  const a = "http://h.test/a";
  assert.deepEqual(many(["-O", a, "http://h.test/b"]).items.map((i) => i.url.href), [
    a,
    "http://h.test/b",
  ]);
  assert.equal(many(["-i", "list.txt"]).inputFile, "list.txt");
  assert.equal(many(["-i", "-"]).inputFile, "-");
  assert.equal(many(["-P", "out", a]).outputDir, "out");
  assert.equal(many(["--checksums", "SUMS", "-O", a]).checksums, "SUMS");
  assert.equal(many(["-O", a, a + "2"]).parallel, 4, "--parallel defaults to 4");
  assert.equal(many(["--parallel", "8", "-O", a, a + "2"]).parallel, 8);
  assert.equal(many(["--fail-fast", "-O", a, a + "2"]).failFast, true);
  assert.equal(many(["--keep-going", "-O", a, a + "2"]).failFast, false);
  assert.equal(many(["-O", a, a + "2"]).request.headers.get("accept-encoding"), "identity");
  assert.deepEqual(many(["--checksums", "S", "-o", "x.iso", a]).items[0].out, "x.iso");
  assert.equal(
    parseGetArgs(["--include", a], {}).kind,
    "download",
    "--include is the long name now",
  );
});

test("parseGetArgs() refuses flags that do not fit a many-file run, naming them", () => {
  const a = "http://h.test/a";
  const cases: [string[], RegExp][] = [
    [[a, a + "2"], /several URLs need -O/],
    [["-o", "x", a, a + "2"], /-o names one file/],
    [
      ["-O", "--sha256", "0".repeat(64), a, a + "2"],
      /--sha256 \(use --checksums\) goes with one URL/,
    ],
    [["-O", "-I", a, a + "2"], /-I goes with one URL/],
    [["-O", "-d", "x", a, a + "2"], /-d goes with one URL/],
    [["-O", "--fail-fast", "--keep-going", a, a + "2"], /pick one/],
    [["-O", "--checksums-optional", a, a + "2"], /goes with --checksums/],
    [["-O", "--parallel", "0", a, a + "2"], /--parallel/],
    [["-O", "--parallel", "65", a, a + "2"], /--parallel/],
    [["-O", a, "ftp://h.test/b"], /unsupported scheme/],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseGetArgs(args, {}),
      (e) => e instanceof UsageError && message.test(e.message),
      args.join(" "),
    );
  }
});

test("runGet() with -i saves every URL byte-exact, out= names honoured, one JSON object each plus totals", async () => {
  await using server = await files();
  using dir = tempDir();
  const list = join(dir.path, "list.txt");
  writeFileSync(
    list,
    `${server.base}/one.txt\n  out=renamed.txt\n${server.base}/two.txt\n  dir=sub\n${server.base}/three.txt\n`,
  );
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(
    many(["-i", list, "-P", join(dir.path, "out"), "--json", "--parallel", "2"]),
    context,
  );
  assert.equal(code, EXIT.OK, output.err.join("\n"));
  const out = join(dir.path, "out");
  assert.equal(readFileSync(join(out, "renamed.txt"), "utf8"), "body of one.txt");
  assert.equal(readFileSync(join(out, "sub", "two.txt"), "utf8"), "body of two.txt");
  assert.equal(readFileSync(join(out, "three.txt"), "utf8"), "body of three.txt");
  const objects = output.out.map((line) => JSON.parse(line));
  assert.equal(objects.length, 4);
  for (const file of objects.slice(0, 3)) {
    assert.equal(file.ok, true);
    assert.equal(file.sha256, sha256(readFileSync(file.path, "utf8")));
  }
  assert.deepEqual({ ...objects[3], seconds: 0 }, {
    files: 3,
    saved: 3,
    failed: 0,
    cancelled: 0,
    bytes: ["one.txt", "two.txt", "three.txt"].reduce((n, f) => n + `body of ${f}`.length, 0),
    seconds: 0,
    exit: 0,
  });
});

test("runGet() with many URLs: a failing one gives its exit code, the others still land", async () => {
  await using server = await files();
  using dir = tempDir();
  const urls = ["a", "missing", "b", "c"].map((n) => `${server.base}/${n}`);
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(many(["-P", dir.path, ...urls]), context);
  assert.equal(code, EXIT.HTTP_ERROR);
  assert.deepEqual(readdirSync(dir.path).sort(), ["a", "b", "c"]);
  assert.ok(
    output.err.some((line) => line.includes(`${server.base}/missing: `)),
    output.err.join("\n"),
  );
  assert.match(output.err.at(-1)!, /3 of 4 files saved .*1 failed; exit 22, from .*\/missing/);
});

test("runGet() exit status is the first failure in input order, not the first in time", async () => {
  await using server = await startServer((request, response) => {
    // The first URL fails late with 404 (22), the second at once: a redirect loop (47).
    if (request.url === "/late") setTimeout(() => response.writeHead(404).end(), 300);
    else response.writeHead(302, { location: "/soon" }).end();
  });
  using dir = tempDir();
  const { context, output } = memoryContext(rawNet());
  const args = [
    "-P",
    dir.path,
    "--max-redirects",
    "1",
    `${server.base}/late`,
    `${server.base}/soon`,
  ];
  assert.equal(await runGet(many(args), context), EXIT.HTTP_ERROR);
  const soon = output.err.findIndex((line) => line.includes("/soon: Too many redirects"));
  const late = output.err.findIndex((line) => line.includes("/late: "));
  assert.ok(soon >= 0 && soon < late, `the second URL failed first: ${output.err.join("\n")}`);
});

test("runGet() --fail-fast cancels the rest at the first failure, and keeps their .part for -C", async () => {
  await using server = await files(5000);
  using dir = tempDir();
  const { context, output } = memoryContext(rawNet());
  const urls = [
    `${server.base}/slow.bin`,
    `${server.base}/missing-late`,
    `${server.base}/later.txt`,
  ];
  const started = performance.now();
  const code = await runGet(
    many(["-P", dir.path, "--fail-fast", "--parallel", "2", "--json", ...urls]),
    context,
  );
  assert.equal(code, EXIT.HTTP_ERROR);
  assert.ok(performance.now() - started < 4000, "the slow transfer was cancelled, not waited for");
  assert.deepEqual(readdirSync(dir.path).sort(), ["slow.bin.part", "slow.bin.part.json"]);
  assert.equal(readFileSync(join(dir.path, "slow.bin.part"), "utf8"), "partial ");
  const objects = output.out.map((line) => JSON.parse(line));
  assert.deepEqual(objects.at(-1).cancelled, 2);
  assert.deepEqual(objects.at(-1).failed, 1);
  assert.ok(!existsSync(join(dir.path, "later.txt")), "not started after the failure");
});

test("runGet() refuses two URLs that would save one file, before any download", async () => {
  using dir = tempDir();
  const { context } = memoryContext(rawNet());
  await assert.rejects(
    runGet(many(["-P", dir.path, "http://h.test/a/x.txt", "http://h.test/b/x.txt"]), context),
    (e) => e instanceof UsageError && /would both save .*x\.txt/.test(e.message),
  );
});

test("runGet() --checksums: a file without a line is an error unless --checksums-optional; a mismatch saves nothing", async () => {
  await using server = await files();
  using dir = tempDir();
  const sums = join(dir.path, "SHA256SUMS");
  writeFileSync(
    sums,
    `${sha256("body of good.txt")}  good.txt\nSHA256 (bad.txt) = ${sha256("other")}\n`,
  );
  const out = join(dir.path, "out");
  const urls = ["good.txt", "bad.txt", "unlisted.txt"].map((n) => `${server.base}/${n}`);
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(many(["-P", out, "--checksums", sums, ...urls]), context);
  assert.equal(code, EXIT.CHECKSUM_MISMATCH);
  assert.deepEqual(
    readdirSync(out),
    ["good.txt"],
    "nothing of a mismatch or an unlisted file is left",
  );
  assert.ok(
    output.err.some((l) => /bad\.txt: SHA256 mismatch: expected/.test(l)),
    output.err.join("\n"),
  );
  assert.ok(output.err.some((l) => /has no line for unlisted\.txt/.test(l)));
  rmSync(out, { recursive: true });
  const optional = await runGet(
    many(["-P", out, "--checksums", sums, "--checksums-optional", urls[0], urls[2]]),
    memoryContext(rawNet()).context,
  );
  assert.equal(optional, EXIT.OK);
  assert.deepEqual(readdirSync(out).sort(), ["good.txt", "unlisted.txt"]);
});

test("runGet() --checksums reads a list from a URL", async () => {
  await using server = await startServer((request, response) => {
    if (request.url === "/SHA512SUMS") {
      const hex = createHash("sha512").update("payload").digest("hex");
      response.end(`${hex}  file.bin\n`);
    } else response.end(request.url === "/file.bin" ? "payload" : "changed");
  });
  using dir = tempDir();
  const { context } = memoryContext(rawNet());
  const code = await runGet(
    many(["-P", dir.path, "--checksums", `${server.base}/SHA512SUMS`, `${server.base}/file.bin`]),
    context,
  );
  assert.equal(code, EXIT.OK);
  assert.equal(readFileSync(join(dir.path, "file.bin"), "utf8"), "payload");
});

test("runGet() -i of an unreadable file is exit 26; a bad URL line names the line", async () => {
  using dir = tempDir();
  const { context, output } = memoryContext(rawNet());
  assert.equal(await runGet(many(["-i", join(dir.path, "none.txt")]), context), EXIT.READ_ERROR);
  assert.match(output.err[0], /^netkit get: Cannot read -i .*none\.txt: no such file or folder$/);
  const list = join(dir.path, "list.txt");
  writeFileSync(list, "http://h.test/ok\nftp://h.test/no\n");
  await assert.rejects(runGet(many(["-i", list]), context), /-i line 2: unsupported scheme 'ftp'/);
});

test("runGet() --cacert of a file without a certificate is curl's exit 77", async () => {
  using dir = tempDir();
  const pem = join(dir.path, "ca.pem");
  writeFileSync(pem, "not a certificate\n");
  const { context, output } = memoryContext(rawNet());
  assert.equal(
    await runGet(parseGetArgs(["--cacert", pem, "http://h.test/"], {}), context),
    EXIT.CA_CERT_FILE,
  );
  assert.match(output.err[0], /holds no PEM certificate/);
});

test("runGet() with many URLs and --fail-with-body prints the error body even with -s", async () => {
  await using server = await files();
  using dir = tempDir();
  const { context, output } = memoryContext(rawNet());
  const urls = [`${server.base}/a`, `${server.base}/missing`];
  const code = await runGet(many(["-P", dir.path, "-s", "--fail-with-body", ...urls]), context);
  assert.equal(code, EXIT.HTTP_ERROR);
  assert.deepEqual(output.err.filter((line) => !line.startsWith("netkit get: ")), ["no"]);
  assert.ok(!output.err.some((line) => line.includes("saved")), "-s: no notes");
});

test("runGet() with -i makes the folder an out= name puts its file in", async () => {
  await using server = await files();
  using dir = tempDir();
  const list = join(dir.path, "list.txt");
  writeFileSync(list, `${server.base}/one.txt\n  out=d1/d2/one.bin\n`);
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(many(["-i", list, "-P", join(dir.path, "out")]), context);
  assert.equal(code, EXIT.OK, output.err.join("\n"));
  assert.equal(
    readFileSync(join(dir.path, "out", "d1", "d2", "one.bin"), "utf8"),
    "body of one.txt",
  );
});

test("runGet() of many small files: no .part or .part.json is ever on disk while a body arrives", async () => {
  await using server = await startServer((_request, response) => {
    // Two pieces a moment apart: the body is read in (at least) two steps.
    response.writeHead(200, { "content-length": "2000", etag: '"e"' });
    response.write("a".repeat(1000));
    setTimeout(() => response.end("b".repeat(1000)), 5);
  });
  using dir = tempDir();
  const seen = new Set<string>();
  const look = () => {
    for (const name of readdirSync(dir.path)) if (name.includes(".part")) seen.add(name);
  };
  const net = rawNet();
  const watched = {
    ...net,
    async fetch(url: URL, init: RequestInit) {
      const response = await net.fetch(url, init);
      const reader = response.body!.getReader();
      // Looks at the folder before every read: after the sink is chosen, between chunks.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          look();
          const chunk = await reader.read();
          if (chunk.done) controller.close();
          else controller.enqueue(chunk.value);
        },
      });
      return new Response(body, { status: response.status, headers: response.headers });
    },
  };
  const { context } = memoryContext(watched);
  const urls = Array.from({ length: 12 }, (_, i) => `${server.base}/f${i}.bin`);
  const code = await runGet(
    many(["-P", dir.path, "--parallel", "4", "-s", "-O", ...urls]),
    context,
  );
  assert.equal(code, 0);
  assert.deepEqual([...seen], [], "nothing but finished files was ever there");
  assert.equal(readdirSync(dir.path).length, 12);
  assert.equal(readFileSync(join(dir.path, "f3.bin"), "utf8"), "a".repeat(1000) + "b".repeat(1000));
});

test("runGet() into a folder that existed still clears an earlier run's .part and .part.json", async () => {
  await using server = await files();
  using dir = tempDir();
  // Left by an interrupted run: without -C they describe bytes nobody keeps.
  writeFileSync(join(dir.path, "a.txt.part"), "stale");
  writeFileSync(join(dir.path, "a.txt.part.json"), JSON.stringify({ etag: '"old"' }));
  const { context } = memoryContext(rawNet());
  const code = await runGet(
    many(["-P", dir.path, "-s", "-O", `${server.base}/a.txt`, `${server.base}/b.txt`]),
    context,
  );
  assert.equal(code, 0);
  assert.deepEqual(readdirSync(dir.path).sort(), ["a.txt", "b.txt"]);
  assert.equal(readFileSync(join(dir.path, "a.txt"), "utf8"), "body of a.txt");
});

test("runGet() -P into a folder it creates saves every file (nothing there to look for)", async () => {
  await using server = await files();
  using dir = tempDir();
  const out = join(dir.path, "new", "deeper");
  const { context } = memoryContext(rawNet());
  const urls = ["a.txt", "b.txt", "c.txt"].map((name) => `${server.base}/${name}`);
  assert.equal(await runGet(many(["-P", out, "-s", "-O", ...urls]), context), 0);
  assert.deepEqual(readdirSync(out).sort(), ["a.txt", "b.txt", "c.txt"]);
});

test("runGet() with -P where a file is in the way of the folder: exit 23 in words, no crash", async () => {
  await using server = await files();
  using dir = tempDir();
  writeFileSync(join(dir.path, "taken"), "a file, not a folder\n");
  const { context, output } = memoryContext(rawNet());
  const code = await runGet(
    many(["-P", join(dir.path, "taken", "sub"), `${server.base}/a`]),
    context,
  );
  assert.equal(code, EXIT.WRITE_ERROR);
  assert.ok(
    output.err.some((line) =>
      line.includes(
        `Cannot write the folder ${join(dir.path, "taken", "sub")}: a file is in the way`,
      )
    ),
    output.err.join("\n"),
  );
});
