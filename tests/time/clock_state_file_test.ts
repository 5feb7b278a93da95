/**
 * The state file: read back what was saved, refuse what is not a time, and
 * always hold a whole time after `kill -9` at any point of 200 rewrites.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { ClockStateFile } from "../../src/time/clock_state_file.ts";
import { ROOT, RUNTIME } from "../_helpers.ts";

function withDir(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-state-test-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "ClockStateFile saves the time as one ISO line, creates its folder, and reads it back",
  withDir((dir) => {
    const state = new ClockStateFile(join(dir, "var", "lib", "netkit", "clock"));
    assert.deepEqual(state.read(), { kind: "missing" });
    const ms = Date.UTC(2026, 11, 2, 7, 30, 15, 125);
    state.save(ms);
    assert.deepEqual(state.read(), { kind: "saved", ms });
    assert.deepEqual(readdirSync(join(dir, "var", "lib", "netkit")), ["clock"]);
    state.save(ms + 1000);
    assert.deepEqual(state.read(), { kind: "saved", ms: ms + 1000 });
  }),
);

test(
  "ClockStateFile reads fake-hwclock's format, and calls an empty, torn or foreign file unusable",
  withDir((dir) => {
    const path = join(dir, "clock");
    const state = new ClockStateFile(path);
    writeFileSync(path, "2026-12-02 07:30:00\n");
    assert.deepEqual(state.read(), { kind: "saved", ms: Date.UTC(2026, 11, 2, 7, 30) });
    for (const text of ["", "2026-12-02T07:3", "hello\n", "2026-02-30T00:00:00Z\n"]) {
      writeFileSync(path, text);
      const reading = state.read();
      assert.equal(reading.kind, "unusable", JSON.stringify(text));
      assert.match((reading as { reason: string }).reason, /^not a time: /);
    }
    assert.throws(() => state.save(NaN), RangeError);
  }),
);

/** Starts the writer child; resolves when it says `started`. */
function startWriter(path: string, baseMs: number, count: number) {
  const script = join(ROOT, "tests/time/_state_writer.ts");
  const argv = RUNTIME === "deno"
    ? [process.execPath, "run", "-A", script]
    : [process.execPath, script];
  const child = spawn(argv[0], [...argv.slice(1), path, String(baseMs), String(count)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.on("close", () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      output += d;
      if (output.includes("started")) resolve();
    });
    exited.then(() => reject(new Error(`writer ended before starting: ${output}`)));
  });
  return { child, started, exited, output: () => output };
}

test(
  "ClockStateFile holds a whole time after kill -9 at random points of 200 rewrites",
  { timeout: 120_000 },
  withDir(async (dir) => {
    const path = join(dir, "clock");
    const baseMs = Date.UTC(2026, 11, 2);
    const count = 200;
    // A whole run first: how long 200 fsynced rewrites take here, and the last value.
    const whole = startWriter(path, baseMs, count);
    await whole.started;
    const begun = performance.now();
    await whole.exited;
    const runMs = performance.now() - begun;
    assert.match(whole.output(), /done/);
    assert.deepEqual(new ClockStateFile(path).read(), {
      kind: "saved",
      ms: baseMs + (count - 1) * 1000,
    });
    const kills = 12;
    for (let round = 0; round < kills; round++) {
      const writer = startWriter(path, baseMs + round * 1_000_000, count);
      try {
        await writer.started;
        await new Promise((r) => setTimeout(r, Math.random() * runMs));
      } finally {
        if (writer.child.exitCode === null) process.kill(writer.child.pid!, "SIGKILL");
        await writer.exited;
      }
      const reading = new ClockStateFile(path).read();
      assert.equal(reading.kind, "saved", `round ${round}: ${JSON.stringify(reading)}`);
      const ms = (reading as { ms: number }).ms;
      // This round's value, or the last one of an earlier round (killed before its first).
      const first = baseMs + round * 1_000_000;
      const earlier = ms >= baseMs && ms < first && (ms - baseMs) % 1000 === 0;
      const ours = ms >= first && ms <= first + (count - 1) * 1000 && (ms - first) % 1000 === 0;
      assert.ok(ours || earlier, `round ${round}: ${new Date(ms).toISOString()}`);
    }
  }),
);
