#!/usr/bin/env bash
# RFC 868 benchmark: netkit serve-time against xinetd's internal "time"
# service (TCP) and a minimal blocking C server (UDP); netkit query-time
# against rdate. Everything runs on loopback, loader and servers side by side.
#
#   bench/time_bench.sh                 # from the repository root (or anywhere)
#   ROUNDS=5 DURATION=10 bench/time_bench.sh
#
# Settings (environment):
#   DURATION=3       measured seconds per load run
#   WARMUP=1         uncounted seconds of load before each run
#   ROUNDS=4         rounds; each server is measured once per round, in turn,
#                    and the tables show the median round (and the spread)
#   SOAK=10          then each netkit server takes SOAK seconds of TCP and SOAK
#                    seconds of UDP load in one go, for its peak RSS (a runtime's
#                    heap keeps growing for several seconds under steady load)
#   TCP_CONC=32      TCP connections in flight
#   UDP_WINDOW=32    UDP requests outstanding (one socket)
#   PIN=auto         auto|yes|no: loader on CPU 0, servers on CPU 1 (needs taskset
#                    and two CPUs; auto = yes when both are there)
#   NICE=auto        nice value for loader and servers; auto = -20 when run as
#                    root (so other work on the machine disturbs less), else 0.
#                    With the kernel's autogroup scheduling on, nice only ranks
#                    processes within one session, so the session this runs in
#                    gets the same value for the duration (restored on exit).
#   QUERY_RUNS=40    timed runs of query-time and of rdate
#   RUNTIMES="bun deno binary"   which netkit variants to run (binary = dist/netkit)
#   TIME_LIMIT=900   the script stops itself (and its servers) after this long
#
# Needs: cc, xinetd, rdate; bun and deno from node_modules/.bin (npm install);
# hyperfine for the client timing (falls back to a plain loop without it).
# Build the binary first with `bun scripts/build.ts` to include it.
# Prints the result tables (Markdown) on stdout, progress on stderr; raw
# loader output is kept in bench/out/run-<timestamp>/.
set -euo pipefail

BENCH_NAME=time_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

DURATION=${DURATION:-3}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-4}
SOAK=${SOAK:-10}
TCP_CONC=${TCP_CONC:-32}
UDP_WINDOW=${UDP_WINDOW:-32}
QUERY_RUNS=${QUERY_RUNS:-40}
RUNTIMES=${RUNTIMES:-bun deno binary}

# Targets from the project's performance requirements.
TCP_TARGET=0.9         # serve-time TCP replies/s ÷ xinetd
UDP_TARGET_BUN=0.6     # serve-time UDP replies/s ÷ C server, Bun (and the Bun-compiled binary)
UDP_TARGET_DENO=0.3    # the same under Deno
QUERY_TARGET=6         # query-time wall time ÷ rdate -p, at most
RSS_LIMIT_MIB=80       # serve-time peak RSS under load, below

need_tools "apt-get install -y gcc xinetd rdate iproute2" cc xinetd rdate ss

OUT="$BENCH_DIR/out"
RUN_DIR="$OUT/run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
LOAD="$OUT/time_load"
CSERVER="$OUT/udp_time_server"
cc -O2 -Wall -o "$LOAD" "$BENCH_DIR/time_load.c" -lm
cc -O2 -Wall -o "$CSERVER" "$BENCH_DIR/udp_time_server.c"

bench_placement
bench_watchdog "${TIME_LIMIT:-900}"
declare -A RSS_KB=()

start_xinetd() {
  local attempt port dir="$TMP/xinetd"
  mkdir -p "$dir"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    # Only the internal time service, TCP and UDP, on loopback. instances,
    # per_source and cps are lifted: the defaults (cps = 50 per second) would
    # switch the service off within the first second of load.
    cat >"$dir/xinetd.conf" <<EOF
defaults
{
	instances	= UNLIMITED
	per_source	= UNLIMITED
	cps		= 1000000 1
}

service time
{
	type		= INTERNAL UNLISTED
	id		= time-stream
	socket_type	= stream
	protocol	= tcp
	wait		= no
	user		= root
	bind		= $HOST
	port		= $port
}

service time
{
	type		= INTERNAL UNLISTED
	id		= time-dgram
	socket_type	= dgram
	protocol	= udp
	wait		= yes
	user		= root
	bind		= $HOST
	port		= $port
}
EOF
    rm -f "$dir/xinetd.pid"
    start_server xinetd "$dir/xinetd.stderr" xinetd -dontfork -filelog "$dir/xinetd.log" \
      -f "$dir/xinetd.conf" -pidfile "$dir/xinetd.pid"
    local i
    for ((i = 0; i < 50; i++)); do
      if rdate -p -o "$port" "$HOST" >/dev/null 2>&1; then
        PORT[xinetd]=$port
        log "xinetd: time service on tcp+udp $HOST:$port (pid ${PID[xinetd]})"
        return 0
      fi
      sleep 0.1
    done
    stop_server xinetd
  done
  cat "$dir/xinetd.log" "$dir/xinetd.stderr" >&2
  die "xinetd did not answer on its time port"
}

start_c_udp() {
  start_server c-udp "$TMP/c-udp.err" "$CSERVER" 0
  PORT[c-udp]=$(wait_for_port "$TMP/c-udp.err" udp "${PID[c-udp]}") || die "udp_time_server did not start"
  log "udp_time_server: $HOST:${PORT[c-udp]} (pid ${PID[c-udp]})"
}

# start_netkit NAME COMMAND... : serve-time on a free port, TCP and UDP.
start_netkit() {
  local name=$1
  shift
  start_server "$name" "$TMP/$name.err" "$@" serve-time --host "$HOST" --port 0 --udp-rate 0
  local tcp udp
  tcp=$(wait_for_port "$TMP/$name.err" tcp "${PID[$name]}") || {
    cat "$TMP/$name.err" >&2
    die "$name: serve-time did not start"
  }
  udp=$(wait_for_port "$TMP/$name.err" udp "${PID[$name]}") || die "$name: no UDP"
  [[ $tcp == "$udp" ]] || die "$name: TCP port $tcp and UDP port $udp differ"
  PORT[$name]=$tcp
  log "$name: serve-time on tcp+udp $HOST:$tcp (pid ${PID[$name]})"
}

# --- servers ---------------------------------------------------------------
IDLE_BEFORE=$(busy_pct)
((IDLE_BEFORE < 10)) || log "warning: the machine is already ${IDLE_BEFORE}% busy; results will be noisy"
netkit_variants

start_xinetd
start_c_udp
for name in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086 # the command is words on purpose
  start_netkit "$name" ${NETKIT_CMD[$name]}
done

# --- load ------------------------------------------------------------------
RESULTS="$RUN_DIR/results.txt" # round server mode rate replies wrong errors lost p99_ms cpu_pct other_pct
: >"$RESULTS"

measure() {
  local round=$1 name=$2 mode=$3 line t0 t1 c0 c1 b0 b1 cpu other
  local args=(-d "$DURATION" -W "$WARMUP")
  if [[ $mode == tcp ]]; then args+=(-c "$TCP_CONC"); else args+=(-w "$UDP_WINDOW"); fi
  c0=$(cpu_ticks "${PID[$name]}")
  b0=$(busy_ticks)
  t0=$EPOCHREALTIME
  line=$("${LOADER[@]}" "$LOAD" "$mode" "$HOST" "${PORT[$name]}" "${args[@]}") || true
  t1=$EPOCHREALTIME
  b1=$(busy_ticks)
  c1=$(cpu_ticks "${PID[$name]}")
  [[ -n $line ]] || die "loader failed against $name ($mode)"
  # Share of one CPU the server used while loaded (warm-up included), and the
  # CPU everything else on the machine used (neither server nor loader): a
  # run with much of the latter was disturbed by something else.
  read -r cpu other < <(echo "$line" | awk -v a="$c0" -v b="$c1" -v b0="$b0" -v b1="$b1" \
    -v t0="$t0" -v t1="$t1" -v hz="$CLK_TCK" '{
      for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      el = t1 - t0; srv = (b - a) / hz; all = (b1 - b0) / hz
      o = (all - srv - v["cpu_s"]) / el * 100
      printf "%.0f %.0f\n", srv / el * 100, o < 0 ? 0 : o }')
  echo "round=$round server=$name server_cpu_pct=$cpu other_cpu_pct=$other $line" >>"$RUN_DIR/loader.log"
  echo "$line" | awk -v r="$round" -v s="$name" -v cpu="$cpu" -v other="$other" '{
    for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print r, s, v["mode"], v["rate"], v["replies"], v["wrong"], v["errors"], v["lost"], v["lat_p99_ms"], cpu, other
  }' >>"$RESULTS"
  log "  round $round  $name  $mode: $(echo "$line" | cut -d' ' -f2-7) server_cpu=${cpu}% others=${other}%"
}

log "load: ${ROUNDS} rounds × (${WARMUP}s warm-up + ${DURATION}s), TCP ${TCP_CONC} connections," \
  "UDP window ${UDP_WINDOW}; pinning: $PIN; nice: $NICE"
for ((round = 1; round <= ROUNDS; round++)); do
  for name in xinetd "${NETKITS[@]}"; do measure "$round" "$name" tcp; done
  for name in c-udp "${NETKITS[@]}"; do measure "$round" "$name" udp; done
  # xinetd's UDP time service is for reference only (it is not an anchor): once.
  if ((round == 1)); then measure "$round" xinetd udp; fi
done

declare -A RSS_ROUNDS_KB=()
for name in xinetd c-udp "${NETKITS[@]}"; do RSS_ROUNDS_KB[$name]=$(peak_rss_kb "${PID[$name]}"); done

# Sustained load for the memory figure; its rates are logged, not tabled.
if ((SOAK > 0)); then
  for name in "${NETKITS[@]}"; do
    for mode in tcp udp; do
      args=(-d "$SOAK")
      if [[ $mode == tcp ]]; then args+=(-c "$TCP_CONC"); else args+=(-w "$UDP_WINDOW"); fi
      line=$("${LOADER[@]}" "$LOAD" "$mode" "$HOST" "${PORT[$name]}" "${args[@]}") || true
      echo "soak server=$name $line" >>"$RUN_DIR/loader.log"
      # Wrong replies count here too.
      echo "$line" | awk -v s="$name" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        print s, v["mode"], v["wrong"] }' >>"$RUN_DIR/soak.txt"
      log "  soak  $name  $mode: $(echo "$line" | cut -d' ' -f2-7)  peak RSS $(($(peak_rss_kb "${PID[$name]}") / 1024)) MiB"
    done
  done
fi
for name in xinetd c-udp "${NETKITS[@]}"; do RSS_KB[$name]=$(peak_rss_kb "${PID[$name]}"); done

# --- query-time against rdate ----------------------------------------------
QUERY_CSV="$RUN_DIR/query.csv"
QUERY_NOTE=""
if [[ -x dist/netkit ]]; then
  qport=${PORT[xinetd]}
  rdate_cmd="rdate -p -o $qport $HOST"
  netkit_cmd="dist/netkit query-time $HOST:$qport"
  if command -v hyperfine >/dev/null; then
    log "timing query-time and rdate with hyperfine ($QUERY_RUNS runs each)"
    # Not pinned: a runtime starts several threads, and users run it on all cores.
    hyperfine -N --style none --warmup 3 --runs "$QUERY_RUNS" --export-csv "$QUERY_CSV" \
      -n rdate "$rdate_cmd" -n query-time "$netkit_cmd" >"$RUN_DIR/hyperfine.txt" 2>&1 ||
      die "hyperfine failed: $(cat "$RUN_DIR/hyperfine.txt")"
    QUERY_NOTE="hyperfine $(hyperfine --version | cut -d' ' -f2), $QUERY_RUNS runs each after 3 warm-up runs"
  else
    log "hyperfine not found: timing with a shell loop (less precise)"
    # command,mean,stddev,median,user,system,min,max (seconds), like hyperfine's CSV
    echo "command,mean,stddev,median,user,system,min,max" >"$QUERY_CSV"
    for label in rdate query-time; do
      cmd=$rdate_cmd
      [[ $label == query-time ]] && cmd=$netkit_cmd
      for ((i = 0; i < QUERY_RUNS; i++)); do
        t0=$EPOCHREALTIME
        $cmd >/dev/null
        t1=$EPOCHREALTIME
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
      done | sort -n | awk -v l="$label" '{ d[++n] = $1; s += $1; ss += $1 * $1 }
        END {
          m = s / n; sd = sqrt(ss / n - m * m); med = n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
          printf "%s,%f,%f,%f,0,0,%f,%f\n", l, m, sd, med, d[1], d[n] }' >>"$QUERY_CSV"
    done
    QUERY_NOTE="shell loop, $QUERY_RUNS runs each (hyperfine not installed; includes the shell's fork and exec)"
  fi
else
  log "dist/netkit not found: skipping the query-time timing"
fi

for name in xinetd c-udp "${NETKITS[@]}"; do stop_server "$name"; done

# --- report ----------------------------------------------------------------
# A server's runs in one mode: "median min max wrong errors lost p99 cpu other"
# where rate, p99 latency and CPU share are medians over the rounds (each
# sorted on its own), wrong/errors/lost are sums and other is the most CPU that
# anything else used during one of the runs.
summary() {
  awk -v s="$1" -v m="$2" '
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    $2 == s && $3 == m { n++; r[n] = $4; w += $6; e += $7; l += $8; p[n] = $9; c[n] = $10; if ($11 > o) o = $11 }
    END {
      if (!n) { print "- - - - - - - - -"; exit }
      med = median(r, n)
      printf "%d %d %d %d %d %d %.2f %d %d\n", med, r[1], r[n], w, e, l, median(p, n), median(c, n), o
    }' "$RESULTS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'; }
verdict() { # value op target
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "-") { print "n/a"; exit }
    ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : v < t
    print ok ? "met" : "**not met**" }'
}
label() {
  case $1 in
  xinetd) echo "xinetd internal \`time\`" ;;
  c-udp) echo "C blocking server (udp_time_server.c)" ;;
  netkit-bun) echo "netkit serve-time, Bun $(bun --version)" ;;
  netkit-deno) echo "netkit serve-time, Deno $(deno --version | awk 'NR==1{print $2}')" ;;
  netkit-binary) echo "netkit serve-time, dist/netkit" ;;
  esac
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

{
  echo "### RFC 868 benchmark, $(date -u +%Y-%m-%d) ($ROUNDS rounds × ${DURATION}s, median round; pinning: $PIN; nice: $NICE)"
  echo
  echo "Machine: $(machine_line)."
  echo
  echo "Before the start the machine was $IDLE_BEFORE % busy (of one CPU; near 0 is a quiet machine)." \
    "Server CPU: the share of one CPU the server used under load (median run)." \
    "Others' CPU: the most that anything except server and loader used during one run;" \
    "it takes idle time first, so it only matters where the server's CPU is low too."
  echo
  echo "TCP, $TCP_CONC connections in flight (connect → read 4 bytes → close), anchor: xinetd"
  echo
  echo "| server | replies/s (median) | min–max | wrong | errors | p99 ms | server CPU | others' CPU (max) | ratio | target ≥ $TCP_TARGET× |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  read -r anchor_tcp _ <<<"$(summary xinetd tcp)"
  for name in xinetd "${NETKITS[@]}"; do
    read -r med mn mx w e l p c o <<<"$(summary "$name" tcp)"
    if [[ $name == xinetd ]]; then r="1.00 (anchor)" v="—"; else
      r=$(ratio "$med" "$anchor_tcp")
      v=$(verdict "$r" ">=" "$TCP_TARGET")
    fi
    echo "| $(label "$name") | $med | $mn–$mx | $w | $e | $p | $c % | $o % | $r | $v |"
  done
  echo
  echo "UDP, one socket with $UDP_WINDOW empty datagrams outstanding, anchor: the C server"
  echo
  echo "| server | replies/s (median) | min–max | wrong | lost | p99 ms | server CPU | others' CPU (max) | ratio | target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
  read -r anchor_udp _ <<<"$(summary c-udp udp)"
  for name in c-udp "${NETKITS[@]}" xinetd; do
    read -r med mn mx w e l p c o <<<"$(summary "$name" udp)"
    case $name in
    c-udp) r="1.00 (anchor)" v="—" ;;
    xinetd) r=$(ratio "$med" "$anchor_udp") v="reference only (1 round)" ;;
    netkit-deno)
      r=$(ratio "$med" "$anchor_udp")
      v="≥ $UDP_TARGET_DENO×: $(verdict "$r" ">=" "$UDP_TARGET_DENO")"
      ;;
    *)
      r=$(ratio "$med" "$anchor_udp")
      v="≥ $UDP_TARGET_BUN×: $(verdict "$r" ">=" "$UDP_TARGET_BUN")"
      ;;
    esac
    echo "| $(label "$name") | $med | $mn–$mx | $w | $l | $p | $c % | $o % | $r | $v |"
  done
  echo
  echo "Peak RSS (VmHWM): after the rounds above, and at the end, after a further ${SOAK}s of TCP" \
    "and ${SOAK}s of UDP load on each netkit server; exit status on SIGTERM"
  echo
  echo "| server | peak RSS after rounds, MiB | peak RSS at end, MiB | target < $RSS_LIMIT_MIB MiB | wrong replies in soak | exit on SIGTERM |"
  echo "|---|---:|---:|---|---:|---:|"
  for name in xinetd c-udp "${NETKITS[@]}"; do
    m=$(mib "${RSS_KB[$name]}")
    if [[ $name == netkit-* ]]; then
      v=$(verdict "$m" "<" "$RSS_LIMIT_MIB")
      sw=$(awk -v s="$name" '$1 == s { w += $3; n++ } END { print n ? w : "-" }' "$RUN_DIR/soak.txt" 2>/dev/null || echo -)
    else
      v="—" sw="—"
    fi
    code=${EXIT_CODE[$name]:-?}
    [[ $name == c-udp ]] && code="$code (killed by signal)"
    echo "| $(label "$name") | $(mib "${RSS_ROUNDS_KB[$name]}") | $m | $v | $sw | $code |"
  done
  if [[ -s $QUERY_CSV ]]; then
    echo
    echo "Client wall time per run against xinetd on loopback ($QUERY_NOTE)"
    echo
    echo "| command | mean ms | ± σ ms | median ms | min ms | max ms | ratio (medians) | target ≤ $QUERY_TARGET× |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    # Medians: a few slow runs (another process waking up) move a mean a lot.
    rdate_median=$(awk -F, '$1 == "rdate" { print $4 }' "$QUERY_CSV")
    awk -F, -v base="$rdate_median" -v target="$QUERY_TARGET" 'NR > 1 {
      r = $4 / base
      cmd = $1 == "rdate" ? "`rdate -p -o PORT 127.0.0.1`" : "`dist/netkit query-time 127.0.0.1:PORT`"
      v = $1 == "rdate" ? "—" : (r <= target ? "met" : "**not met**")
      printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |\n", cmd, $2 * 1e3, $3 * 1e3, $4 * 1e3, $7 * 1e3, $8 * 1e3,
        $1 == "rdate" ? "1.00 (anchor)" : sprintf("%.2f", r), v
    }' "$QUERY_CSV"
  fi
} | tee "$RUN_DIR/report.md"
log "raw results: $RUN_DIR"
