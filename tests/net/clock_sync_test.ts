/**
 * The adapter's read-only `adjtimex`: the decoding on stand-ins, and the real
 * call on this machine checked against Python's ctypes making the same call.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { selectAdapter } from "../../src/net/select.ts";
import { readClockSyncWith, TIMEX_BYTES } from "../../src/net/_libc_clock.ts";
import { peerSkip, run } from "../_helpers.ts";

/** A stand-in libc whose adjtimex returns `result` and writes `status` and `maxerror` (µs). */
function fakeLibc(result: number, status: number, maxErrorUs: bigint) {
  const calls: { modes: number; closed: boolean } = { modes: -1, closed: false };
  return {
    calls,
    libc: {
      adjtimex(timex: Uint8Array) {
        const view = new DataView(timex.buffer, timex.byteOffset, timex.byteLength);
        calls.modes = view.getUint32(0, true);
        assert.ok(timex.byteLength >= 208, "room for a 64-bit struct timex");
        view.setBigInt64(24, maxErrorUs, true);
        view.setInt32(40, status, true);
        return result;
      },
      close() {
        calls.closed = true;
      },
    },
  };
}

test("readClockSyncWith() reads TIME_OK without STA_UNSYNC as synchronised, with modes 0", () => {
  const { libc, calls } = fakeLibc(0, 0x2001, 12_345n); // STA_PLL | STA_NANO
  assert.deepEqual(readClockSyncWith(libc), {
    state: "synchronised",
    leap: 0,
    maxErrorS: 0.012345,
  });
  assert.equal(calls.modes, 0, "modes 0: the call only reads");
  assert.ok(calls.closed);
});

test("readClockSyncWith() reads TIME_ERROR or STA_UNSYNC as unsynchronised", () => {
  assert.equal(readClockSyncWith(fakeLibc(5, 0x0040, 16_000_000n).libc).state, "unsynchronised");
  assert.equal(readClockSyncWith(fakeLibc(0, 0x0040, 1_000n).libc).state, "unsynchronised");
  assert.equal(readClockSyncWith(fakeLibc(5, 0, 1_000n).libc).state, "unsynchronised");
});

test("readClockSyncWith() turns STA_INS and STA_DEL into leap indicators 1 and 2", () => {
  assert.equal(readClockSyncWith(fakeLibc(1, 0x0010, 1_000n).libc).leap, 1);
  assert.equal(readClockSyncWith(fakeLibc(2, 0x0020, 1_000n).libc).leap, 2);
});

test("readClockSyncWith() reports a failed call as unknown and still closes libc", () => {
  const { libc, calls } = fakeLibc(-1, 0, 0n);
  const sync = readClockSyncWith(libc);
  assert.equal(sync.state, "unknown");
  assert.ok(Number.isNaN(sync.maxErrorS));
  assert.ok(calls.closed);
  assert.ok(TIMEX_BYTES >= 208);
});

test("clockSync() reads the kernel's real state, the same that Python's ctypes adjtimex reads", {
  skip: process.platform !== "linux" ? "adjtimex is Linux only" : peerSkip("python3"),
}, async () => {
  const sync = await selectAdapter().clockSync();
  assert.notEqual(sync.state, "unknown", String(sync.detail));
  assert.ok(sync.maxErrorS >= 0 && sync.maxErrorS <= 16, `maxerror ${sync.maxErrorS} s`);
  const python = await run([
    "python3",
    "-c",
    `import ctypes,struct
buf=ctypes.create_string_buffer(256)
rc=ctypes.CDLL(None,use_errno=True).adjtimex(buf)
status=struct.unpack_from("=i",buf,40)[0]
print("synchronised" if rc not in (-1,5) and not status & 0x40 else "unsynchronised")`,
  ]);
  assert.equal(python.code, 0, python.stderr);
  assert.equal(sync.state, python.stdout.trim());
});
