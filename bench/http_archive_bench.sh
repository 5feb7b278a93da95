#!/usr/bin/env bash
# serve-http folder archives: a 1 GiB folder of 10,000 files (sparse, so the
# disk is not what is measured) streamed as tar by netkit (under Bun, under
# Deno, and as dist/netkit) and fetched with curl, against the anchor
# `tar -cf - DIR | cat > /dev/null` on the same folder (the pipe keeps GNU tar
# from skipping the reads, which it does when it writes to /dev/null itself).
#
#   bench/http_archive_bench.sh              # from the repository root (or anywhere)
#   bench/http_archive_bench.sh bun binary   # only these netkit variants
#
# What it measures, REPS times each (taken in turn), median reported:
#   1. seconds for the anchor, and for each variant's ?download=tar to curl -o /dev/null
#   2. the ratio anchor ÷ variant in rate (target: at least 0.8, issue 12)
#   3. the server's RSS growth (VmHWM after the runs − VmRSS before; target < 100 MB)
#   and once per variant the rate of ?download=zip and ?download=tar.gz (no target).
#
# Settings (environment; a command-line argument list overrides RUNTIMES):
#   RUNTIMES="bun deno binary"  REPS=3  FILES=10000  FILE_BYTES=107374
#   BARE=yes (no: leave out bare-bun / bare-deno, bench/bare_folder_stream.ts:
#   the runtime's server sending the folder's bytes and nothing else, the ceiling)
#   PIN=auto  NICE=auto  TIME_LIMIT=600  (see bench/_lib.sh)
#
# Needs: curl, tar, taskset; bun and deno from node_modules/.bin (npm install).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=http_archive_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if (($# > 0)); then RUNTIMES="$*"; fi
RUNTIMES=${RUNTIMES:-bun deno binary}
REPS=${REPS:-3}
FILES=${FILES:-10000}
FILE_BYTES=${FILE_BYTES:-107374}
TIME_LIMIT=${TIME_LIMIT:-600}
BARE=${BARE:-yes}
RATIO_TARGET=0.8
RSS_LIMIT_MB=100

need_tools "apt-get install -y curl tar util-linux" curl tar
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

# --- the folder --------------------------------------------------------------
DATA="$TMP/gib"
for ((d = 0; d < 10; d++)); do
  mkdir -p "$DATA/d$d"
  (cd "$DATA/d$d" && for ((i = 0; i < FILES / 10; i++)); do truncate -s "$FILE_BYTES" "f$i.bin"; done)
done
TOTAL=$((FILES * FILE_BYTES))
log "folder: $FILES files, $TOTAL bytes"

seconds() { # COMMAND... : wall seconds of one run
  local t0=$EPOCHREALTIME
  "$@" >/dev/null
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }'
}
anchor() { "${LOADER[@]}" bash -c 'tar -cf - -C "$1" . | cat >/dev/null' _ "$DATA"; }
fetch() { "${LOADER[@]}" curl -sS --fail -o /dev/null "http://$HOST:$1/?download=$2"; }

# The bare servers: the runtime's HTTP server sending the folder's bytes,
# each file read whole into a fresh buffer, and nothing else (bench/bare_folder_stream.ts).
BARES=()
declare -A BARE_CMD=()
if [[ $BARE == yes ]]; then
  for rt in $RUNTIMES; do
    case $rt in
    bun) BARES+=(bare-bun) && BARE_CMD[bare-bun]="bun $ROOT/bench/bare_folder_stream.ts" ;;
    deno) BARES+=(bare-deno) && BARE_CMD[bare-deno]="deno run -A $ROOT/bench/bare_folder_stream.ts" ;;
    esac
  done
fi

declare -A TIMES=() RSS_GROWTH=() OTHER=()
ANCHOR_TIMES=()
for name in "${NETKITS[@]}" "${BARES[@]}"; do
  err="$TMP/$name.err"
  # shellcheck disable=SC2086 # NETKIT_CMD and BARE_CMD hold command lines
  if [[ $name == bare-* ]]; then
    start_server "$name" "$err" ${BARE_CMD[$name]} "$DATA" "$HOST"
  else
    start_server "$name" "$err" ${NETKIT_CMD[$name]} serve-http "$DATA" --host "$HOST" -p 0 --log off
  fi
  PORT[$name]=$(wait_for_port "$err" http "${PID[$name]}") || die "$name did not start: $(cat "$err")"
  rss0=$(awk '/^VmRSS:/ {print $2}' "/proc/${PID[$name]}/status")
  fetch "${PORT[$name]}" tar # warm-up, uncounted
  for ((r = 0; r < REPS; r++)); do
    ANCHOR_TIMES+=("$(seconds anchor)")
    TIMES[$name]+="$(seconds fetch "${PORT[$name]}" tar) "
  done
  if [[ $name == bare-* ]]; then
    OTHER[$name]="(the folder's bytes only)"
  else
    OTHER[$name]="zip $(seconds fetch "${PORT[$name]}" zip) s, tar.gz $(seconds fetch "${PORT[$name]}" tar.gz) s"
  fi
  RSS_GROWTH[$name]=$((($(peak_rss_kb "${PID[$name]}") - rss0) / 1000))
  stop_server "$name"
  log "$name: tar ${TIMES[$name]}s; ${OTHER[$name]}; RSS growth ${RSS_GROWTH[$name]} MB"
done

# --- report ------------------------------------------------------------------
anchor_s=$(printf '%s\n' "${ANCHOR_TIMES[@]}" | median)
rate() { awk -v b="$TOTAL" -v s="$1" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }
echo "### serve-http: a 1 GiB folder as tar ($(date -u +%Y-%m-%d))"
echo
echo "$(machine_line)"
echo "$FILES sparse files of $FILE_BYTES bytes; median of $REPS runs after one uncounted; MB = 10^6 bytes."
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
echo
echo "| | tar s | MB/s | ÷ anchor rate | RSS growth MB | zip, tar.gz (one run) |"
echo "|---|---|---|---|---|---|"
echo "| \`tar -cf - DIR \\| cat\` | $anchor_s | $(rate "$anchor_s") | 1.00 | | |"
for name in "${NETKITS[@]}" "${BARES[@]}"; do
  # shellcheck disable=SC2086 # a list of numbers
  s=$(printf '%s\n' ${TIMES[$name]} | median)
  ratio=$(awk -v a="$anchor_s" -v s="$s" 'BEGIN { printf "%.2f", a / s }')
  verdict=$(awk -v r="$ratio" -v t="$RATIO_TARGET" 'BEGIN { print (r >= t) ? "met" : "not met" }')
  rss=${RSS_GROWTH[$name]}
  rss_verdict=$([[ $rss -lt $RSS_LIMIT_MB ]] && echo met || echo "not met")
  echo "| ${name#netkit-} | $s | $(rate "$s") | $ratio ($verdict) | $rss ($rss_verdict) | ${OTHER[$name]} |"
done
