/**
 * A tiny program on the adapter, for tests that need a process of their own
 * (signals, a non-root clock setter). Run as `<runtime> tests/net/_child.ts MODE`:
 *
 * - `signal`: handles SIGTERM and SIGINT, prints `ready`, then the signal's
 *   name when one arrives, then `alive` a moment later, and ends.
 * - `signal-removed`: installs a handler, removes it, prints `ready` and
 *   waits: a signal then ends the process as it would without netkit.
 * - `stderr-flood`: writes 1 MiB of `a` to standard error through
 *   `writeStdio(2)` and `writeAll` (a stream another program may have made
 *   non-blocking), then prints `done`.
 * - `clock`: only without capabilities (CapEff 0 in /proc/self/status),
 *   asks to set the clock to the current time, then to slew it by 1 ms, and
 *   prints each error's code on a line; prints `has-capabilities` and calls
 *   nothing otherwise.
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { selectAdapter } from "../../src/net/select.ts";
import { writeAll } from "../../src/cli/write_all.ts";

const net = selectAdapter();
const mode = process.argv.at(-1);

if (mode === "signal" || mode === "signal-removed") {
  const keepAlive = setInterval(() => {}, 1000);
  const remove = net.onSignal(["SIGTERM", "SIGINT"], (signal) => {
    console.log(signal);
    remove();
    // Proof of life after the signal: a killed process prints nothing more.
    setTimeout(() => {
      console.log("alive");
      clearInterval(keepAlive);
    }, 50);
  });
  if (mode === "signal-removed") remove();
  // Deno starts listening for a signal on its next turn of the event loop.
  setTimeout(() => console.log("ready"), 100);
} else if (mode === "stderr-flood") {
  writeAll(new Uint8Array(1 << 20).fill(0x61), (rest) => net.writeStdio(2, rest));
  console.log("done");
} else if (mode === "clock") {
  const status = readFileSync("/proc/self/status", "utf8");
  if (!/^CapEff:\s*0+$/m.test(status)) {
    console.log("has-capabilities");
  } else {
    const code = (error: unknown) => (error as { code?: string }).code ?? String(error);
    await net.setSystemClock(Date.now()).then(
      () => console.log("set"),
      (e) => console.log(code(e)),
    );
    await net.slewSystemClock(0.001).then(() => console.log("slewed"), (e) => console.log(code(e)));
  }
}
