/**
 * runWorkerPool() with workers that are small shell scripts: what it relays
 * (their stderr; their stdout is the pool's own), when it starts a worker
 * again, when it gives up.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { MAX_RESTARTS, runWorkerPool, WORKER_READY } from "../../src/serve_http/worker_pool.ts";

const skip = process.platform === "win32" ? "the workers here are sh scripts" : false;

test("runWorkerPool() relays a worker's stderr in whole lines, however the worker splits them", {
  skip,
}, async () => {
  const lines: string[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  let stop!: (signal: string) => void;
  const script =
    `echo ${WORKER_READY} >&2; printf 'one\\ntw' >&2; sleep 0.2; printf 'o\\nthr' >&2; sleep 0.2; ` +
    `printf 'ee\\n' >&2; exec sleep 30`;
  const pool = runWorkerPool({
    count: 1,
    argv: ["sh", "-c", script],
    err: (line) => lines.push(line),
    stopped: new Promise((resolve) => (stop = resolve)),
    onReady: ready,
  });
  await started;
  await new Promise((resolve) => setTimeout(resolve, 700));
  stop("SIGTERM");
  assert.equal(await pool, 0);
  assert.deepEqual(lines, ["one", "two", "three"]);
});

test("runWorkerPool() starts a dead worker again, and gives up when they keep dying", {
  skip,
}, async () => {
  const lines: string[] = [];
  const code = await runWorkerPool({
    count: 1,
    argv: ["sh", "-c", `echo ${WORKER_READY} >&2; exit 3`],
    err: (line) => lines.push(line),
    stopped: new Promise(() => {}),
    onReady() {},
  });
  assert.equal(code, 1);
  const again = lines.filter((l) => l.endsWith("exited (status 3); starting it again"));
  assert.equal(again.length, MAX_RESTARTS);
  assert.match(lines.at(-1)!, /^netkit serve-http: \d+ workers died within 30 s: stopping$/);
});
