/**
 * End-to-end: `sync-time`, the real program (under the test runtime, or
 * NETKIT_BIN), against `serve-time --ntp` and `serve-http --tls-cert`
 * started by the test, always with --dry-run (or with no source that
 * answers) so the machine's clock is never touched. READY=1 is read by a
 * python3 AF_UNIX datagram socket; the unset clock is faketime at 1971.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  netkitArgv,
  peerSkip,
  run,
  runNetkit,
  type RunningServer,
  sleep,
  startNetkit,
  TARGET,
} from "../_helpers.ts";
import { makeCertificates } from "../net/_certs.ts";

const UNSET_CLOCK = "1971-01-02 00:00:00";

/** A UDP port free a moment ago on 127.0.0.1 (for a server started later). */
async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  const port = socket.address().port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/**
 * serve-time --ntp under faketime, `aheadS` seconds ahead. In its own process
 * group: faketime runs netkit as its child, and both must stop.
 */
async function startLiar(aheadS: number): Promise<{ port: number; stop(): Promise<void> }> {
  const argv = ["faketime", "-f", `+${aheadS}s`, ...netkitArgv()];
  const args = ["serve-time", "--host", "127.0.0.1", "--no-time", "--ntp", "--ntp-port", "0"];
  const child = spawn(argv[0], [...argv.slice(1), ...args, "--local"], {
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise((resolve) => child.on("close", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGTERM");
    await exited;
  };
  try {
    await waitFor(() => stderr, /listening on ntp:\/\/\S+:\d+/, { ms: 15_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port: Number(/listening on ntp:\/\/\S+:(\d+)/.exec(stderr)![1]), stop };
}

/** serve-time --ntp --local on loopback (the port given, or any). */
function startNtp(port = 0): Promise<RunningServer> {
  const args = [
    "serve-time",
    "--host",
    "127.0.0.1",
    "--no-time",
    "--ntp",
    "--ntp-port",
    String(port),
    "--local",
  ];
  return startNetkit(args, { expect: ["ntp"] });
}

/** A sync-time child; `stderr()` so far, `exited` its end. */
function startSync(
  args: string[],
  options: { env?: Record<string, string>; prefix?: string[] } = {},
) {
  const argv = [...(options.prefix ?? []), ...netkitArgv()];
  const child = spawn(argv[0], [...argv.slice(1), "sync-time", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => resolve(code))
  );
  return { child, stderr: () => stderr, exited };
}

/** Waits (bounded) until `read()` matches. */
async function waitFor(
  read: () => string,
  pattern: RegExp,
  { ms }: { ms: number },
): Promise<void> {
  const until = performance.now() + ms;
  while (!pattern.test(read())) {
    if (performance.now() > until) throw new Error(`no ${pattern} within ${ms} ms in:\n${read()}`);
    await sleep(50);
  }
}

/** Ends a child this test started, by its PID. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
  await exited;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "netkit-e2e-sync-"));
}

test(`[${TARGET}] sync-time keeps trying sources that come up 3 s after it starts, and syncs`, {
  timeout: 40_000,
}, async () => {
  const dir = tempDir();
  const port = await freeUdpPort();
  const sync = startSync([
    "--once",
    "--dry-run",
    "--state",
    join(dir, "clock"),
    `ntp://127.0.0.1:${port}`,
  ]);
  let server: RunningServer | undefined;
  try {
    // Nothing there for 3 s: the first round's requests (and resends) go unanswered.
    await sleep(3000);
    assert.equal(sync.child.exitCode, null, sync.stderr());
    server = await startNtp(port);
    const code = await Promise.race([sync.exited, sleep(25_000).then(() => "late")]);
    assert.equal(code, 0, sync.stderr());
    assert.match(
      sync.stderr(),
      /first sync: offset [+-]0\.\d{6} s \(1 of 1 agree: ntp:\/\/127\.0\.0\.1:\d+\): would slew it \(--dry-run\)\n$/,
    );
  } finally {
    await stop(sync.child, sync.exited);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  `[${TARGET}] sync-time through 20 s with every source down: few log lines, then syncs when they are up`,
  { timeout: 90_000 },
  async () => {
    const dir = tempDir();
    const ports = [await freeUdpPort(), await freeUdpPort()];
    const started = performance.now();
    const sync = startSync([
      "--once",
      "--dry-run",
      "--state",
      join(dir, "clock"),
      ...ports.map((p) => `ntp://127.0.0.1:${p}`),
    ]);
    const servers: RunningServer[] = [];
    try {
      await sleep(20_000);
      assert.equal(sync.child.exitCode, null, sync.stderr());
      for (const port of ports) servers.push(await startNtp(port));
      const code = await Promise.race([sync.exited, sleep(60_000).then(() => "late")]);
      assert.equal(code, 0, sync.stderr());
      assert.ok(performance.now() - started > 20_000);
      // Rounds at about 0, 1, 3, 7, 15 s failed: one line per source, the repeats held back.
      const failures = sync.stderr().match(/ntp:\/\/127\.0\.0\.1:\d+: timed out/g) ?? [];
      assert.equal(failures.length, 2, sync.stderr());
      assert.match(sync.stderr(), /first sync: .*\(2 of 2 agree/);
    } finally {
      await stop(sync.child, sync.exited);
      for (const server of servers) await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(`[${TARGET}] sync-time ignores a lying minority (serve-time under faketime, an hour ahead)`, {
  skip: peerSkip("faketime"),
  timeout: 40_000,
}, async () => {
  const dir = tempDir();
  await using a = await startNtp();
  await using b = await startNtp();
  const liar = await startLiar(3600);
  try {
    const result = await runNetkit([
      "sync-time",
      "--once",
      "--dry-run",
      "--state",
      join(dir, "clock"),
      ...[a.ports.ntp, b.ports.ntp, liar.port].map((p) => `127.0.0.1:${p}`),
    ], { timeoutMs: 30_000 });
    assert.equal(result.code, 0, result.stderr);
    const liarSource = `ntp://127.0.0.1:${liar.port}`;
    assert.match(
      result.stderr,
      new RegExp(`${liarSource}: offset \\+3\\d{3}\\.\\d{3} s: does not agree, not used`),
    );
    assert.match(result.stderr, /first sync: offset [+-]0\.\d{6} s \(2 of 3 agree: /);
    assert.ok(!result.stderr.split("first sync")[1].includes(liarSource));
  } finally {
    await liar.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`[${TARGET}] sync-time --once exit codes: 0 synced, 1 at --timeout, 2 for a usage error`, {
  timeout: 40_000,
}, async () => {
  const dir = tempDir();
  await using server = await startNtp();
  const silent = await freeUdpPort();
  try {
    const state = ["--state", join(dir, "clock")];
    const ok = await runNetkit([
      "sync-time",
      "--once",
      "--dry-run",
      ...state,
      `127.0.0.1:${server.ports.ntp}`,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const late = await runNetkit([
      "sync-time",
      "--once",
      "--timeout",
      "2",
      ...state,
      `127.0.0.1:${silent}`,
    ]);
    assert.equal(late.code, 1, late.stderr);
    assert.match(late.stderr, /no sync within --timeout 2 s: saved the time to .*; giving up\n$/);
    assert.ok(late.ms < 6000, `took ${late.ms} ms`);
    const usage = await runNetkit(["sync-time", "--once"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^netkit sync-time: no source given/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** python3 bound to an AF_UNIX datagram socket at `path`, printing each datagram as one JSON line. */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
s.settimeout(30)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

test(
  `[${TARGET}] sync-time sends READY=1 to $NOTIFY_SOCKET after the first sync, STOPPING=1 at SIGTERM`,
  {
    skip: peerSkip("python3"),
    timeout: 40_000,
  },
  async () => {
    const dir = tempDir();
    const socketPath = join(dir, "notify");
    const receiver = spawn("python3", ["-c", RECEIVER, socketPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let received = "";
    receiver.stdout!.setEncoding("utf8").on("data", (d: string) => (received += d));
    const receiverExited = new Promise((resolve) => receiver.on("close", resolve));
    await using server = await startNtp();
    let sync: ReturnType<typeof startSync> | undefined;
    try {
      await waitFor(() => received, /^bound\n/, { ms: 10_000 });
      sync = startSync([
        "--dry-run",
        "--state",
        join(dir, "clock"),
        `127.0.0.1:${server.ports.ntp}`,
      ], {
        env: { NOTIFY_SOCKET: socketPath },
      });
      await waitFor(() => received, /READY=1/, { ms: 20_000 });
      const messages = received.split("\n").slice(1).filter(Boolean).map((l) => JSON.parse(l));
      assert.match(messages[0], /^READY=1\nSTATUS=first sync: offset /);
      assert.match(sync.stderr(), /first sync/);
      process.kill(sync.child.pid!, "SIGTERM");
      assert.equal(await sync.exited, 0, sync.stderr());
      await waitFor(() => received, /STOPPING=1/, { ms: 5000 });
    } finally {
      if (sync) await stop(sync.child, sync.exited);
      if (receiver.exitCode === null) process.kill(receiver.pid!, "SIGKILL");
      await receiverExited;
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  `[${TARGET}] sync-time saves the time on SIGTERM and exits 0 (never synced, clock untouched)`,
  {
    timeout: 40_000,
  },
  async () => {
    const dir = tempDir();
    const state = join(dir, "lib", "clock");
    const silent = await freeUdpPort();
    // A saved time a minute old: the clock is ahead of it, so nothing is stepped.
    const seeded = Date.now() - 60_000;
    mkdirSync(join(dir, "lib"));
    writeFileSync(state, `${new Date(seeded).toISOString()}\n`);
    const sync = startSync(["--state", state, `127.0.0.1:${silent}`]);
    try {
      await waitFor(sync.stderr, /start: 1 source/, { ms: 15_000 });
      await sleep(500);
      process.kill(sync.child.pid!, "SIGTERM");
      assert.equal(await sync.exited, 0, sync.stderr());
      assert.match(sync.stderr(), /SIGTERM: saved the time to \S+clock; stopped\n$/);
      const saved = Date.parse(readFileSync(state, "utf8").trim());
      assert.ok(saved > seeded && saved <= Date.now(), new Date(saved).toISOString());
    } finally {
      await stop(sync.child, sync.exited);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  `[${TARGET}] sync-time at 1971 (faketime) takes the floor step to the saved time, then syncs from NTP and HTTPS (--dry-run)`,
  {
    skip: peerSkip("faketime", "openssl"),
    timeout: 60_000,
  },
  async () => {
    const dir = tempDir();
    const certs = makeCertificates();
    try {
      const savedIso = new Date(Date.now() - 86_400_000).toISOString();
      const state = join(dir, "clock");
      writeFileSync(state, `${savedIso}\n`);
      writeFileSync(join(dir, "ca.pem"), certs.ca);
      writeFileSync(join(dir, "leaf.pem"), certs.fromYesterday.cert);
      writeFileSync(join(dir, "leaf.key"), certs.fromYesterday.key);
      await using ntp = await startNtp();
      await using https = await startNetkit([
        "serve-http",
        dir,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-cert",
        join(dir, "leaf.pem"),
        "--tls-key",
        join(dir, "leaf.key"),
      ], { expect: ["https" as "tcp"] });
      const httpsPort = (https.ports as Record<string, number>).https;
      const result = await run([
        "faketime",
        UNSET_CLOCK,
        ...netkitArgv(),
        "sync-time",
        "--once",
        "--dry-run",
        "--state",
        state,
        "--cacert",
        join(dir, "ca.pem"),
        `ntp://127.0.0.1:${ntp.ports.ntp}`,
        `https://127.0.0.1:${httpsPort}`,
      ], { timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `floor: the clock reads 1971-01-02T00:00:0\\d\\.\\d{3}Z, before the saved time \\(${state}\\): ` +
            `would step it to ${savedIso.replaceAll(".", "\\.")} \\(--dry-run\\)`,
        ),
      );
      const sync =
        /first sync: offset \+(\d+\.\d{3}) s \(2 of 2 agree: .*\): would step it 1971-\S+ -> (\S+) \(--dry-run\)/
          .exec(result.stderr);
      assert.ok(sync, result.stderr);
      assert.ok(Math.abs(Date.parse(sync[2]) - Date.now()) < 5000, `would step to ${sync[2]}`);
      // Dry run: the state file is as it was.
      assert.equal(readFileSync(state, "utf8"), `${savedIso}\n`);
    } finally {
      certs[Symbol.dispose]();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(`[${TARGET}] sync-time reads --config again on SIGHUP and syncs from the new source at once`, {
  timeout: 40_000,
}, async () => {
  const dir = tempDir();
  const config = join(dir, "sources.conf");
  const silent = await freeUdpPort();
  writeFileSync(config, `ntp://127.0.0.1:${silent}\n`);
  await using server = await startNtp();
  const sync = startSync(["--dry-run", "--config", config, "--state", join(dir, "clock")]);
  try {
    await waitFor(sync.stderr, /start: 1 source/, { ms: 15_000 });
    writeFileSync(config, `# the new clock\n127.0.0.1:${server.ports.ntp}\n`);
    process.kill(sync.child.pid!, "SIGHUP");
    await waitFor(sync.stderr, /first sync: .*\(1 of 1 agree: ntp:\/\/127\.0\.0\.1:\d+\)/, {
      ms: 4000,
    });
    assert.match(sync.stderr(), /SIGHUP: read \S+sources\.conf: 1 sources; checking now/);
    process.kill(sync.child.pid!, "SIGTERM");
    assert.equal(await sync.exited, 0, sync.stderr());
  } finally {
    await stop(sync.child, sync.exited);
    rmSync(dir, { recursive: true, force: true });
  }
});
