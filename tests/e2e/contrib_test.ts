/**
 * contrib/: the init scripts start, report and stop serve-time and
 * sync-time under dash and BusyBox ash; the systemd units pass
 * `systemd-analyze verify`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { netkitArgv, peerSkip, ROOT, run, startNetkit, TARGET } from "../_helpers.ts";
import { tcpFetch } from "../_peers.ts";

const INIT_SCRIPT = join(ROOT, "contrib/init.d/netkit-time");

/** One executable file that runs the netkit under test (the init script takes one path). */
function netkitExecutable(dir: string): string {
  const path = join(dir, "netkit");
  const argv = netkitArgv().map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  writeFileSync(path, `#!/bin/sh\nexec ${argv} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

for (const shell of [["dash"], ["busybox", "ash"]]) {
  const name = shell.join(" ");
  test(`[${TARGET}] contrib/init.d/netkit-time start, status, stop under ${name}`, {
    skip: peerSkip(shell[0]),
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-initd-"));
    const env = {
      NETKIT: netkitExecutable(dir),
      NETKIT_TIME_ARGS: "--host 127.0.0.1 --port 0 --tcp",
      PIDFILE: join(dir, "netkit-time.pid"),
      LOGFILE: join(dir, "netkit-time.log"),
    };
    const init = (action: string) =>
      run([...shell, INIT_SCRIPT, action], { env, timeoutMs: 30_000 });
    try {
      const started = await init("start");
      assert.equal(started.code, 0, started.stdout + started.stderr);
      assert.match(started.stdout, /^netkit-time started \(pid \d+\)\n$/);
      const port = Number(
        /listening on tcp:\/\/\S+:(\d+)/.exec(readFileSync(env.LOGFILE, "utf8"))?.[1],
      );
      assert.equal((await tcpFetch(port)).length, 4, "it answers RFC 868");
      const again = await init("start");
      assert.match(again.stdout, /already running/);
      const status = await init("status");
      assert.equal(status.code, 0);
      assert.match(status.stdout, /^netkit-time is running \(pid \d+\)\n$/);
      const stopped = await init("stop");
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(stopped.stdout, "netkit-time stopped\n");
      await assert.rejects(tcpFetch(port), "the server is gone");
      const after = await init("status");
      assert.equal(after.code, 3);
      assert.equal(after.stdout, "netkit-time is not running\n");
      const usage = await init("frobnicate");
      assert.equal(usage.code, 2);
    } finally {
      await init("stop");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(
    `[${TARGET}] contrib/init.d/netkit-time start reports a server that cannot start, under ${name}`,
    {
      skip: peerSkip(shell[0]),
    },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "netkit-initd-"));
      const env = {
        NETKIT: netkitExecutable(dir),
        NETKIT_TIME_ARGS: "--host 192.0.2.1 --port 0",
        PIDFILE: join(dir, "netkit-time.pid"),
        LOGFILE: join(dir, "netkit-time.log"),
      };
      try {
        const result = await run([...shell, INIT_SCRIPT, "start"], { env, timeoutMs: 30_000 });
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          /failed to start:\nnetkit serve-time: cannot listen on 192\.0\.2\.1/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

test(`[${TARGET}] contrib/systemd units pass systemd-analyze verify`, {
  skip: peerSkip("systemd-analyze"),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "netkit-units-"));
  try {
    const binary = netkitExecutable(dir);
    const units = ["netkit-time.service", "netkit-http.service", "netkit-sync.service"].map(
      (unit) => {
        const text = readFileSync(join(ROOT, "contrib/systemd", unit), "utf8");
        assert.match(text, /^ExecStart=\/usr\/local\/bin\/netkit /m);
        if (unit === "netkit-sync.service") {
          // READY=1 after the first sync, so time-sync.target means a synced clock.
          for (const line of ["Type=notify", "Before=time-sync.target", "Wants=time-sync.target"]) {
            assert.match(text, new RegExp(`^${line}$`, "m"), line);
          }
        }
        // verify wants the program in ExecStart to exist.
        writeFileSync(join(dir, unit), text.replaceAll("/usr/local/bin/netkit", binary));
        return join(dir, unit);
      },
    );
    // --man=no: Documentation= names other packages' man pages (rdate(8)), which a
    // machine without man or their docs lacks; that says nothing about the units.
    const result = await run(["systemd-analyze", "verify", "--man=no", ...units], {
      timeoutMs: 30_000,
    });
    assert.equal(result.code, 0, result.stderr);
    // It only warns about unknown keys and bad values: there must be no warning at all.
    assert.equal(result.stderr, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SYNC_SCRIPT = join(ROOT, "contrib/init.d/netkit-sync");

for (const shell of [["dash"], ["busybox", "ash"]]) {
  const name = shell.join(" ");
  test(`[${TARGET}] contrib/init.d/netkit-sync start, wait, reload, status, stop under ${name}`, {
    skip: peerSkip(shell[0]),
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "netkit-initd-sync-"));
    await using server = await startNetkit(
      ["serve-time", "--host", "127.0.0.1", "--no-time", "--ntp", "--ntp-port", "0", "--local"],
      { expect: ["ntp"] },
    );
    const env = {
      NETKIT: netkitExecutable(dir),
      // --dry-run: the test never changes this machine's clock.
      NETKIT_SYNC_ARGS: `--dry-run --state '${join(dir, "state dir", "clock")}' ` +
        `ntp://127.0.0.1:${server.ports.ntp}`,
      PIDFILE: join(dir, "netkit-sync.pid"),
      LOGFILE: join(dir, "netkit-sync.log"),
    };
    const init = (...args: string[]) =>
      run([...shell, SYNC_SCRIPT, ...args], { env, timeoutMs: 40_000 });
    try {
      const started = await init("start");
      assert.equal(started.code, 0, started.stdout + started.stderr);
      assert.match(started.stdout, /^netkit-sync started \(pid \d+\)\n$/);
      const waited = await init("wait", "20");
      assert.equal(waited.code, 0, waited.stderr);
      assert.match(waited.stdout, /first sync: offset [+-]\d+\.\d+ s \(1 of 1 agree: /);
      assert.match((await init("status")).stdout, /^netkit-sync is running/);
      const reloaded = await init("reload");
      assert.equal(reloaded.code, 0);
      const stopped = await init("stop");
      assert.equal(stopped.stdout, "netkit-sync stopped\n");
      const log = readFileSync(env.LOGFILE, "utf8");
      assert.match(log, /SIGHUP: no --config to read again/);
      assert.match(log, /SIGTERM: stopped\n$/);
      assert.equal((await init("status")).code, 3);
      // A bad option: start says it failed, with sync-time's own words.
      const bad = await run([...shell, SYNC_SCRIPT, "start"], {
        env: { ...env, NETKIT_SYNC_ARGS: "--interval 1 ntp://127.0.0.1" },
        timeoutMs: 40_000,
      });
      assert.equal(bad.code, 1);
      assert.match(
        bad.stderr,
        /failed to start:\nnetkit sync-time: --interval must be a number from 16/,
      );
    } finally {
      await init("stop");
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
