#!/usr/bin/env bash
# SNTP client benchmark: wall time of one `netkit query-time --ntp` against
# the same local server as `ntpdig` (NTPsec's SNTP client), side by side.
#
#   bench/ntp_client_bench.sh              # from the repository root (or anywhere)
#   RUNS=60 bench/ntp_client_bench.sh
#
# The server is chronyd (-x: it never touches the clock; `local stratum 8`).
# ntpdig has no option for the server's port, so chronyd must listen on port
# 123: this needs root. To stay out of the way of anything else on 127.0.0.1:123
# (another NTP server, another engineer's test), chronyd binds a loopback
# address of its own, 127.X.Y.Z picked at random (Linux routes all of
# 127.0.0.0/8 to lo). Without root the script says so and exits 0.
#
# Settings (environment):
#   RUNS=40          timed runs of each client (hyperfine -N), after WARMUP
#   WARMUP=3
#   RUNTIMES="binary bun deno"   which netkit variants (binary = dist/netkit)
#   TARGET=1.5       netkit binary ÷ ntpdig, median wall time, at most
#   TIME_LIMIT=300   the script stops itself (and chronyd) after this long
#   PIN=auto NICE=auto  as in _lib.sh: clients on CPU 0, chronyd on CPU 1
#
# Needs: chronyd (chrony), ntpdig (ntpsec-ntpdate), hyperfine, python3.
# Build the binary first with `bun scripts/build.ts`.
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=ntp_client_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNS=${RUNS:-40}
WARMUP=${WARMUP:-3}
RUNTIMES=${RUNTIMES:-binary bun deno}
TARGET=${TARGET:-1.5}
TIME_LIMIT=${TIME_LIMIT:-300}

if ((EUID != 0)); then
  log "$BENCH_NAME: skipped: ntpdig asks port 123 only, and a server there needs root"
  exit 0
fi
need_tools "apt-get install -y chrony ntpsec-ntpdate hyperfine python3" chronyd ntpdig hyperfine python3
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

# --- chronyd on 127.X.Y.Z:123 ------------------------------------------------
ADDR="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))"
cat >"$TMP/chrony.conf" <<EOF
port 123
bindaddress $ADDR
allow 127.0.0.0/8
local stratum 8
cmdport 0
bindcmdaddress /
pidfile $TMP/chronyd.pid
driftfile $TMP/drift
EOF
start_server chronyd "$TMP/chronyd.log" chronyd -x -d -u root -f "$TMP/chrony.conf"
ready=""
for _ in $(seq 50); do
  if ntpdig -t 1 "$ADDR" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  kill -0 "${PID[chronyd]}" 2>/dev/null || break
done
[[ -n $ready ]] || die "chronyd did not answer on $ADDR:123: $(cat "$TMP/chronyd.log")"
log "chronyd answers on $ADDR:123"

# Each client must succeed once before it is timed (hyperfine -N fails on a non-zero exit).
ntpdig "$ADDR" >&2
commands=(-n ntpdig "ntpdig $ADDR")
for v in "${NETKITS[@]}"; do
  ${NETKIT_CMD[$v]} query-time --ntp "$ADDR" >&2
  commands+=(-n "${v#netkit-}" "${NETKIT_CMD[$v]} query-time --ntp $ADDR")
done

JSON="$TMP/query.json"
log "timing ${#NETKITS[@]} netkit variant(s) and ntpdig, $RUNS runs each"
"${LOADER[@]}" hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" \
  --export-json "$JSON" "${commands[@]}" >&2

echo "## query-time --ntp vs ntpdig, one request to chronyd on loopback"
echo
echo "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(machine_line)"
echo "chronyd $(chronyd --version | awk '{print $4}') (-x, local stratum 8) on $ADDR:123; ntpdig from $(dpkg-query -W -f='ntpsec-ntpdate ${Version}' ntpsec-ntpdate 2>/dev/null || echo ntpsec)"
echo "hyperfine -N, $RUNS runs after $WARMUP warm-up; each run starts the client, asks once, exits."
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
echo
python3 - "$JSON" "$TARGET" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
target = float(sys.argv[2])
base = results["ntpdig"]["median"]
print("| client | median ms | mean ms | min ms | max ms | median ÷ ntpdig |")
print("| ------ | --------: | ------: | -----: | -----: | --------------: |")
for name, r in results.items():
    print(f"| {name} | {r['median']*1000:.1f} | {r['mean']*1000:.1f} | {r['min']*1000:.1f} | "
          f"{r['max']*1000:.1f} | {r['median']/base:.2f} |")
if "binary" in results:
    ratio = results["binary"]["median"] / base
    verdict = "met" if ratio <= target else "NOT met"
    print(f"\nTarget: the binary within {target}x of ntpdig: {ratio:.2f}x, **{verdict}**.")
PY
