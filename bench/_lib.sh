# Shared by the benchmarks (bench/*_bench.sh): sourced, never run.
#
#   BENCH_NAME=http_bench
#   source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"
#
# Sourcing it moves to the repository root and puts node_modules/.bin on PATH.
# It gives: log/die, need_tools, CPU placement (LOADER and SERVER command
# prefixes from PIN and NICE), process bookkeeping (start_server/stop_server by
# PID, one cleanup trap that stops everything started here, a TIME_LIMIT
# watchdog), free ports, waiting for a "listening on" line, the netkit variants
# (RUNTIMES), /proc readings (RSS, CPU ticks, machine busy time), median, and
# the machine line every report prints (CPU model, pinning, nice).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$PATH"
HOST=${HOST:-127.0.0.1}

log() { printf '%s\n' "$*" >&2; }
die() {
  log "$BENCH_NAME: $*"
  exit 1
}

# need_tools HINT TOOL... : dies naming HINT (how to install) if a tool is missing.
need_tools() {
  local hint=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "needs '$tool' ($hint)"
  done
}

# --- CPU placement ---------------------------------------------------------
# PIN=auto|yes|no: loader on CPU 0, servers on CPU 1 (auto = yes with taskset
# and two CPUs). NICE=auto|N: auto = -20 as root, else 0. With autogroup
# scheduling on, nice only ranks processes within a session, so this session's
# autogroup gets NICE too (restored on exit). Sets LOADER and SERVER, the
# command prefixes to start loaders and servers with.
bench_placement() {
  PIN=${PIN:-auto}
  NICE=${NICE:-auto}
  LOADER=() SERVER=()
  if [[ $PIN == auto ]]; then
    if command -v taskset >/dev/null && (($(nproc) >= 2)); then PIN=yes; else PIN=no; fi
  fi
  if [[ $PIN == yes ]]; then
    LOADER=(taskset -c 0)
    SERVER=(taskset -c 1)
  fi
  if [[ $NICE == auto ]]; then
    if ((EUID == 0)); then NICE=-20; else NICE=0; fi
  fi
  if ((NICE != 0)); then
    LOADER=(nice -n "$NICE" "${LOADER[@]}")
    SERVER=(nice -n "$NICE" "${SERVER[@]}")
    if [[ -w /proc/$$/autogroup ]]; then
      local old
      old=$(awk '{print $NF}' "/proc/$$/autogroup")
      if echo "$NICE" >"/proc/$$/autogroup" 2>/dev/null; then AUTOGROUP_NICE=$old; fi
    fi
  fi
}

# The machine line of every report: CPUs, CPU model, kernel, placement.
machine_line() {
  local model
  model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
  local pinned="not pinned"
  [[ $PIN == yes ]] && pinned="pinned: loader on CPU 0, servers on CPU 1"
  echo "$(nproc) CPUs, ${model:-unknown CPU model}, Linux $(uname -r); loader and servers $pinned; nice $NICE"
}

# --- process bookkeeping ---------------------------------------------------
# Every process started with start_server is recorded by PID and stopped on
# exit, whatever the exit; so is the watchdog. bench_cleanup_hook, if a bench
# defines it, runs first (e.g. to copy raw output out of $TMP).
declare -A PID=() PORT=() EXIT_CODE=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/netkit-$BENCH_NAME.XXXXXX")
AUTOGROUP_NICE=""
WATCHDOG=""
_bench_cleanup() {
  local name
  if declare -F bench_cleanup_hook >/dev/null; then bench_cleanup_hook || true; fi
  [[ -n $WATCHDOG ]] && kill "$WATCHDOG" 2>/dev/null || true
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; done
  rm -rf "$TMP"
  if [[ -n $AUTOGROUP_NICE ]]; then echo "$AUTOGROUP_NICE" >"/proc/$$/autogroup" 2>/dev/null || true; fi
}
trap _bench_cleanup EXIT
trap 'exit 130' INT
trap 'log "$BENCH_NAME: stopped (TERM, or TIME_LIMIT=${TIME_LIMIT:-}s reached)"; exit 124' TERM

# bench_watchdog SECONDS : a hard bound on the whole run (TERM to this shell).
bench_watchdog() {
  (
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$1" &
    sleeper=$!
    wait "$sleeper"
    kill -TERM $$ 2>/dev/null
  ) &
  WATCHDOG=$!
}

# start_server NAME STDERR_FILE COMMAND... : starts COMMAND on the server CPU,
# stdout to SERVER_STDOUT (discarded when unset), stderr to STDERR_FILE; its
# PID goes to PID[NAME].
start_server() {
  local name=$1 err=$2
  shift 2
  "${SERVER[@]}" "$@" >"${SERVER_STDOUT:-/dev/null}" 2>"$err" &
  PID[$name]=$!
}

# stop_server NAME : TERM, wait, keep the exit status in EXIT_CODE[NAME].
stop_server() {
  local name=$1 pid=${PID[$1]} code=0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || code=$?
  EXIT_CODE[$name]=$code
  unset "PID[$name]"
}

# A port free on both TCP and UDP, below the ephemeral range loaders use.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 12000))
    if ! ss -Htuan | awk '{print $5}' | grep -q ":$port\$"; then
      echo "$port"
      return
    fi
  done
}

# wait_for_port FILE PROTO PID : waits (~30 s at most) for a line
# "listening on PROTO://HOST:PORT" in FILE and prints PORT; fails if PID exits.
wait_for_port() {
  local file=$1 proto=$2 pid=$3 i port
  for ((i = 0; i < 300; i++)); do
    port=$(sed -n "s|^listening on $proto://.*:\([0-9][0-9]*\)\$|\1|p" "$file" | head -n1)
    if [[ -n $port ]]; then
      echo "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}

# --- the netkit variants ---------------------------------------------------
# netkit_variants : from RUNTIMES (bun, deno, binary = dist/netkit) sets
# NETKITS (netkit-bun ...) and NETKIT_CMD[netkit-bun]="bun main.ts" and so on.
# A missing dist/netkit is skipped with a note in BINARY_NOTE. RUNTIMES may
# also name `baseline`: the binary BASELINE_BIN (an earlier build), measured in
# the same run for a before/after that the machine's drift between runs cannot blur.
declare -A NETKIT_CMD=()
netkit_variants() {
  local rt newer
  NETKITS=()
  BINARY_NOTE=""
  for rt in $RUNTIMES; do
    case $rt in
    bun)
      command -v bun >/dev/null || die "bun not found (npm install)"
      NETKITS+=(netkit-bun)
      NETKIT_CMD[netkit-bun]="bun $ROOT/main.ts"
      ;;
    deno)
      command -v deno >/dev/null || die "deno not found (npm install)"
      NETKITS+=(netkit-deno)
      NETKIT_CMD[netkit-deno]="deno run -A $ROOT/main.ts"
      ;;
    binary)
      if [[ -x dist/netkit ]]; then
        NETKITS+=(netkit-binary)
        NETKIT_CMD[netkit-binary]="$ROOT/dist/netkit"
        newer=$(find main.ts src -name '*.ts' -newer dist/netkit 2>/dev/null | head -n1)
        if [[ -n $newer ]]; then
          BINARY_NOTE="warning: dist/netkit is older than $newer (and maybe other sources): it may not be the code measured under Bun and Deno; rebuild with \`bun scripts/build.ts\`."
          log "$BINARY_NOTE"
        fi
      else
        BINARY_NOTE="dist/netkit not found, so it was not measured (build it with \`bun scripts/build.ts\`)."
        log "$BINARY_NOTE"
      fi
      ;;
    baseline)
      [[ -x ${BASELINE_BIN:-} ]] || die "RUNTIMES names baseline: set BASELINE_BIN to an earlier netkit binary"
      NETKITS+=(netkit-baseline)
      NETKIT_CMD[netkit-baseline]="$BASELINE_BIN"
      ;;
    *) die "unknown netkit variant '$rt' in RUNTIMES (bun, deno, binary, baseline)" ;;
    esac
  done
  ((${#NETKITS[@]} > 0)) || die "no netkit variant to measure"
}

# --- /proc readings --------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
peak_rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# CPU time (user + system, all threads) of a process, in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0; }
# Busy CPU time of the whole machine, in ticks: user, nice, system and steal
# (idle, iowait and interrupt time left out: the loopback traffic itself shows
# up as softirq time, and that is no one else's).
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $9; exit }' /proc/stat; }
# How busy the machine is, in % of one CPU, over one second.
busy_pct() {
  local b0 b1
  b0=$(busy_ticks)
  sleep 1
  b1=$(busy_ticks)
  echo $(((b1 - b0) * 100 / CLK_TCK))
}
# The median of the numbers on stdin, one a line ("-" if none).
median() { sort -g | awk '{ a[++n] = $1 } END { if (!n) print "-"; else print n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }'; }
