/**
 * `sync-time` in-process, against scripted SNTP servers on loopback, with
 * the clock setter, the slewer and the notify socket replaced by doubles
 * that record: these tests never change the machine's clock. The real
 * program runs in tests/e2e/sync_time_test.ts (under --dry-run).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../main.ts";
import { memoryContext } from "../../src/cli/context.ts";
import { selectAdapter } from "../../src/net/select.ts";
import { NetError } from "../../src/net/errors.ts";
import type { SignalName } from "../../src/net/types.ts";
import { parseSyncTimeArgs } from "../../src/commands/sync_time.ts";
import { UsageError } from "../../src/cli/args.ts";
import { ntpPeer, peerNow, replyTo } from "../peers/ntp_peer.ts";

/** An SNTP server whose clock is `offsetS` ahead of ours. */
function skewedNtp(offsetS: number) {
  return ntpPeer((request) =>
    replyTo(request, {
      receive: request.receivedAt + offsetS,
      transmit: peerNow() + offsetS,
    })
  );
}

interface Doubles {
  steps: number[];
  slews: number[];
  notes: string[];
  signal(name: SignalName): void;
}

/** Runs netkit in-process with recording doubles for everything that would change the machine. */
function netkit(
  args: string[],
  options: { env?: Record<string, string>; setFails?: NetError } = {},
) {
  const doubles: Doubles = { steps: [], slews: [], notes: [], signal: () => {} };
  const net = Object.create(selectAdapter(), {
    setSystemClock: {
      value: (ms: number) => {
        if (options.setFails) return Promise.reject(options.setFails);
        doubles.steps.push(ms - Date.now());
        return Promise.resolve();
      },
    },
    slewSystemClock: {
      value: (offsetS: number) => {
        doubles.slews.push(offsetS);
        return Promise.resolve();
      },
    },
    sendUnixDatagram: {
      value: (path: string, bytes: Uint8Array) => {
        doubles.notes.push(`${path} ${new TextDecoder().decode(bytes)}`);
        return Promise.resolve();
      },
    },
    onSignal: {
      value: (_signals: SignalName[], handler: (s: SignalName) => void) => {
        doubles.signal = handler;
        return () => {};
      },
    },
  });
  const { context, output } = memoryContext(net, { env: options.env ?? {} });
  const code = main(["sync-time", ...args], context);
  return { code, doubles, err: output.err };
}

function withDir(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-sync-test-"));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Waits until `lines` has one matching `pattern` (bounded). */
async function waitFor(
  lines: string[],
  pattern: RegExp,
  { ms = 10_000 }: { ms?: number } = {},
): Promise<string> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const line = lines.find((l) => pattern.test(l));
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no line like ${pattern} in:\n${lines.join("\n")}`);
}

test("parseSyncTimeArgs() reads a bare host as SNTP and refuses bad combinations", () => {
  const plan = parseSyncTimeArgs(["[::1]:1123", "time://clock", "--step-threshold", "0.5"], {});
  assert(!plan.help);
  assert.deepEqual(plan.sources[0], { host: "::1", port: 1123, protocol: "ntp", transport: "udp" });
  assert.equal(plan.sources[1].protocol, "time");
  assert.equal(plan.settings.stepThresholdS, 0.5);
  assert.equal(plan.settings.timeoutMs, undefined);
  const bad: [string[], RegExp][] = [
    [[], /no source given/],
    [["a", "--interval", "8"], /--interval must be a number from 16/],
    [["a", "--interval", "600", "--max-interval", "300"], /shorter than --interval/],
    [["a", "--step-threshold", "3000"], /--step-threshold must be a number from 0 to 2145/],
    [["gopher://a"], /unknown scheme/],
    [["a:0"], /port 0 cannot be asked/],
    [["a", "--cacert", "x", "-k"], /contradict/],
  ];
  for (const [args, message] of bad) {
    assert.throws(() => parseSyncTimeArgs(args, {}), (e: Error) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.match(e.message, message);
      return true;
    });
  }
});

test(
  "sync-time --once steps a clock 2 s behind, saves the time, runs --exec with the step, says READY=1",
  withDir(async (dir) => {
    await using a = await skewedNtp(2);
    await using b = await skewedNtp(2);
    const state = join(dir, "clock");
    const record = join(dir, "exec.txt");
    const run = netkit([
      "--once",
      "--state",
      state,
      "--exec",
      `echo "$NETKIT_EVENT $NETKIT_STEP_S $NETKIT_OLD_TIME $NETKIT_NEW_TIME" > '${record}'`,
      `127.0.0.1:${a.port}`,
      `ntp://127.0.0.1:${b.port}`,
    ], { env: { NOTIFY_SOCKET: "@netkit-test" } });
    assert.equal(await run.code, 0, run.err.join("\n"));
    assert.equal(run.doubles.steps.length, 1);
    assert.ok(Math.abs(run.doubles.steps[0] - 2000) < 50, `step ${run.doubles.steps[0]} ms`);
    assert.deepEqual(run.doubles.slews, []);
    const [event, stepS, oldTime, newTime] = readFileSync(record, "utf8").trim().split(" ");
    assert.equal(event, "step");
    assert.ok(Math.abs(Number(stepS) - 2) < 0.05, stepS);
    assert.ok(Math.abs(Date.parse(newTime) - Date.parse(oldTime) - 2000) < 50);
    const saved = Date.parse(readFileSync(state, "utf8").trim());
    assert.ok(Math.abs(saved - Date.now()) < 5000, "the time was saved");
    assert.match(
      run.doubles.notes[0],
      /^@netkit-test READY=1\nSTATUS=first sync: offset \+[12]\.\d/,
    );
    assert.match(
      run.err.at(-1)!,
      /first sync: offset \+[12]\.\d{3} s \(2 of 2 agree: .*\): stepped/,
    );
  }),
);

test(
  "sync-time slews an offset under --step-threshold and steps none",
  withDir(async (dir) => {
    await using a = await skewedNtp(0.06);
    const run = netkit(["--once", "--state", join(dir, "clock"), `127.0.0.1:${a.port}`]);
    assert.equal(await run.code, 0, run.err.join("\n"));
    assert.deepEqual(run.doubles.steps, []);
    assert.equal(run.doubles.slews.length, 1);
    assert.ok(Math.abs(run.doubles.slews[0] - 0.06) < 0.01, String(run.doubles.slews[0]));
    assert.match(run.err.at(-1)!, /: slewed$/);
  }),
);

test(
  "sync-time --once --timeout exits 1 when nothing answers; a setter without permission exits 113",
  { timeout: 30_000 },
  withDir(async (dir) => {
    await using silent = await ntpPeer(() => null);
    const timedOut = netkit([
      "--once",
      "--timeout",
      "1.5",
      "--state",
      join(dir, "clock"),
      `127.0.0.1:${silent.port}`,
    ]);
    assert.equal(await timedOut.code, 1);
    assert.match(timedOut.err.at(-1)!, /no sync within --timeout 1\.5 s: saved the time to /);

    await using a = await skewedNtp(5);
    const denied = netkit(["--state", join(dir, "clock"), `127.0.0.1:${a.port}`], {
      setFails: new NetError("EPERM", "Operation not permitted"),
    });
    assert.equal(await denied.code, 113);
    assert.match(
      denied.err.at(-1)!,
      /cannot step the clock: operation not permitted \(run as root or with CAP_SYS_TIME/,
    );
    // The floor step too: a saved time a day ahead of the clock.
    writeFileSync(join(dir, "ahead"), `${new Date(Date.now() + 86_400_000).toISOString()}\n`);
    const floor = netkit(["--state", join(dir, "ahead"), `127.0.0.1:${a.port}`], {
      setFails: new NetError("EPERM", "Operation not permitted"),
    });
    assert.equal(await floor.code, 113);
    assert.match(floor.err.at(-1)!, /cannot step the clock to its floor: operation not permitted/);
  }),
);

test(
  "sync-time re-reads --config on SIGHUP and checks at once; SIGTERM saves the time and exits 0",
  { timeout: 30_000 },
  withDir(async (dir) => {
    // Unsynchronised (leap 3, stratum 0): a failure at once, not after a timeout.
    await using silent = await ntpPeer((r) => replyTo(r, { leap: 3, stratum: 0 }));
    await using good = await skewedNtp(0.01);
    const config = join(dir, "sources.conf");
    writeFileSync(config, `# nothing usable here\nntp://127.0.0.1:${silent.port}\n`);
    const state = join(dir, "clock");
    const run = netkit(["--config", config, "--state", state]);
    await waitFor(run.err, /no sync yet/);
    writeFileSync(config, `ntp://127.0.0.1:${good.port}  # the new clock\n`);
    const started = performance.now();
    run.doubles.signal("SIGHUP");
    await waitFor(run.err, /first sync: offset \+0\.0\d+ s \(1 of 1 agree/);
    assert.ok(performance.now() - started < 3000, "not after a backoff");
    assert.ok(run.err.some((l) => /SIGHUP: read .*sources\.conf: 1 sources; checking now/.test(l)));
    run.doubles.signal("SIGTERM");
    assert.equal(await run.code, 0);
    assert.match(run.err.at(-1)!, /SIGTERM: saved the time to .*clock; stopped$/);
    assert.ok(Math.abs(Date.parse(readFileSync(state, "utf8").trim()) - Date.now()) < 5000);
    // A bad line on the next SIGHUP keeps the old sources.
    const again = netkit(["--config", config, "--state", state]);
    await waitFor(again.err, /first sync/);
    writeFileSync(config, "gopher://nowhere\n");
    again.doubles.signal("SIGHUP");
    await waitFor(again.err, /SIGHUP: .*sources\.conf:1: unknown scheme .*; keeping the sources/);
    again.doubles.signal("SIGTERM");
    assert.equal(await again.code, 0);
  }),
);

test("sync-time exits 2 for an unreadable --config, naming it", async () => {
  const run = netkit(["--config", "/nonexistent/sources.conf", "--dry-run"]);
  assert.equal(await run.code, 2);
  assert.match(
    run.err[0],
    /^netkit sync-time: cannot read --config \/nonexistent\/sources\.conf \(ENOENT\)$/,
  );
});
