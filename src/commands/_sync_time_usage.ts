/**
 * `netkit help sync-time`.
 *
 * @module
 */
import { DEFAULT_MAX_STEP_S } from "../time/plan_clock_set.ts";
import { DEFAULT_TOLERANCE_S } from "../time/poll_time.ts";
import { DEFAULT_STATE_FILE } from "../time/clock_state_file.ts";
import { DEFAULT_INTERVAL_S, DEFAULT_MAX_INTERVAL_S } from "../time/poll_interval.ts";
import { DEFAULT_STEP_THRESHOLD_S } from "../time/step_or_slew.ts";

/**
 * The full `--help` text of `sync-time`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SYNC_TIME_USAGE } from "./_sync_time_usage.ts";
 *
 * assert(SYNC_TIME_USAGE.startsWith("Usage: netkit sync-time"));
 * ```
 */
export const SYNC_TIME_USAGE = `Usage: netkit sync-time [SOURCE...] [options]

Keep this machine's clock right, from boot on: step it forward to the last
time it knew, ask every source in parallel until enough agree, step or slew
the clock, then check again every interval. Like chrony, systemd-timesyncd or
BusyBox ntpd, with fake-hwclock's floor, for devices without a real-time clock.

Sources (SOURCE, or one per line in --config FILE; a bare host means SNTP):
  HOST[:PORT], ntp://HOST[:PORT]   SNTP over UDP (port 123)
  time://HOST[:PORT]               RFC 868 over TCP (port 37); time+udp:// over UDP
  https://HOST[:PORT]              the Date header of HEAD / (port 443)
  http://HOST[:PORT]               the same over plain HTTP: UNAUTHENTICATED

Options:
  -c, --config FILE       sources, one per line, # comments; read again on SIGHUP
      --state FILE        the saved time (default: ${DEFAULT_STATE_FILE}; its
                          folder is created as needed)
      --save-every SECS   save the time this often (default: 900), and at exit
  -t, --timeout SECS      give up when there is no first sync after this long
                          (default: keep trying)
      --once              exit 0 after the first sync (1 at --timeout)
      --dry-run           say what would be done; change nothing: no clock, no
                          state file, no --exec (needs no root)
      --exec CMD          run CMD (with /bin/sh -c) after every step of the
                          clock; its environment has NETKIT_EVENT (floor|step),
                          NETKIT_STEP_S (e.g. +2.500000), NETKIT_OLD_TIME and
                          NETKIT_NEW_TIME (ISO 8601); e.g. 'hwclock --systohc'
      --min-agree N       fewest sources that must agree (default: the
                          majority of the answers asked for)
      --tolerance SECS    answers agree when their windows of offset +/- this
                          (plus each answer's own uncertainty) share a point
                          (default: ${DEFAULT_TOLERANCE_S})
      --max-step SECS     after the first sync, refuse steps larger than this
                          (default: ${DEFAULT_MAX_STEP_S}); the first sync may step any amount
      --force             step by any amount, always
      --step-threshold SECS  offsets above this are stepped, smaller ones
                          slewed by the kernel (adjtime: 0.5 ms per second, so
                          time never runs backwards) (default: ${DEFAULT_STEP_THRESHOLD_S})
      --interval SECS     first interval between checks after the first sync
                          (default: ${DEFAULT_INTERVAL_S}; at least 16)
      --max-interval SECS the interval doubles up to this while the clock keeps
                          within the step threshold; a step brings it back to
                          --interval (default: ${DEFAULT_MAX_INTERVAL_S})
      --samples N         SNTP and HTTPS requests per source at each re-check
                          (default: 4); the first sync asks once, to be quick
      --cacert FILE       HTTPS: trust the CA certificates in this PEM file too
  -k, --insecure          HTTPS: check no certificate at all (anyone on the
                          path can set the clock)
  -h, --help              show this help

At start, when the clock reads earlier than the later of this build's date and
the saved time, it is stepped there at once. Until the first sync every source
is asked in parallel, again after 1, 2, 4 ... 64 s (jittered), through no
network, no route, DNS failures and refusals, forever unless --timeout. Host
names are resolved again at every check. A step needs the same agreement as
query-time --set, and never goes before the floor; an outlier never moves the
clock. Until the first sync HTTPS certificates are judged as on an unset clock
(chain and name verified, the Date inside every certificate's validity).

Service manners: one line per event on stderr (time, source, offset, action);
READY=1 to $NOTIFY_SOCKET after the first sync (systemd Type=notify); SIGTERM
or SIGINT saves the time and exits 0; SIGHUP reads --config again. Between
checks it sleeps.

Exit codes: 0 stopped by SIGTERM/SIGINT, or --once synced; 1 no sync within
--timeout; 2 usage error (a bad flag, source or --config line); 113 the clock
could not be changed (not root, no CAP_SYS_TIME).`;
