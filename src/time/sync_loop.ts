/**
 * `sync-time`'s loop: floor first, then every source asked in parallel until
 * enough agree, then a check every interval; step or slew each time. Every
 * effect (clocks, sleep, the setter and slewer, the state file, the service
 * manager, `--exec`, the log) comes in through {@linkcode SyncDeps}, so tests
 * drive hours of it in milliseconds with a fake clock.
 *
 * @module
 */
import type { PollResult, PollTarget } from "./poll_time.ts";
import { PLAUSIBLE_SINCE_MS } from "./clock.ts";
import { clockSample } from "./clock_sample.ts";
import { type ClockSample, planClockSet } from "./plan_clock_set.ts";
import { stepOrSlew } from "./step_or_slew.ts";
import { type CheckOutcome, nextPollInterval } from "./poll_interval.ts";
import { retryBackoff } from "./retry_backoff.ts";
import { LogThrottle } from "./log_throttle.ts";
import type { ClockStateReading } from "./clock_state_file.ts";
import { NetError } from "../net/errors.ts";
import {
  applyCorrection,
  ClockDenied,
  describeSource,
  formatOffset,
  iso,
} from "./_sync_correction.ts";

/** What the loop was asked to do (the command's flags). */
export interface SyncSettings {
  /** Fewest sources that must agree. @default the majority of the answers asked for */
  minAgree?: number;
  /** Each answer's window is its offset ± this (plus its own uncertainty), seconds. */
  toleranceS: number;
  /** Largest step after the first sync without `force`, seconds. */
  maxStepS: number;
  force: boolean;
  /** Larger offsets are stepped, smaller ones slewed, seconds. */
  stepThresholdS: number;
  /** First interval between checks after the first sync, seconds. */
  intervalS: number;
  /** Longest interval between checks, seconds. */
  maxIntervalS: number;
  /** The time is saved this often, ms. */
  saveEveryMs: number;
  /** Give up when there is no first sync after this long, ms; undefined: keep trying. */
  timeoutMs?: number;
  /** Stop after the first sync. */
  once: boolean;
  /** Say what would be done; change nothing (no clock, no state file, no --exec). */
  dryRun: boolean;
  /** Each source's query limit, ms. */
  queryTimeoutMs: number;
  /** SNTP and HTTPS requests per source at a re-check (the first sync asks once, to be quick). */
  samples: number;
  /** The earliest believable time, ms. @default PLAUSIBLE_SINCE_MS (the day before the build date) */
  buildFloorMs?: number;
}

/** What a poll is asked for. */
export interface SyncPollOptions {
  samples: number;
  timeoutMs: number;
  /** The earliest believable time (the floor), ms. */
  floorMs: number;
  /** True until the first sync: HTTPS certificates are judged as on an unset clock. */
  clockUnverified: boolean;
}

/** Everything the loop touches. */
export interface SyncDeps {
  /** The wall clock, ms since the Unix epoch (the clock being kept). */
  now(): number;
  /** A monotonic clock, ms: timers and the save schedule. */
  monotonicNow(): number;
  /** Resolves after `ms` or when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** In [0, 1): the retry jitter. */
  random(): number;
  /** Asks every source at once (`pollTime`). */
  poll(targets: PollTarget[], options: SyncPollOptions): Promise<PollResult[]>;
  /** Steps the clock to `ms` (throws NetError EPERM/ENOSYS/EOTHER). */
  setClock(ms: number): Promise<void>;
  /** Slews the clock by `offsetS` (throws NetError; RangeError beyond adjtime's range). */
  slewClock(offsetS: number): Promise<void>;
  /** The state file; absent: no floor but the build date, nothing saved. */
  state?: { readonly path: string; read(): ClockStateReading; save(ms: number): void };
  /** Tells the service manager (`READY=1`, `STATUS=…`, `STOPPING=1`). */
  notify(fields: Record<string, string>): Promise<void>;
  /** `--exec`: runs after each step with these variables added to the environment. */
  exec?(env: Record<string, string>): Promise<void>;
  /** One event line (without the command's prefix). */
  log(line: string): void;
}

/** How a run ended. */
export type SyncOutcome =
  /** `--once`: the first sync was made. */
  | { kind: "synced" }
  /** Stopped by a signal (the state was saved). */
  | { kind: "stopped"; reason: string }
  /** No first sync within `--timeout`. */
  | { kind: "timeout" }
  /** The clock could not be changed (no permission, no way to here). */
  | { kind: "denied"; message: string };

/**
 * The loop. `run()` once; `stop()` and `reload()` from signal handlers.
 *
 * @example `--once` against a fake source 2 s ahead: one step, then done
 * ```ts
 * import assert from "node:assert/strict";
 * import { SyncLoop } from "./sync_loop.ts";
 *
 * let clockMs = Date.UTC(2030, 0, 1);
 * const steps: number[] = [];
 * const target = { host: "192.0.2.1", port: 123, protocol: "ntp" as const, transport: "udp" as const };
 * const loop = new SyncLoop([target], {
 *   toleranceS: 5, maxStepS: 1000, force: false, stepThresholdS: 0.128, intervalS: 64,
 *   maxIntervalS: 1024, saveEveryMs: 900_000, once: true, dryRun: false,
 *   queryTimeoutMs: 5000, samples: 1,
 * }, {
 *   now: () => clockMs,
 *   monotonicNow: () => 0,
 *   sleep: () => Promise.resolve(),
 *   random: () => 0.5,
 *   poll: () => Promise.resolve([{
 *     ok: true, outlier: false, protocol: "ntp", transport: "udp", host: "192.0.2.1",
 *     address: "192.0.2.1", port: 123, unix: 0, iso: "", stratum: 2, refid: "GPS", leap: 0,
 *     rootDistanceS: 0.001, rttMs: 1, offsetS: 2, samples: 1, notes: [],
 *   }]),
 *   setClock: (ms) => { steps.push(ms - clockMs); clockMs = ms; return Promise.resolve(); },
 *   slewClock: () => Promise.resolve(),
 *   notify: () => Promise.resolve(),
 *   log: () => {},
 * });
 * assert.deepEqual(await loop.run(), { kind: "synced" });
 * assert.deepEqual(steps, [2000]);
 * ```
 */
export class SyncLoop {
  #targets: PollTarget[];
  #settings: SyncSettings;
  #deps: SyncDeps;
  #throttle: LogThrottle;
  #stopReason: string | undefined;
  #reloaded = false;
  #wake = new AbortController();
  #interruptCheck: () => void = () => {};
  #synced = false;
  #failures = 0;
  #intervalS: number;
  #floorMs: number;
  #lastSaveMono = 0;
  #startMono = 0;
  #floorNoted = false;
  #floorDone: Promise<void> | undefined;

  /**
   * @param targets the sources
   * @param settings the flags
   * @param deps clocks, sleep, poll, setter, slewer, state file, notifier, exec, log
   */
  constructor(targets: PollTarget[], settings: SyncSettings, deps: SyncDeps) {
    this.#targets = targets;
    this.#settings = settings;
    this.#deps = deps;
    this.#intervalS = settings.intervalS;
    this.#floorMs = settings.buildFloorMs ?? PLAUSIBLE_SINCE_MS;
    this.#throttle = new LogThrottle({ log: (line) => this.#event(line), now: deps.monotonicNow });
  }

  /** Whether the first sync has been made. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The current interval between checks, seconds. */
  get intervalS(): number {
    return this.#intervalS;
  }

  /** The floor: the later of the build date and the saved time, ms. */
  get floorMs(): number {
    return this.#floorMs;
  }

  /**
   * Ends the run: the time is saved and `run()` resolves `stopped`.
   *
   * @param reason what stopped it, e.g. `SIGTERM`
   */
  stop(reason: string): void {
    this.#stopReason ??= reason;
    this.#interruptCheck();
    this.#wake.abort();
  }

  /**
   * Replaces the sources and checks at once (SIGHUP after `--config` was re-read).
   *
   * @param targets the new sources
   */
  reload(targets: PollTarget[]): void {
    this.#targets = targets;
    this.#reloaded = true;
    this.#interruptCheck();
    this.#wake.abort();
  }

  /**
   * Runs until `--once` is done, `--timeout` passes, the clock cannot be set, or `stop()`.
   *
   * @returns how it ended
   */
  async run(): Promise<SyncOutcome> {
    const startMono = this.#deps.monotonicNow();
    this.#lastSaveMono = startMono;
    this.#startMono = startMono;
    try {
      await this.floor();
      const deadline = this.#settings.timeoutMs === undefined
        ? Infinity
        : startMono + this.#settings.timeoutMs;
      for (;;) {
        if (this.#stopReason !== undefined) {
          return this.#end({ kind: "stopped", reason: this.#stopReason });
        }
        if (!this.#synced && this.#deps.monotonicNow() >= deadline) {
          return this.#end({ kind: "timeout" });
        }
        this.#reloaded = false;
        const waitMs = await this.#checkAndPlan(deadline);
        if (this.#synced && this.#settings.once) return this.#end({ kind: "synced" });
        if (this.#stopReason !== undefined || this.#reloaded) continue;
        await this.#idle(
          this.#synced ? waitMs : Math.min(waitMs, deadline - this.#deps.monotonicNow()),
        );
      }
    } catch (error) {
      if (!(error instanceof ClockDenied)) throw error;
      return this.#end({ kind: "denied", message: error.message });
    }
  }

  /** One check; returns how long to wait before the next. */
  async #checkAndPlan(deadline: number): Promise<number> {
    const remaining = deadline - this.#deps.monotonicNow();
    const first = !this.#synced;
    const timeoutMs = Math.max(1, Math.min(this.#settings.queryTimeoutMs, remaining));
    const checked = await this.#check(timeoutMs);
    if (checked === undefined) return 0;
    if (!this.#synced) {
      this.#failures++;
      const waitMs = retryBackoff(this.#failures, { random: this.#deps.random });
      this.#throttle.write(
        "retry",
        `no sync yet: asking again in ${_seconds(waitMs)} (then up to 64 s)`,
      );
      return waitMs;
    }
    this.#failures = 0;
    // The first sync starts the intervals at --interval, whatever it did.
    this.#intervalS = first ? this.#settings.intervalS : nextPollInterval(
      this.#intervalS,
      checked.outcome,
      { minS: this.#settings.intervalS, maxS: this.#settings.maxIntervalS },
    );
    if (checked.line !== undefined) {
      const next = this.#settings.once ? "" : `; next check in ${this.#intervalS} s`;
      this.#event(checked.line + next);
      if (first) await this.#deps.notify({ READY: "1", STATUS: checked.line });
    }
    return this.#intervalS * 1000;
  }

  /**
   * Asks every source, decides, corrects. Undefined when stopped or reloaded mid-way;
   * `"failed"` means no correction (before the first sync: no sync yet).
   */
  async #check(timeoutMs: number): Promise<{ outcome: CheckOutcome; line?: string } | undefined> {
    const first = !this.#synced;
    const interrupted = new Promise<undefined>((resolve) => {
      this.#interruptCheck = () => resolve(undefined);
    });
    const results = await Promise.race([
      this.#deps.poll(this.#targets, {
        samples: first ? 1 : this.#settings.samples,
        timeoutMs,
        floorMs: this.#floorMs,
        clockUnverified: first,
      }),
      interrupted,
    ]);
    this.#interruptCheck = () => {};
    if (results === undefined) return undefined;
    for (const r of results) {
      if (r.ok) continue;
      const source = describeSource(r);
      this.#throttle.write(`fail ${source} ${r.error.message}`, `${source}: ${r.error.message}`);
    }
    // Each answer by its source (scheme, host, port, address): two servers on one host are two.
    const answered = results.flatMap((r) =>
      r.ok ? [{ result: r, sample: { ...clockSample(r), host: describeSource(r) } }] : []
    );
    const plan = this.#plan(answered.map((a) => a.sample), results.length);
    if (!plan.ok) {
      this.#throttle.write(`plan ${plan.reason}`, `not syncing: ${plan.reason}`);
      return { outcome: "failed" };
    }
    for (const { sample } of answered) {
      if (plan.hosts.includes(sample.host)) continue;
      const offset = formatOffset(sample.offsetS);
      this.#event(`${sample.host}: offset ${offset}: does not agree, not used`);
    }
    this.#throttle.reset();
    const used = answered.filter((a) => plan.hosts.includes(a.sample.host));
    const agree = `${used.length} of ${results.length} agree: ` +
      used.map((a) => a.sample.host).join(", ");
    const action = stepOrSlew(plan.stepS, this.#settings.stepThresholdS);
    const done = await applyCorrection(plan.stepS, {
      action,
      dryRun: this.#settings.dryRun,
      now: this.#deps.now,
      setClock: this.#deps.setClock,
      slewClock: this.#deps.slewClock,
    });
    this.#synced = true;
    if (done.stepped) await this.#afterStep("step", done);
    const line = `${first ? "first sync" : "sync"}: offset ${formatOffset(plan.stepS)} ` +
      `(${agree}): ${done.said}`;
    return { outcome: done.stepped ? "stepped" : "kept", line };
  }

  /** planClockSet with the flags; the first sync may step any amount (the clock read only its floor). */
  #plan(samples: ClockSample[], asked: number) {
    const s = this.#settings;
    return planClockSet(samples, {
      asked,
      minAgree: s.minAgree,
      toleranceS: s.toleranceS,
      maxStepS: s.maxStepS,
      force: s.force || !this.#synced,
      nowMs: this.#deps.now(),
      plausibleSinceMs: this.#floorMs,
    });
  }

  /** Saves the new time and runs `--exec` after a step. */
  async #afterStep(event: "step" | "floor", step: { oldMs: number; newMs: number }): Promise<void> {
    if (this.#settings.dryRun) return;
    this.#save();
    if (!this.#deps.exec) return;
    await this.#deps.exec({
      NETKIT_EVENT: event,
      NETKIT_STEP_S: formatOffset((step.newMs - step.oldMs) / 1000).replace(/ s$/, ""),
      NETKIT_OLD_TIME: iso(step.oldMs),
      NETKIT_NEW_TIME: iso(step.newMs),
    });
  }

  /**
   * Reads the saved time and steps the clock forward to the floor when it
   * reads earlier; once (`run()` calls it when nobody did). A caller may
   * call it first, to say "started" only once the clock is at its floor.
   *
   * @throws {ClockDenied} when the clock cannot be stepped (run() turns it into `denied`)
   */
  floor(): Promise<void> {
    return (this.#floorDone ??= this.#applyFloor());
  }

  async #applyFloor(): Promise<void> {
    const buildFloorMs = this.#floorMs;
    const reading = this.#deps.state?.read();
    if (reading?.kind === "unusable") {
      this.#event(`${this.#deps.state!.path}: ignored: ${reading.reason}`);
    }
    const savedMs = reading?.kind === "saved" ? reading.ms : -Infinity;
    this.#floorMs = Math.max(buildFloorMs, savedMs);
    const which = savedMs >= buildFloorMs
      ? `the saved time (${this.#deps.state!.path})`
      : "this build's date";
    const oldMs = this.#deps.now();
    if (oldMs >= this.#floorMs) return;
    const floor = `the clock reads ${iso(oldMs)}, before ${which}`;
    if (this.#settings.dryRun) {
      this.#event(`floor: ${floor}: would step it to ${iso(this.#floorMs)} (--dry-run)`);
      return;
    }
    try {
      await this.#deps.setClock(this.#floorMs);
    } catch (error) {
      if (error instanceof NetError) {
        throw new ClockDenied(
          `cannot step the clock to its floor: ${error.message.charAt(0).toLowerCase()}${
            error.message.slice(1)
          }`,
        );
      }
      throw error;
    }
    this.#event(`floor: ${floor}: stepped it to ${iso(this.#floorMs)}`);
    await this.#afterStep("floor", { oldMs, newMs: this.#floorMs });
  }

  /** Sleeps `ms` in one timer (or two: the next save), waking early on stop or reload. */
  async #idle(ms: number): Promise<void> {
    const endMono = this.#deps.monotonicNow() + ms;
    while (this.#stopReason === undefined && !this.#reloaded) {
      const now = this.#deps.monotonicNow();
      if (now >= endMono) return;
      const nextSave = this.#lastSaveMono + this.#settings.saveEveryMs;
      if (nextSave <= now) {
        this.#save();
        continue;
      }
      this.#wake = new AbortController();
      await this.#deps.sleep(Math.min(endMono, nextSave) - now, this.#wake.signal);
    }
  }

  /**
   * Saves the time. After the first sync that is the clock; before it only
   * what is sure, the floor plus the time since the start (a clock that read
   * ahead of the floor is not yet known right, and a floor too late would
   * refuse every honest source afterwards).
   */
  #save(): void {
    const mono = this.#deps.monotonicNow();
    this.#lastSaveMono = mono;
    const state = this.#deps.state;
    if (!state || this.#settings.dryRun) return;
    const nowMs = this.#deps.now();
    const sureMs = this.#synced ? nowMs : Math.min(nowMs, this.#floorMs + (mono - this.#startMono));
    if (sureMs < this.#floorMs) {
      if (!this.#floorNoted) {
        this.#event(`${state.path}: not saved: the clock reads ${iso(nowMs)}, before the floor`);
      }
      this.#floorNoted = true;
      return;
    }
    try {
      state.save(sureMs);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const line = `${state.path}: cannot save the time (${code ?? String(error)})`;
      this.#throttle.write(`save ${code}`, line);
    }
  }

  /** Saves the time and tells the service manager the run is over. */
  async #end(outcome: SyncOutcome): Promise<SyncOutcome> {
    this.#save();
    if (outcome.kind === "stopped") await this.#deps.notify({ STOPPING: "1" });
    return outcome;
  }

  /** One event line: the time, then what happened. */
  #event(text: string): void {
    this.#deps.log(`${iso(this.#deps.now())} ${text}`);
  }
}

function _seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
