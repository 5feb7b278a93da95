#!/usr/bin/env bash
# sync-time benchmark: how long from start to the first sync against a local
# SNTP source, and what an idle sync-time costs between checks, each next to
# chronyd doing the same job in the same run.
#
#   flock /tmp/netkit-bench.lock bash bench/sync_time_bench.sh
#   RUNS=10 IDLE=75 bash bench/sync_time_bench.sh
#
# 1. Start to first sync: hyperfine -N of `netkit sync-time --once --dry-run`
#    (each variant) against `serve-time --ntp --local` on 127.0.0.1, next to
#    the anchor `chronyd -Q` (measure once and exit: `iburst maxsamples 1`).
#    The target: the binary under 1 s.
# 2. Idle: `netkit sync-time --dry-run` (each variant) and the anchor
#    `chronyd -x -d` (never touches the clock) run side by side against the
#    same source; after each one's first sync, their CPU time (user + system,
#    /proc/PID/stat) over IDLE seconds, scaled to a minute, and their RSS. The
#    default 75 s covers sync-time's first re-check (64 s after the first sync,
#    4 samples 2 s apart). Targets: under 0.05 s of CPU a minute, under 60 MB.
#
# Nothing here changes the clock: sync-time runs with --dry-run, chronyd with
# -x or -Q.
#
# Settings (environment):
#   RUNS=20 WARMUP=2     hyperfine runs of each start-to-first-sync command
#   IDLE=75              seconds of idle measurement (bounded: at most 240)
#   RUNTIMES="binary bun deno"   which netkit variants (binary = dist/netkit)
#   TIME_LIMIT=300       the script stops itself (and what it started) after this long
#   PIN=auto NICE=auto   as in _lib.sh
#
# Needs: chronyd (chrony), hyperfine. Build the binary first (bun scripts/build.ts).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=sync_time_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNS=${RUNS:-20}
WARMUP=${WARMUP:-2}
IDLE=${IDLE:-75}
RUNTIMES=${RUNTIMES:-binary bun deno}
TIME_LIMIT=${TIME_LIMIT:-300}
((IDLE <= 240)) || die "IDLE=$IDLE: at most 240 s (the machine is shared)"

need_tools "apt-get install -y chrony hyperfine" chronyd hyperfine
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants
SOURCE_CMD=${NETKIT_CMD[netkit-binary]:-${NETKIT_CMD[${NETKITS[0]}]}}

# --- the source: serve-time --ntp --local on a free port ---------------------
# shellcheck disable=SC2086 # the command is a word list
start_server source "$TMP/source.log" $SOURCE_CMD serve-time --host "$HOST" --no-time \
  --ntp --ntp-port 0 --local
NTP_PORT=$(wait_for_port "$TMP/source.log" ntp "${PID[source]}") ||
  die "serve-time did not start: $(cat "$TMP/source.log")"
log "source: serve-time --ntp --local on $HOST:$NTP_PORT"

# chronyd -Q (and -d below) need the compiled-in user to exist: -u root avoids the drop.
CHRONY_SERVER="server $HOST port $NTP_PORT iburst"

# --- 1. start to first sync --------------------------------------------------
commands=(-n "chronyd -Q" "chronyd -Q -u root -f /dev/null -t 10 '$CHRONY_SERVER maxsamples 1'")
for v in "${NETKITS[@]}"; do
  cmd="${NETKIT_CMD[$v]} sync-time --once --dry-run --state $TMP/$v.clock ntp://$HOST:$NTP_PORT"
  $cmd >&2 || die "$v: sync-time --once failed"
  commands+=(-n "${v#netkit-}" "$cmd")
done
JSON="$TMP/first_sync.json"
log "timing start to first sync: ${#NETKITS[@]} netkit variant(s) and chronyd -Q, $RUNS runs each"
"${LOADER[@]}" hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$JSON" "${commands[@]}" >&2

# --- 2. idle: every variant and chronyd side by side -------------------------
cat >"$TMP/chrony.conf" <<EOF
$CHRONY_SERVER
cmdport 0
bindcmdaddress /
pidfile $TMP/chronyd.pid
driftfile $TMP/drift
EOF
start_server chronyd "$TMP/chronyd.log" chronyd -x -d -u root -f "$TMP/chrony.conf"
for v in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086
  start_server "$v" "$TMP/$v.log" ${NETKIT_CMD[$v]} sync-time --dry-run \
    --state "$TMP/$v.idle.clock" "ntp://$HOST:$NTP_PORT"
done
synced() { # NAME : has it made its first sync?
  if [[ $1 == chronyd ]]; then grep -q "Selected source" "$TMP/chronyd.log"; else grep -q "first sync:" "$TMP/$1.log"; fi
}
for name in chronyd "${NETKITS[@]}"; do
  for _ in $(seq 200); do
    synced "$name" && break
    kill -0 "${PID[$name]}" 2>/dev/null || die "$name exited: $(cat "$TMP/$name.log")"
    sleep 0.1
  done
  synced "$name" || die "$name did not sync in 20 s: $(cat "$TMP/$name.log")"
done
declare -A T0=()
for name in chronyd "${NETKITS[@]}"; do T0[$name]=$(cpu_ticks "${PID[$name]}"); done
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "all synced; measuring $IDLE s of idle"
sleep "$IDLE"
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A CPU_MIN=() RSS=() HWM=() CHECKS=()
for name in chronyd "${NETKITS[@]}"; do
  t1=$(cpu_ticks "${PID[$name]}")
  CPU_MIN[$name]=$(awk -v d=$((t1 - T0[$name])) -v hz="$CLK_TCK" -v s="$IDLE" 'BEGIN { printf "%.3f", d / hz * 60 / s }')
  RSS[$name]=$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/${PID[$name]}/status")
  HWM[$name]=$(awk '/^VmHWM:/ {printf "%.1f", $2 / 1024}' "/proc/${PID[$name]}/status")
  if [[ $name == chronyd ]]; then CHECKS[$name]="-"; else
    CHECKS[$name]=$(grep -c "Z sync: " "$TMP/$name.log" || true)
  fi
done

# --- report ------------------------------------------------------------------
echo "## sync-time: start to first sync, and idle cost, next to chronyd"
echo
echo "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(machine_line)"
echo "load average (1, 5, 15 min) at the idle window's start: $LOAD_BEFORE; at its end: $LOAD_AFTER"
echo "source: netkit serve-time --ntp --local on $HOST; chronyd $(chronyd --version | awk '{print $4}')"
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
echo
echo "Start to first sync (hyperfine -N, $RUNS runs after $WARMUP warm-up; sync-time --once --dry-run; chronyd -Q with iburst maxsamples 1):"
echo
python3 - "$JSON" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = results["chronyd -Q"]["median"]
print("| command | median ms | mean ms | min ms | max ms | median ÷ chronyd -Q |")
print("| ------- | --------: | ------: | -----: | -----: | ------------------: |")
for name, r in results.items():
    print(f"| {name} | {r['median']*1000:.1f} | {r['mean']*1000:.1f} | {r['min']*1000:.1f} | "
          f"{r['max']*1000:.1f} | {r['median']/base:.2f} |")
if "binary" in results:
    ms = results["binary"]["median"] * 1000
    print(f"\nTarget: the binary under 1 s: {ms:.0f} ms, **{'met' if ms < 1000 else 'NOT met'}**.")
PY
echo
echo "Idle, after the first sync, over $IDLE s (sync-time --dry-run; chronyd -x -d; one source):"
echo
echo "| process | CPU s per minute | ÷ chronyd | RSS MB | peak RSS MB | re-checks in the window (after the first sync) |"
echo "| ------- | ---------------: | --------: | -----: | ----------: | ---------------------------------------------: |"
for name in chronyd "${NETKITS[@]}"; do
  ratio=$(awk -v a="${CPU_MIN[$name]}" -v b="${CPU_MIN[chronyd]}" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
  echo "| ${name#netkit-} | ${CPU_MIN[$name]} | $ratio | ${RSS[$name]} | ${HWM[$name]} | ${CHECKS[$name]} |"
done
if [[ -n ${CPU_MIN[netkit-binary]:-} ]]; then
  cpu_ok=$(awk -v a="${CPU_MIN[netkit-binary]}" 'BEGIN { print (a < 0.05) ? "met" : "NOT met" }')
  rss_ok=$(awk -v a="${HWM[netkit-binary]}" 'BEGIN { print (a < 60) ? "met" : "NOT met" }')
  echo
  echo "Targets for the binary: under 0.05 s CPU per minute: ${CPU_MIN[netkit-binary]} s, **$cpu_ok**; under 60 MB: peak ${HWM[netkit-binary]} MB, **$rss_ok**."
fi
echo "(CPU time from /proc/PID/stat in ticks of 1/$CLK_TCK s: a reading of 0.000 means under one tick in the window.)"
