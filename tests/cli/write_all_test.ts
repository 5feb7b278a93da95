import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sleepSync, writeAll } from "../../src/cli/write_all.ts";

test("writeAll() delivers every byte once, whatever mix of short writes and full streams", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 4096 }),
      fc.array(fc.nat(600), { minLength: 1, maxLength: 50 }),
      (bytes, plan) => {
        const out: number[] = [];
        let call = 0;
        const waits: number[] = [];
        writeAll(bytes, (rest) => {
          // The stream takes what the plan says (0: full), then everything once the plan runs out.
          const n = Math.min(rest.length, call < plan.length ? plan[call] : rest.length);
          call++;
          out.push(...rest.subarray(0, n));
          return n;
        }, (ms) => waits.push(ms));
        assert.deepEqual(out, [...bytes]);
        for (const ms of waits) assert.ok(ms > 0 && ms <= 10, `waited ${ms} ms`);
      },
    ),
  );
});

test("writeAll() waits longer each time the stream stays full, and starts over after progress", () => {
  const replies = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1];
  const waits: number[] = [];
  writeAll(new Uint8Array(2), () => replies.shift()!, (ms) => waits.push(ms));
  assert.deepEqual(waits, [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10, 10, 0.05]);
});

test("writeAll() passes a failed write's error on (EPIPE)", () => {
  const broken = Object.assign(new Error("broken pipe"), { code: "EPIPE" });
  assert.throws(() =>
    writeAll(new Uint8Array(3), () => {
      throw broken;
    }), broken);
});

test("sleepSync() blocks for about as long as asked", () => {
  const started = performance.now();
  sleepSync(20);
  const took = performance.now() - started;
  assert.ok(took >= 19 && took < 1000, `slept ${took} ms`);
});
