#!/usr/bin/env bash
# SNTP server benchmark: netkit serve-time --ntp against chronyd's NTP server,
# rate limiting off on both (netkit --udp-rate 0; chronyd without `ratelimit`,
# which is its default). On loopback, loader and servers side by side; every
# reply is checked (bench/ntp_load.c: origin = the request's nonce, answered
# once, mode 4, stratum 1-15, leap not 3, transmit time within 1 s).
#
#   bench/ntp_server_bench.sh              # from the repository root (or anywhere)
#   ROUNDS=5 DURATION=10 bench/ntp_server_bench.sh
#
# Settings (environment):
#   DURATION=3       measured seconds per load run
#   WARMUP=1         uncounted seconds of load before each run
#   ROUNDS=4         rounds; each server is measured once per round, in turn;
#                    the table shows the median round (and the spread)
#   SOAK=10          then each netkit server takes SOAK seconds more, for its peak RSS
#   WINDOW=32        requests outstanding (one socket)
#   PIN, NICE        CPU placement and priority, as in bench/_lib.sh
#   RUNTIMES="bun deno binary"   which netkit variants to run (binary = dist/netkit)
#   CEILINGS="bun-send bun-sendmany bun-dgram deno deno-par deno-dgram bun-ffi deno-ffi deno-ffi-async"
#                    bare echo servers (bench/udp_echo_server.ts: 48 bytes in, the
#                    same 48 back, no NTP work) measured in the same rounds: the
#                    most each runtime's UDP API allows (the *-ffi ones bypass it:
#                    libc's recvmmsg/sendmmsg through FFI); CEILINGS="" skips them
#   TIME_LIMIT=600   the script stops itself (and its servers) after this long
#
# Needs: cc, chronyd (package chrony), ss; bun and deno from node_modules/.bin.
# Build the binary first with `bun scripts/build.ts` to include it.
# chronyd runs with -x (it never touches the clock), on a high port, its
# command and pid files under a temporary folder.
# Prints the result table (Markdown) on stdout, progress on stderr; raw
# loader output is kept in bench/out/ntp-<timestamp>/.
set -euo pipefail

BENCH_NAME=ntp_server_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-4}
SOAK=${SOAK:-10}
WINDOW=${WINDOW:-32}
RUNTIMES=${RUNTIMES:-bun deno binary}
CEILINGS=${CEILINGS-bun-send bun-sendmany bun-dgram deno deno-par deno-dgram bun-ffi deno-ffi deno-ffi-async}

# Targets from issue 10.
TARGET_BUN=1.0   # serve-time NTP replies/s ÷ chronyd, Bun and the Bun-compiled binary
TARGET_DENO=0.6  # the same under Deno
RSS_LIMIT_MIB=80 # serve-time peak RSS under load, below

need_tools "apt-get install -y gcc chrony iproute2" cc chronyd ss

OUT="$BENCH_DIR/out"
RUN_DIR="$OUT/ntp-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
LOAD="$OUT/ntp_load"
cc -O2 -Wall -o "$LOAD" "$BENCH_DIR/ntp_load.c" -lm

bench_placement
bench_watchdog "${TIME_LIMIT:-600}"

start_chronyd() {
  local port dir="$TMP/chronyd" i
  mkdir -p "$dir"
  port=$(free_port)
  # -d foreground, -x never touch the clock; only the directives given here.
  start_server chronyd "$dir/stderr" chronyd -d -x -f /dev/null \
    "port $port" "bindaddress $HOST" "allow $HOST" "local stratum 8" \
    "cmdport 0" "bindcmdaddress /" "pidfile $dir/chronyd.pid" "driftfile $dir/drift"
  for ((i = 0; i < 50; i++)); do
    if "$LOAD" "$HOST" "$port" -d 0.2 >/dev/null 2>&1; then
      PORT[chronyd]=$port
      log "chronyd: NTP on udp $HOST:$port (pid ${PID[chronyd]})"
      return 0
    fi
    sleep 0.1
  done
  cat "$dir/stderr" >&2
  die "chronyd did not answer on its NTP port"
}

# start_netkit NAME COMMAND... : serve-time --ntp alone on a free port, answering as --local.
start_netkit() {
  local name=$1
  shift
  start_server "$name" "$TMP/$name.err" "$@" serve-time --host "$HOST" --no-time --ntp \
    --ntp-port 0 --local --udp-rate 0
  PORT[$name]=$(wait_for_port "$TMP/$name.err" ntp "${PID[$name]}") || {
    cat "$TMP/$name.err" >&2
    die "$name: serve-time --ntp did not start"
  }
  log "$name: serve-time --ntp on udp $HOST:${PORT[$name]} (pid ${PID[$name]})"
}

# start_ceiling NAME : one of bench/udp_echo_server.ts's variants, as echo-NAME.
declare -A LOAD_ARGS=()
start_ceiling() {
  local name=echo-$1 cmd
  case $1 in
  bun-send | bun-sendmany) cmd=(bun "$BENCH_DIR/udp_echo_server.ts" "$1") ;;
  bun-dgram) cmd=(bun "$BENCH_DIR/udp_echo_server.ts" dgram) ;;
  deno | deno-par) cmd=(deno run -A "$BENCH_DIR/udp_echo_server.ts" "$1") ;;
  deno-dgram) cmd=(deno run -A "$BENCH_DIR/udp_echo_server.ts" dgram) ;;
  bun-ffi) cmd=(bun "$BENCH_DIR/udp_echo_server.ts" ffi) ;;
  deno-ffi) cmd=(deno run -A "$BENCH_DIR/udp_echo_server.ts" ffi) ;;
  deno-ffi-async) cmd=(deno run -A "$BENCH_DIR/udp_echo_server.ts" ffi-async) ;;
  *) die "unknown ceiling '$1' in CEILINGS" ;;
  esac
  start_server "$name" "$TMP/$name.err" "${cmd[@]}" "$HOST"
  PORT[$name]=$(wait_for_port "$TMP/$name.err" ntp "${PID[$name]}") || {
    cat "$TMP/$name.err" >&2
    die "$name: the echo server did not start"
  }
  LOAD_ARGS[$name]=--echo
  ECHOES+=("$name")
  log "$name: echo on udp $HOST:${PORT[$name]} (pid ${PID[$name]})"
}

IDLE_BEFORE=$(busy_pct)
((IDLE_BEFORE < 10)) || log "warning: the machine is already ${IDLE_BEFORE}% busy; results will be noisy"
netkit_variants
start_chronyd
for name in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086 # the command is words on purpose
  start_netkit "$name" ${NETKIT_CMD[$name]}
done
ECHOES=()
for c in $CEILINGS; do start_ceiling "$c"; done

RESULTS="$RUN_DIR/results.txt" # round server rate replies wrong errors lost p99_ms cpu_pct other_pct
: >"$RESULTS"

measure() {
  local round=$1 name=$2 line t0 t1 c0 c1 b0 b1 cpu other
  c0=$(cpu_ticks "${PID[$name]}")
  b0=$(busy_ticks)
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086 # LOAD_ARGS is empty or one word
  line=$("${LOADER[@]}" "$LOAD" "$HOST" "${PORT[$name]}" -d "$DURATION" -W "$WARMUP" -w "$WINDOW" \
    ${LOAD_ARGS[$name]:-}) || true
  t1=$EPOCHREALTIME
  b1=$(busy_ticks)
  c1=$(cpu_ticks "${PID[$name]}")
  [[ -n $line ]] || die "loader failed against $name"
  read -r cpu other < <(echo "$line" | awk -v a="$c0" -v b="$c1" -v b0="$b0" -v b1="$b1" \
    -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      el = t1 - t0; srv = (b - a) / hz; all = (b1 - b0) / hz
      o = (all - srv - v["cpu_s"]) / el * 100
      printf "%.0f %.0f\n", srv / el * 100, o < 0 ? 0 : o }')
  echo "round=$round server=$name server_cpu_pct=$cpu other_cpu_pct=$other $line" >>"$RUN_DIR/loader.log"
  echo "$line" | awk -v r="$round" -v s="$name" -v cpu="$cpu" -v other="$other" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print r, s, v["rate"], v["replies"], v["wrong"], v["errors"], v["lost"], v["lat_p99_ms"], cpu, other
  }' >>"$RESULTS"
  log "  round $round  $name: $(echo "$line" | cut -d' ' -f2-7) server_cpu=${cpu}% others=${other}%"
}

log "load: ${ROUNDS} rounds × (${WARMUP}s warm-up + ${DURATION}s), window ${WINDOW}; pinning: $PIN; nice: $NICE"
for ((round = 1; round <= ROUNDS; round++)); do
  for name in chronyd "${NETKITS[@]}" "${ECHOES[@]}"; do measure "$round" "$name"; done
done

declare -A RSS_KB=() SOAK_WRONG=()
if ((SOAK > 0)); then
  for name in "${NETKITS[@]}"; do
    line=$("${LOADER[@]}" "$LOAD" "$HOST" "${PORT[$name]}" -d "$SOAK" -w "$WINDOW") || true
    echo "soak server=$name $line" >>"$RUN_DIR/loader.log"
    SOAK_WRONG[$name]=$(echo "$line" | sed -n 's/.* wrong=\([0-9]*\).*/\1/p')
    log "  soak  $name: $(echo "$line" | cut -d' ' -f2-7)"
  done
fi
for name in chronyd "${NETKITS[@]}" "${ECHOES[@]}"; do RSS_KB[$name]=$(peak_rss_kb "${PID[$name]}"); done
for name in chronyd "${NETKITS[@]}" "${ECHOES[@]}"; do stop_server "$name"; done

# A server's runs: "median min max wrong errors lost p99 cpu other" (medians
# over the rounds, each sorted on its own; sums of wrong/errors/lost; the most
# CPU anything else used during one run).
summary() {
  awk -v s="$1" '
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $2 == s { n++; r[n] = $3; w += $5; e += $6; l += $7; p[n] = $8; c[n] = $9; if ($10 > o) o = $10 }
    END {
      if (!n) { print "- - - - - - - - -"; exit }
      med = median(r, n)
      printf "%d %d %d %d %d %d %.2f %d %d\n", med, r[1], r[n], w, e, l, median(p, n), median(c, n), o
    }' "$RESULTS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
  if (v == "-") { print "n/a"; exit }
  ok = (op == ">=") ? v >= t : v < t
  print ok ? "met" : "**not met**" }'; }
label() {
  case $1 in
  chronyd) echo "chronyd $(chronyd -v | awk '{print $4}') (\`local stratum 8\`, no ratelimit)" ;;
  netkit-bun) echo "netkit serve-time --ntp, Bun $(bun --version)" ;;
  netkit-deno) echo "netkit serve-time --ntp, Deno $(deno --version | awk 'NR==1{print $2}')" ;;
  netkit-binary) echo "netkit serve-time --ntp, dist/netkit" ;;
  echo-bun-send) echo "echo, Bun \`Bun.udpSocket\`, \`send\` per datagram" ;;
  echo-bun-sendmany) echo "echo, Bun \`Bun.udpSocket\`, \`sendMany\` per loop turn" ;;
  echo-bun-dgram) echo "echo, Bun \`node:dgram\`" ;;
  echo-deno) echo "echo, Deno \`Deno.listenDatagram\`, one receive in flight" ;;
  echo-deno-par) echo "echo, Deno \`Deno.listenDatagram\`, 8 receives in flight" ;;
  echo-deno-dgram) echo "echo, Deno \`node:dgram\`" ;;
  echo-bun-ffi) echo "echo, Bun, libc \`recvmmsg\`/\`sendmmsg\` via \`bun:ffi\` (blocking)" ;;
  echo-deno-ffi) echo "echo, Deno, libc \`recvmmsg\`/\`sendmmsg\` via \`Deno.dlopen\` (blocking)" ;;
  echo-deno-ffi-async) echo "echo, Deno, \`recvmmsg\` as a nonblocking \`Deno.dlopen\` call" ;;
  esac
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
  echo "### SNTP server benchmark, $(date -u +%Y-%m-%d) ($ROUNDS rounds × ${DURATION}s, median round; pinning: $PIN; nice: $NICE)"
  echo
  echo "Machine: $(machine_line)."
  echo
  echo "Before the start the machine was $IDLE_BEFORE % busy (of one CPU)." \
    "One socket with $WINDOW requests outstanding; every reply checked."
  [[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
  echo
  echo "| server | replies/s (median) | min–max | wrong | lost | p99 ms | server CPU | others' CPU (max) | ratio | target | peak RSS MiB | wrong in soak | exit on SIGTERM |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
  read -r anchor _ <<<"$(summary chronyd)"
  for name in chronyd "${NETKITS[@]}"; do
    read -r med mn mx w e l p c o <<<"$(summary "$name")"
    m=$(mib "${RSS_KB[$name]}")
    case $name in
    chronyd) r="1.00 (anchor)" v="—" sw="—" ;;
    netkit-deno)
      r=$(ratio "$med" "$anchor")
      v="≥ $TARGET_DENO×: $(verdict "$r" ">=" "$TARGET_DENO"); RSS < $RSS_LIMIT_MIB: $(verdict "$m" "<" "$RSS_LIMIT_MIB")"
      sw=${SOAK_WRONG[$name]:--}
      ;;
    *)
      r=$(ratio "$med" "$anchor")
      v="≥ $TARGET_BUN×: $(verdict "$r" ">=" "$TARGET_BUN"); RSS < $RSS_LIMIT_MIB: $(verdict "$m" "<" "$RSS_LIMIT_MIB")"
      sw=${SOAK_WRONG[$name]:--}
      ;;
    esac
    echo "| $(label "$name") | $med | $mn–$mx | $w | $l | $p | $c % | $o % | $r | $v | $m | $sw | ${EXIT_CODE[$name]:-?} |"
  done
  if ((${#ECHOES[@]} > 0)); then
    echo
    echo "Ceilings: bare echo servers (48 bytes in, the same 48 back, no NTP work), same rounds."
    echo "The last column is the best netkit variant on that runtime ÷ this echo server."
    echo
    echo "| echo server | replies/s (median) | min–max | wrong | lost | server CPU | ÷ chronyd | netkit ÷ this | peak RSS MiB |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in "${ECHOES[@]}"; do
      read -r med mn mx w e l p c o <<<"$(summary "$name")"
      case $name in
      echo-bun*) nk=$(summary netkit-bun | awk '{print $1}') ;;
      echo-deno*) nk=$(summary netkit-deno | awk '{print $1}') ;;
      esac
      echo "| $(label "$name") | $med | $mn–$mx | $w | $l | $c % | $(ratio "$med" "$anchor") | $(ratio "$nk" "$med") | $(mib "${RSS_KB[$name]}") |"
    done
  fi
} | tee "$RUN_DIR/report.md"
log "raw results: $RUN_DIR"
