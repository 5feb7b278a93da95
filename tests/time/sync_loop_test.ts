/**
 * sync-time's loop against a fake world: a true time, a local clock that
 * the injected setter and slewer move, a monotonic clock that only the
 * injected sleep advances, and sources that answer from the true time.
 * Hours of the loop run in milliseconds; nothing touches this machine's clock.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { SyncLoop, type SyncSettings } from "../../src/time/sync_loop.ts";
import type { PollResult, PollTarget } from "../../src/time/poll_time.ts";
import type { ClockStateReading } from "../../src/time/clock_state_file.ts";
import { TimeQueryError } from "../../src/time/time_query_error.ts";
import { NetError } from "../../src/net/errors.ts";

const TRUE_START = Date.UTC(2027, 0, 1);

/** A source: its host, when it comes up (monotonic ms), how far it lies. */
interface FakeSource {
  host: string;
  /** @default 123 */
  port?: number;
  upAtMs?: number;
  /** Down from and until (monotonic ms). */
  downFromMs?: number;
  downUntilMs?: number;
  lieS?: number;
}

class World {
  trueMs = TRUE_START;
  /** Local clock minus true time. */
  errorMs = 0;
  mono = 0;
  sleeps: number[] = [];
  steps: number[] = [];
  slews: number[] = [];
  notes: Record<string, string>[] = [];
  lines: string[] = [];
  saves: number[] = [];
  execs: Record<string, string>[] = [];
  polls: { at: number; hosts: string[]; samples: number; clockUnverified: boolean }[] = [];
  saved: ClockStateReading = { kind: "missing" };
  setFails?: NetError;
  onPoll?: (count: number) => void;

  constructor(public sources: FakeSource[]) {}

  advance(ms: number) {
    this.mono += ms;
    this.trueMs += ms;
  }

  targets(): PollTarget[] {
    return this.sources.map((s) => ({
      host: s.host,
      port: s.port ?? 123,
      protocol: "ntp",
      transport: "udp",
    }));
  }

  deps() {
    return {
      now: () => this.trueMs + this.errorMs,
      monotonicNow: () => this.mono,
      sleep: (ms: number) => {
        this.sleeps.push(ms);
        this.advance(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      poll: (targets: PollTarget[], options: { samples: number; clockUnverified: boolean }) => {
        this.polls.push({
          at: this.mono,
          hosts: targets.map((t) => t.host),
          samples: options.samples,
          clockUnverified: options.clockUnverified,
        });
        this.onPoll?.(this.polls.length);
        this.advance(5);
        return Promise.resolve(targets.map((t) => this.#answer(t)));
      },
      setClock: (ms: number) => {
        if (this.setFails) return Promise.reject(this.setFails);
        this.steps.push(ms - (this.trueMs + this.errorMs));
        this.errorMs = ms - this.trueMs;
        return Promise.resolve();
      },
      slewClock: (offsetS: number) => {
        this.slews.push(offsetS);
        this.errorMs += offsetS * 1000; // at once: the loop only needs to know it was asked
        return Promise.resolve();
      },
      state: {
        path: "/state/clock",
        read: () => this.saved,
        save: (ms: number) => void this.saves.push(ms),
      },
      notify: (fields: Record<string, string>) => {
        this.notes.push(fields);
        return Promise.resolve();
      },
      exec: (env: Record<string, string>) => {
        this.execs.push(env);
        return Promise.resolve();
      },
      log: (line: string) => void this.lines.push(line),
    };
  }

  #answer(target: PollTarget): PollResult {
    const source = this.sources.find((s) =>
      s.host === target.host && (s.port ?? 123) === target.port
    )!;
    const down = this.mono < (source.upAtMs ?? 0) ||
      (this.mono >= (source.downFromMs ?? Infinity) && this.mono < (source.downUntilMs ?? 0));
    if (down) {
      return {
        ok: false,
        host: target.host,
        address: target.host,
        port: target.port,
        protocol: "ntp",
        transport: "udp",
        error: new TimeQueryError("timeout", "timed out after 5 s while waiting for a reply"),
      };
    }
    const offsetS = (this.trueMs + (source.lieS ?? 0) * 1000 - (this.trueMs + this.errorMs)) / 1000;
    return {
      ok: true,
      outlier: false,
      protocol: "ntp",
      transport: "udp",
      host: target.host,
      address: target.host,
      port: target.port,
      unix: 0,
      iso: "",
      stratum: 2,
      refid: "GPS",
      leap: 0,
      rootDistanceS: 0.001,
      rttMs: 1,
      offsetS,
      samples: 1,
      notes: [],
    } as PollResult;
  }
}

function settings(extra: Partial<SyncSettings> = {}): SyncSettings {
  return {
    toleranceS: 5,
    maxStepS: 1000,
    force: false,
    stepThresholdS: 0.128,
    intervalS: 64,
    maxIntervalS: 1024,
    saveEveryMs: 900_000,
    once: false,
    dryRun: false,
    queryTimeoutMs: 5000,
    samples: 4,
    buildFloorMs: Date.UTC(2026, 11, 1),
    ...extra,
  };
}

test("SyncLoop keeps asking sources that come up 3 s after it starts, with 1 s, 2 s backoff, and syncs", async () => {
  const world = new World([{ host: "a", upAtMs: 3000 }, { host: "b", upAtMs: 3000 }]);
  world.errorMs = 2000;
  const loop = new SyncLoop(world.targets(), settings({ once: true }), world.deps());
  assert.deepEqual(await loop.run(), { kind: "synced" });
  assert.deepEqual(world.polls.map((p) => p.at), [0, 1005, 3010]);
  assert.deepEqual(world.sleeps, [1000, 2000]);
  assert.equal(world.steps.length, 1);
  assert.ok(Math.abs(world.steps[0] + 2000) < 1, `step ${world.steps[0]}`);
  // The first sync asks once per source and judges HTTPS as on an unset clock.
  assert.ok(world.polls.every((p) => p.samples === 1 && p.clockUnverified));
  // One line per source's failure (the second round's repeat is held back).
  assert.equal(world.lines.filter((l) => / ntp:\/\/a:123: timed out/.test(l)).length, 1);
  assert.match(
    world.lines.at(-1)!,
    /first sync: offset -2\.000 s \(2 of 2 agree: ntp:\/\/a:123, ntp:\/\/b:123\): stepped 2027-/,
  );
  assert.deepEqual(world.notes[0].READY, "1");
});

test("SyncLoop through 20 s with every source down backs off 1, 2, 4, 8, 16 s and syncs when they return", async () => {
  const world = new World([{ host: "a", upAtMs: 20_000 }, { host: "b", upAtMs: 20_000 }]);
  world.errorMs = -50;
  const loop = new SyncLoop(world.targets(), settings({ once: true }), world.deps());
  assert.deepEqual(await loop.run(), { kind: "synced" });
  assert.deepEqual(world.sleeps, [1000, 2000, 4000, 8000, 16000]);
  assert.equal(world.polls.length, 6);
  // Slewed: 50 ms is under the step threshold.
  assert.deepEqual(world.steps, []);
  assert.equal(world.slews.length, 1);
  assert.ok(Math.abs(world.slews[0] - 0.05) < 0.001);
  // Five failed rounds, yet one failure line per source and one retry line.
  const failures = world.lines.filter((l) => /timed out/.test(l));
  assert.equal(failures.length, 2, failures.join("\n"));
  assert.equal(world.lines.filter((l) => /no sync yet/.test(l)).length, 1);
});

test("SyncLoop ignores a lying minority: the honest majority sets the clock, the liar is named", async () => {
  const world = new World([{ host: "a" }, { host: "b" }, { host: "liar", lieS: 3600 }]);
  world.errorMs = 10_000;
  const loop = new SyncLoop(world.targets(), settings({ once: true }), world.deps());
  assert.deepEqual(await loop.run(), { kind: "synced" });
  assert.equal(world.steps.length, 1);
  assert.ok(Math.abs(world.steps[0] + 10_000) < 1);
  assert.ok(
    world.lines.some((l) =>
      /ntp:\/\/liar:123: offset \+3\d{3}\.\d{3} s: does not agree, not used/.test(l)
    ),
  );
  assert.match(world.lines.at(-1)!, /2 of 3 agree: ntp:\/\/a:123, ntp:\/\/b:123\)/);
});

test("SyncLoop tells sources on one host apart by port: the liar among them is still left out", async () => {
  const world = new World([
    { host: "127.0.0.1", port: 1001 },
    { host: "127.0.0.1", port: 1002 },
    { host: "127.0.0.1", port: 1003, lieS: 3600 },
  ]);
  world.errorMs = 300;
  const loop = new SyncLoop(world.targets(), settings({ once: true }), world.deps());
  assert.deepEqual(await loop.run(), { kind: "synced" });
  assert.ok(Math.abs(world.steps[0] + 300) < 1, String(world.steps));
  assert.ok(
    world.lines.some((l) =>
      /ntp:\/\/127\.0\.0\.1:1003: offset \+3\d{3}\.\d{3} s: does not agree/.test(l)
    ),
  );
  assert.match(
    world.lines.at(-1)!,
    /\(2 of 3 agree: ntp:\/\/127\.0\.0\.1:1001, ntp:\/\/127\.0\.0\.1:1002\)/,
  );
});

test("SyncLoop steps above --step-threshold and slews below it (injected setter and slewer record which)", async () => {
  const cases: [number, number, "step" | "slew"][] = [
    [0.1, 0.128, "slew"],
    [-0.1, 0.128, "slew"],
    [0.2, 0.128, "step"],
    [-0.2, 0.128, "step"],
    [0.5, 1, "slew"],
    [1.5, 1, "step"],
  ];
  for (const [errorS, thresholdS, expected] of cases) {
    const world = new World([{ host: "a" }]);
    world.errorMs = -errorS * 1000;
    const loop = new SyncLoop(
      world.targets(),
      settings({ once: true, stepThresholdS: thresholdS }),
      world.deps(),
    );
    await loop.run();
    const label = `${errorS} s, threshold ${thresholdS} s`;
    if (expected === "step") {
      assert.equal(world.steps.length, 1, label);
      assert.equal(world.slews.length, 0, label);
      assert.equal(world.execs.length, 1, label);
    } else {
      assert.equal(world.steps.length, 0, label);
      assert.deepEqual(world.slews.map((s) => Math.round(s * 1000) / 1000), [errorS], label);
      assert.equal(world.execs.length, 0, label);
    }
  }
});

test("SyncLoop doubles the interval 64 -> 1024 s while the clock stays within the threshold, and falls back to 64 s after a step", async () => {
  const world = new World([{ host: "a" }]);
  world.onPoll = (count) => {
    if (count === 8) world.errorMs += 5000; // the clock jumps: the next check steps
    if (count === 10) loop.stop("SIGTERM");
  };
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  assert.deepEqual(await loop.run(), { kind: "stopped", reason: "SIGTERM" });
  // Sleeps after each check, the state saves (every 900 s) split some of them.
  const checks = world.polls.map((p) => p.at);
  const gaps = checks.slice(1).map((at, i) => Math.round((at - checks[i] - 5) / 1000));
  assert.deepEqual(gaps, [64, 128, 256, 512, 1024, 1024, 1024, 64, 128]);
  assert.match(
    world.lines.find((l) => /offset -5\.000 s/.test(l))!,
    /stepped .*; next check in 64 s$/,
  );
  // Re-checks ask for --samples and judge certificates by the (now right) clock.
  assert.ok(world.polls.slice(1).every((p) => p.samples === 4 && !p.clockUnverified));
  assert.ok(world.saves.length >= 5, `saved ${world.saves.length} times`);
});

test("SyncLoop --once --timeout: gives up at the deadline when nothing answers, saving the time", async () => {
  const world = new World([{ host: "a", upAtMs: Infinity }]);
  const loop = new SyncLoop(
    world.targets(),
    settings({ once: true, timeoutMs: 10_000 }),
    world.deps(),
  );
  assert.deepEqual(await loop.run(), { kind: "timeout" });
  assert.ok(world.mono >= 10_000 && world.mono < 10_100, `ended at ${world.mono} ms`);
  assert.deepEqual(world.sleeps, [1000, 2000, 4000, 2980]);
  assert.equal(world.saves.length, 1);
  assert.equal(world.notes.length, 0, "READY is never sent without a sync");
});

test("SyncLoop steps a clock behind the saved time forward to it at once, before asking anyone", async () => {
  const world = new World([{ host: "a", upAtMs: Infinity }]);
  const savedMs = Date.UTC(2026, 11, 20);
  world.saved = { kind: "saved", ms: savedMs };
  world.errorMs = Date.UTC(1971, 0, 2) - TRUE_START;
  world.onPoll = () => loop.stop("SIGTERM");
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  assert.equal((await loop.run()).kind, "stopped");
  assert.equal(world.steps.length, 1);
  assert.equal(world.trueMs + world.errorMs - 5, savedMs);
  assert.match(
    world.lines[0],
    /^2026-12-20T00:00:00\.000Z floor: the clock reads 1971-01-02T00:00:00\.000Z, before the saved time \(\/state\/clock\): stepped it to 2026-12-20T00:00:00\.000Z$/,
  );
  assert.equal(world.execs[0].NETKIT_EVENT, "floor");
  assert.equal(loop.floorMs, savedMs);
});

test("SyncLoop --dry-run at 1971 says it would step to the build date floor, and changes nothing", async () => {
  const world = new World([{ host: "a" }]);
  world.errorMs = Date.UTC(1971, 0, 2) - TRUE_START;
  const loop = new SyncLoop(world.targets(), settings({ dryRun: true, once: true }), world.deps());
  assert.deepEqual(await loop.run(), { kind: "synced" });
  assert.deepEqual(world.steps, []);
  assert.deepEqual(world.saves, []);
  assert.deepEqual(world.execs, []);
  assert.match(
    world.lines[0],
    /floor: the clock reads 1971-01-02T00:00:00\.000Z, before this build's date: would step it to 2026-12-01T00:00:00\.000Z \(--dry-run\)$/,
  );
  assert.match(
    world.lines.at(-1)!,
    /first sync: offset \+\d+\.\d{3} s \(1 of 1 agree: ntp:\/\/a:123\): would step it 1971-.* -> 2027-.* \(--dry-run\)$/,
  );
  assert.equal(world.notes[0].READY, "1");
});

test("SyncLoop never steps before the floor, and refuses steps over --max-step after the first sync", async () => {
  const world = new World([{ host: "a", lieS: -86_400 * 400 }]); // a source in 2025
  world.onPoll = (count) => count === 3 && loop.stop("SIGTERM");
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  await loop.run();
  assert.deepEqual(world.steps, []);
  assert.ok(world.lines.some((l) => /not syncing: the servers' time 2025-\S+ is before/.test(l)));

  const later = new World([{ host: "a" }]);
  later.onPoll = (count) => {
    if (count === 2) later.errorMs = -2000_000; // 2000 s behind after the first sync
    if (count === 3) loop2.stop("SIGTERM");
  };
  const loop2 = new SyncLoop(later.targets(), settings(), later.deps());
  await loop2.run();
  assert.equal(later.steps.length, 0);
  assert.ok(later.lines.some((l) => /larger than --max-step 1000 s/.test(l)));
});

test("SyncLoop: a stop while idle saves the time and says STOPPING=1; READY=1 was sent once", async () => {
  const world = new World([{ host: "a" }]);
  world.onPoll = (count) => count === 3 && loop.stop("SIGTERM");
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  assert.deepEqual(await loop.run(), { kind: "stopped", reason: "SIGTERM" });
  assert.equal(world.notes.filter((n) => n.READY === "1").length, 1);
  assert.deepEqual(world.notes.at(-1), { STOPPING: "1" });
  assert.equal(world.saves.at(-1), world.trueMs + world.errorMs);
});

test("SyncLoop: a clock setter without permission ends the run as denied", async () => {
  const world = new World([{ host: "a" }]);
  world.errorMs = 3000;
  world.setFails = new NetError("EPERM", "Operation not permitted");
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  const outcome = await loop.run();
  assert.deepEqual(outcome, {
    kind: "denied",
    message: "cannot step the clock: operation not permitted",
  });
});

test("SyncLoop: the adapter's own words for a refused step are said once, not twice", async () => {
  const world = new World([{ host: "a" }]);
  world.errorMs = 3000;
  world.setFails = new NetError(
    "EPERM",
    "Cannot set the clock: permission denied (needs root or CAP_SYS_TIME)",
  );
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  const outcome = await loop.run();
  assert.deepEqual(outcome, {
    kind: "denied",
    message: "cannot set the clock: permission denied (needs root or CAP_SYS_TIME)",
  });
});

test("SyncLoop.reload() swaps the sources and checks again at once", async () => {
  const world = new World([{ host: "a" }, { host: "b" }]);
  world.onPoll = (count) => {
    if (count === 1) {
      queueMicrotask(() =>
        loop.reload([{ host: "b", port: 123, protocol: "ntp", transport: "udp" }])
      );
    }
    if (count === 2) loop.stop("SIGTERM");
  };
  const loop = new SyncLoop(world.targets(), settings(), world.deps());
  await loop.run();
  assert.deepEqual(world.polls.map((p) => p.hosts.join()), ["a,b", "b"]);
  assert.ok(world.polls[1].at < 1000, "not after an interval");
});
