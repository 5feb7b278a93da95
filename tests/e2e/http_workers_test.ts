/**
 * End-to-end: `serve-http --workers N`, the real program (under the test
 * runtime, or NETKIT_BIN) with curl as the client: N processes on one port,
 * one access log of whole lines, a killed worker started again, a stop that
 * leaves nothing behind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { peerSkip, run, runNetkit, sleep, startNetkit, TARGET } from "../_helpers.ts";

/** The children of `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Whether a process is still there (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

/** Waits until `check` holds, up to `ms`. */
async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    if (check()) return true;
  }
  return check();
}

const skip = process.platform !== "linux"
  ? "needs Linux (SO_REUSEPORT spreading, /proc for the workers)"
  : peerSkip("curl");

/** A folder with one file, and a pool of `workers` serving it. */
async function startPool(workers: number, extra: string[] = []) {
  const root = mkdtempSync(join(tmpdir(), "netkit-workers-"));
  writeFileSync(join(root, "a.txt"), "hello\n");
  const server = await startNetkit(
    [
      "serve-http",
      root,
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--workers",
      String(workers),
      ...extra,
    ],
    { expect: ["http" as "tcp"], timeoutMs: 60_000 },
  );
  const base = `http://127.0.0.1:${(server.ports as Record<string, number>).http}`;
  return {
    server,
    base,
    async [Symbol.asyncDispose]() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

test(`[${TARGET}] serve-http --workers 3 runs 3 processes on one port; the log is whole lines`, {
  skip,
}, async () => {
  await using pool = await startPool(3);
  // The banner's second line may arrive after the first, which is all startNetkit waits for.
  await waitFor(() => /serving .* with 3 workers\n/.test(pool.server.stderr()), 5_000);
  assert.match(
    pool.server.stderr(),
    /listening on http:\/\/127\.0\.0\.1:\d+\nserving .* with 3 workers\n/,
  );
  const workers = childrenOf(pool.server.child.pid!);
  assert.equal(workers.length, 3, `children: ${workers}`);
  // 60 requests over 20 connections, 6 at a time: SO_REUSEPORT spreads the connections.
  const urls = Array.from({ length: 3 }, (_, i) => `${pool.base}/a.txt?${i}`);
  const runs = Array.from(
    { length: 20 },
    (_, i) =>
      run(["curl", "-sS", "--parallel", "--parallel-max", "6", ...urls.map((u) => `${u}-${i}`)]),
  );
  for (const result of await Promise.all(runs)) {
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "hello\n".repeat(3));
  }
  const status = await pool.server.stop();
  const lines = pool.server.stdout().split("\n").filter(Boolean);
  const seen = `status ${JSON.stringify(status)}; stderr:\n${pool.server.stderr()}stdout:\n`;
  assert.equal(lines.length, 60, seen + pool.server.stdout());
  assert.equal(new Set(lines.map((l) => l.split('"')[1])).size, 60, "no line twice");
  for (const line of lines) {
    assert.match(line, /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/a\.txt\?\d-\d+ HTTP\/1\.1" 200 6$/);
  }
});

test(
  `[${TARGET}] serve-http --workers: a killed worker is started again and the port keeps serving`,
  {
    skip,
  },
  async () => {
    await using pool = await startPool(2);
    const before = childrenOf(pool.server.child.pid!);
    assert.equal(before.length, 2);
    process.kill(before[0], "SIGKILL");
    assert.ok(
      await waitFor(
        () => /worker \d was killed by SIGKILL; starting it again/.test(pool.server.stderr()),
        10_000,
      ),
      pool.server.stderr(),
    );
    assert.ok(
      await waitFor(() => {
        const now = childrenOf(pool.server.child.pid!);
        return now.length === 2 && !now.includes(before[0]);
      }, 30_000),
      `children: ${childrenOf(pool.server.child.pid!)}`,
    );
    for (let i = 0; i < 10; i++) {
      const result = await run(["curl", "-sS", `${pool.base}/a.txt`]);
      assert.equal(result.stdout, "hello\n", result.stderr);
    }
  },
);

test(`[${TARGET}] serve-http --workers stops every worker on SIGTERM and exits 0`, {
  skip,
}, async () => {
  await using pool = await startPool(2);
  const workers = childrenOf(pool.server.child.pid!);
  assert.equal(workers.length, 2);
  const { code } = await pool.server.stop("SIGTERM");
  assert.equal(code, 0, pool.server.stderr());
  assert.match(pool.server.stderr(), /SIGTERM: stopping 2 workers/);
  assert.ok(await waitFor(() => !workers.some(alive), 5_000), "a worker outlived the pool");
});

test(`[${TARGET}] serve-http --workers: workers stop by themselves when the pool is killed`, {
  skip,
}, async () => {
  await using pool = await startPool(2);
  const workers = childrenOf(pool.server.child.pid!);
  assert.equal(workers.length, 2);
  process.kill(pool.server.child.pid!, "SIGKILL");
  // Their stdin (a pipe from the pool) closes: each shuts down as on SIGTERM.
  assert.ok(await waitFor(() => !workers.some(alive), 15_000), "workers kept serving");
});

test(`[${TARGET}] serve-http --workers on a busy port fails at once with the usual words`, {
  skip,
}, async () => {
  await using pool = await startPool(1);
  const port = pool.base.split(":").at(-1)!;
  const root = mkdtempSync(join(tmpdir(), "netkit-workers-"));
  try {
    const result = await runNetkit([
      "serve-http",
      root,
      "--host",
      "127.0.0.1",
      "--port",
      port,
      "--workers",
      "2",
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^netkit serve-http: .*port .*in use/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test(`[${TARGET}] serve-http --workers 0 and --workers many are usage errors (exit 2)`, async () => {
  for (const value of ["0", "many", "257"]) {
    const result = await runNetkit(["serve-http", "--workers", value]);
    assert.equal(result.code, 2, `${value}: ${result.stderr}`);
    assert.match(result.stderr, /--workers must be auto or a whole number from 1 to 256/);
  }
});
