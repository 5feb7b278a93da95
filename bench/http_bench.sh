#!/usr/bin/env bash
# serve-http benchmark: netkit serve-http (under Bun, under Deno, and as the
# compiled dist/netkit) side by side with nginx and `python3 -m http.server`,
# all on loopback, in one run.
#
#   bench/http_bench.sh                  # from the repository root (or anywhere)
#   bench/http_bench.sh bun deno         # only these netkit variants
#   RUNTIMES="bun" REPS=5 bench/http_bench.sh
#
# What it measures:
#   1. requests/s with keep-alive on a 1 KiB file: wrk -t1 -c32 -d5s, after one
#      uncounted 1 s wrk run per server; REPS runs per server, taken in turn
#      (server A, B, C, ... then again), median reported. Anchors: nginx and
#      python's http.server (HTTP/1.0: a new connection for every request).
#   2. a 100 MiB file fetched with curl from nginx and from each netkit
#      variant: median download speed of CURL_REPS fetches after one uncounted.
#   3. peak RSS (VmHWM) of each netkit server after all that load.
#   Beside them, the runtimes' bare ceiling (bench/bare_http_server.ts: each
#   file answered with nothing else, a small one from memory as netkit does), for
#   the Bun variants and for Deno: what netkit's own work costs on top.
#   With WITH_LOG=yes each netkit variant also runs as NAME+log, with the
#   default access log (`--log common`) written to a file, and the report
#   gives its requests/s ÷ the same variant's with `--log off`.
#
# Settings (environment; a command-line argument list overrides RUNTIMES):
#   RUNTIMES="bun deno binary"  netkit variants (binary = dist/netkit, skipped
#                      with a note when it is missing; `bun scripts/build.ts`)
#   DURATION=5  CONNS=32  THREADS=1  REPS=3  WARMUP=1    the wrk runs
#   CURL_REPS=7  BIG_MIB=100                             the large-file fetches
#   PIN=auto     auto|yes|no: loader (wrk, curl) on CPU 0, servers on CPU 1
#   NICE=auto    nice value for loader and servers: auto = -20 as root, else 0.
#                With autogroup scheduling on, nice only ranks processes within a
#                session, so this session's autogroup gets it too (restored on exit).
#   IDLE_WAIT=30 seconds to wait, at most, for the machine to go quiet first
#   TIME_LIMIT=300  the script stops itself (and its servers) after this long
#   RAW_DIR=     if set, raw wrk/curl output and server logs are copied there
#   WITH_LOG=no  yes: also measure every variant with its access log on
#   BARE=yes     no: leave out the bare runtime servers
#
# Needs: wrk, nginx, curl, python3, taskset (apt-get install -y wrk nginx curl);
# bun and deno from node_modules/.bin (npm install).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=http_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if (($# > 0)); then RUNTIMES="$*"; fi
RUNTIMES=${RUNTIMES:-bun deno binary}
DURATION=${DURATION:-5}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
REPS=${REPS:-3}
WARMUP=${WARMUP:-1}
CURL_REPS=${CURL_REPS:-7}
BIG_MIB=${BIG_MIB:-100}
IDLE_WAIT=${IDLE_WAIT:-30}
TIME_LIMIT=${TIME_LIMIT:-300}
RAW_DIR=${RAW_DIR:-}
WITH_LOG=${WITH_LOG:-no}
BARE=${BARE:-yes}

# Targets from issue 14 (speed).
RPS_NGINX_BUN=1.0   # req/s ÷ nginx, Bun (and the Bun-compiled binary)
RPS_NGINX_DENO=0.6  # req/s ÷ nginx, Deno
RPS_PYTHON=10       # req/s ÷ python http.server, every variant
BIG_NGINX_BUN=1.0   # 100 MiB download speed ÷ nginx, Bun and the binary
BIG_NGINX_DENO=0.8  # the same, Deno
LOG_ON_OFF=0.9      # req/s with the access log on ÷ with it off, same variant
RSS_LIMIT_MB=100    # peak RSS after the load, below (MB = 10^6 bytes)

need_tools "apt-get install -y wrk nginx curl python3 iproute2" wrk nginx curl python3 ss
bench_placement
bench_watchdog "$TIME_LIMIT"
declare -A RSS_START_KB=() RSS_KB=()
bench_cleanup_hook() {
  if [[ -n $RAW_DIR && -d $TMP/raw ]]; then
    mkdir -p "$RAW_DIR" && cp -r "$TMP/raw/." "$RAW_DIR/" 2>/dev/null || true
  fi
}
mkdir -p "$TMP/raw"

# snapshot PID : "server_ticks machine_busy_ticks loader_seconds epoch" on stdout.
# Call it as `snapshot PID >FILE`, never in $(...): `times` (the CPU time of this
# shell's finished children, i.e. of the loader that just ran) reads zero in a subshell.
snapshot() {
  times >"$TMP/times"
  echo "$(cpu_ticks "$1") $(busy_ticks) $(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, "m"); s += a[1] * 60 + a[2] } print s }' "$TMP/times") $EPOCHREALTIME"
}
# cpu_between FILE0 FILE1 : "server% others% others_seconds elapsed_seconds" between
# two snapshots (% of one CPU); others = the machine's busy time that neither the
# server nor the loader used. Clock ticks are coarse: for short intervals, add up
# the seconds of several before dividing.
cpu_between() {
  cat "$1" "$2" | awk -v hz="$CLK_TCK" '
    NR == 1 { c0 = $1; b0 = $2; l0 = $3; t0 = $4 }
    NR == 2 {
      el = $4 - t0; srv = ($1 - c0) / hz; o = ($2 - b0) / hz - srv - ($3 - l0)
      if (o < 0) o = 0
      printf "%.0f %.0f %.3f %.3f\n", srv / el * 100, o / el * 100, o, el
    }'
}

# Waits until a GET of the small file answers 200, up to ~15 s.
wait_http() {
  local port=$1 pid=$2 i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    if [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$HOST:$port/1k.bin" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# --- what to run -----------------------------------------------------------
netkit_variants
if [[ $WITH_LOG == yes ]]; then
  for name in "${NETKITS[@]}"; do
    NETKITS+=("$name+log")
    NETKIT_CMD[$name+log]=${NETKIT_CMD[$name]}
  done
fi
BARES=()
if [[ $BARE == yes ]]; then
  [[ " $RUNTIMES " == *" bun "* || " $RUNTIMES " == *" binary "* ]] && BARES+=(bare-bun)
  [[ " $RUNTIMES " == *" deno "* ]] && BARES+=(bare-deno)
fi
SERVERS=(nginx python "${BARES[@]}" "${NETKITS[@]}")
BIG_SERVERS=(nginx "${BARES[@]}")
for name in "${NETKITS[@]}"; do [[ $name == *+log ]] || BIG_SERVERS+=("$name"); done

# --- test files ------------------------------------------------------------
DATA="$TMP/www"
mkdir -p "$DATA"
head -c 1024 /dev/urandom >"$DATA/1k.bin"
head -c $((BIG_MIB * 1024 * 1024)) /dev/urandom >"$DATA/big.bin"
BIG_BYTES=$((BIG_MIB * 1024 * 1024))

# --- quiet machine? --------------------------------------------------------
BUSY_BEFORE=$(busy_pct)
waited=0
while ((BUSY_BEFORE > 20 && waited < IDLE_WAIT)); do
  log "the machine is ${BUSY_BEFORE}% busy (of one CPU); waiting for it to go quiet (${waited}/${IDLE_WAIT}s)"
  sleep 4
  waited=$((waited + 5))
  BUSY_BEFORE=$(busy_pct)
done
((BUSY_BEFORE <= 20)) || log "warning: the machine is ${BUSY_BEFORE}% busy; results will be noisy"

# --- servers ---------------------------------------------------------------
start_nginx() {
  local dir="$TMP/nginx" attempt port mime=""
  mkdir -p "$dir"
  [[ -r /etc/nginx/mime.types ]] && mime="include /etc/nginx/mime.types;"
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    cat >"$dir/nginx.conf" <<EOF
# One process, like the netkit servers it is compared with.
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    $mime
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen $HOST:$port;
        root $DATA;
    }
}
EOF
    start_server nginx "$dir/stdout.log" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
    if wait_http "$port" "${PID[nginx]}"; then
      PORT[nginx]=$port
      log "nginx: $HOST:$port (pid ${PID[nginx]})"
      return 0
    fi
    stop_server nginx
  done
  cat "$dir/error.log" "$dir/stdout.log" >&2 2>/dev/null || true
  die "nginx did not start"
}

start_python() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    start_server python /dev/null python3 -m http.server --bind "$HOST" "$port" --directory "$DATA"
    if wait_http "$port" "${PID[python]}"; then
      PORT[python]=$port
      log "python http.server: $HOST:$port (pid ${PID[python]})"
      return 0
    fi
    stop_server python
  done
  die "python3 -m http.server did not start"
}

# start_netkit NAME COMMAND... : serve-http of the test folder on a free port.
start_netkit() {
  local name=$1 err="$TMP/raw/$1.stderr"
  shift
  if [[ $name == *+log ]]; then
    # The access log to a file, as a server in use writes it.
    SERVER_STDOUT="$TMP/raw/$name.access.log" \
      start_server "$name" "$err" "$@" serve-http "$DATA" --host "$HOST" --port 0 --log common
  else
    start_server "$name" "$err" "$@" serve-http "$DATA" --host "$HOST" --port 0 --log off
  fi
  await_server "$name" "$err" serve-http
}

# await_server NAME STDERR_FILE WHAT : waits for the server's port and first
# answer, and keeps the port in PORT[NAME].
await_server() {
  local name=$1 err=$2 what=$3 port
  port=$(wait_for_port "$err" http "${PID[$name]}") || {
    cat "$err" >&2
    die "$name: $what did not start"
  }
  wait_http "$port" "${PID[$name]}" || die "$name: no answer on port $port"
  PORT[$name]=$port
  log "$name: $what on $HOST:$port (pid ${PID[$name]})"
}

# start_bare NAME COMMAND... : the runtime's bare file server on a free port.
start_bare() {
  local name=$1 err="$TMP/raw/$1.stderr"
  shift
  start_server "$name" "$err" "$@" "$ROOT/bench/bare_http_server.ts" "$DATA" "$HOST"
  await_server "$name" "$err" "the bare server"
}

start_nginx
start_python
for name in "${BARES[@]}"; do
  case $name in
  bare-bun) start_bare "$name" bun ;;
  bare-deno) start_bare "$name" deno run -A ;;
  esac
done
for name in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086 # the command is words on purpose
  start_netkit "$name" ${NETKIT_CMD[$name]}
  RSS_START_KB[$name]=$(peak_rss_kb "${PID[$name]}")
done

# Every server must return both files intact before its numbers count.
for name in "${SERVERS[@]}"; do
  for f in 1k.bin big.bin; do
    [[ $name == python && $f == big.bin ]] && continue
    code=$(curl -s -m 60 -o "$TMP/check" -w '%{http_code}' "http://$HOST:${PORT[$name]}/$f") || code="curl failed"
    [[ $code == 200 ]] || die "$name: GET /$f answered $code"
    cmp -s "$TMP/check" "$DATA/$f" || die "$name: GET /$f returned different bytes"
  done
done
rm -f "$TMP/check"

# --- 1. requests/s on the small file ---------------------------------------
WRK_RESULTS="$TMP/wrk.txt" # server rep rps requests non2xx sock_errors server_cpu_pct other_cpu_pct
: >"$WRK_RESULTS"
URL_PATH=/1k.bin

# run_wrk NAME LABEL SECONDS : one wrk run, one line in $WRK_RESULTS.
run_wrk() {
  local name=$1 rep=$2 secs=$3 out="$TMP/raw/wrk-$1-$2.txt" cpu other
  snapshot "${PID[$name]}" >"$TMP/snap0"
  "${LOADER[@]}" timeout -k 2 $((secs + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" \
    "http://$HOST:${PORT[$name]}$URL_PATH" >"$out" 2>&1 || log "  wrk exited with $? against $name"
  snapshot "${PID[$name]}" >"$TMP/snap1"
  read -r cpu other < <(cpu_between "$TMP/snap0" "$TMP/snap1")
  # wrk prints "Non-2xx or 3xx responses: N" and "Socket errors: connect A,
  # read B, write C, timeout D" only when they are not zero.
  awk -v s="$name" -v r="$rep" -v cpu="$cpu" -v other="$other" '
    /requests in/ { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %d %d %d %d %d\n", s, r, rps == "" ? "-" : rps, reqs, non2xx, sock, cpu, other }
  ' "$out" >>"$WRK_RESULTS"
  tail -n1 "$WRK_RESULTS" | awk '{ printf "  %-14s %-6s %10s req/s  non-2xx %d  socket errors %d  server CPU %d%%  others %d%%\n", $1, $2, $3, $5, $6, $7, $8 }' >&2
}

log "wrk -t$THREADS -c$CONNS: ${WARMUP}s warm-up, then $REPS × ${DURATION}s per server, in turn; pinning: $PIN; nice: $NICE"
for name in "${SERVERS[@]}"; do run_wrk "$name" warmup "$WARMUP"; done
for ((rep = 1; rep <= REPS; rep++)); do
  for name in "${SERVERS[@]}"; do run_wrk "$name" "$rep" "$DURATION"; done
done

# --- 2. the large file -----------------------------------------------------
BIG_RESULTS="$TMP/big.txt" # server rep bytes_per_s others_cpu_seconds elapsed_seconds
: >"$BIG_RESULTS"
fetch_big() {
  local name=$1 rep=$2 code size speed cpu other other_s el
  snapshot "${PID[$name]}" >"$TMP/snap0"
  "${LOADER[@]}" curl -s -m 60 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}\n' \
    "http://$HOST:${PORT[$name]}/big.bin" >"$TMP/curl.out" || echo "failed 0 0" >"$TMP/curl.out"
  snapshot "${PID[$name]}" >"$TMP/snap1"
  read -r cpu other other_s el < <(cpu_between "$TMP/snap0" "$TMP/snap1")
  read -r code size speed <"$TMP/curl.out"
  echo "$name $rep $code $size $speed server_cpu=$cpu others=$other" >>"$TMP/raw/curl.txt"
  if [[ $code != 200 || $size != "$BIG_BYTES" ]]; then
    log "  $name: GET /big.bin answered $code with $size bytes"
    echo "$name $rep bad" >>"$BIG_RESULTS"
    return
  fi
  [[ $rep == warmup ]] || echo "$name $rep $speed $other_s $el" >>"$BIG_RESULTS"
}
log "curl: ${BIG_MIB} MiB file, 1 uncounted + $CURL_REPS fetches per server, in turn"
for name in "${BIG_SERVERS[@]}"; do fetch_big "$name" warmup; done
for ((rep = 1; rep <= CURL_REPS; rep++)); do
  for name in "${BIG_SERVERS[@]}"; do fetch_big "$name" "$rep"; done
done

# --- 3. memory, then stop --------------------------------------------------
for name in "${NETKITS[@]}"; do RSS_KB[$name]=$(peak_rss_kb "${PID[$name]}"); done
for name in "${SERVERS[@]}"; do stop_server "$name"; done

# --- report ----------------------------------------------------------------
# "median min max total_non2xx total_sock_errors median_server_cpu max_other_cpu"
# over the measured wrk runs of a server; errors count the warm-up run too.
wrk_summary() {
  local s=$1 med mn mx
  med=$(awk -v s="$s" '$1 == s && $2 != "warmup" { print $3 }' "$WRK_RESULTS" | median)
  read -r mn mx < <(awk -v s="$s" '$1 == s && $2 != "warmup" { print $3 }' "$WRK_RESULTS" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
  awk -v s="$s" -v med="$med" -v mn="$mn" -v mx="$mx" '
    $1 == s { n2 += $5; se += $6 }
    $1 == s && $2 != "warmup" { c[++n] = $7; if ($8 > o) o = $8 }
    END {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (c[j] < c[i]) { t = c[i]; c[i] = c[j]; c[j] = t }
      printf "%s %s %s %d %d %d %d\n", med, mn, mx, n2, se, n % 2 ? c[(n + 1) / 2] : (c[n / 2] + c[n / 2 + 1]) / 2, o
    }' "$WRK_RESULTS"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'; }
verdict() { # value op target
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "-" || v == "") { print "n/a"; exit }
    ok = (op == ">=") ? v >= t : v < t
    print ok ? "met" : "**not met**" }'
}
fmt_int() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.0f", v }'; }
label() {
  if [[ $1 == *+log ]]; then
    echo "$(label "${1%+log}"), --log common"
    return
  fi
  case $1 in
  nginx) echo "nginx $NGINX_VERSION" ;;
  python) echo "python $PYTHON_VERSION http.server" ;;
  bare-bun) echo "bare Bun.serve + Bun.file (ceiling)" ;;
  bare-deno) echo "bare Deno.serve + Deno.open (ceiling)" ;;
  netkit-bun) echo "netkit, Bun $BUN_VERSION" ;;
  netkit-deno) echo "netkit, Deno $DENO_VERSION" ;;
  netkit-binary) echo "netkit, dist/netkit" ;;
  netkit-baseline) echo "netkit, baseline ($BASELINE_BIN)" ;;
  esac
}

NGINX_VERSION=$(nginx -v 2>&1 | sed 's|.*nginx/||' || echo "?")
PYTHON_VERSION=$(python3 --version 2>&1 | awk '{print $2}')
BUN_VERSION=$(bun --version 2>/dev/null || echo "?")
DENO_VERSION=$(deno --version 2>/dev/null | awk 'NR == 1 {print $2}')
WRK_VERSION=$({ wrk -v 2>&1 || true; } | awk 'NR == 1 { sub(/^debian\//, "", $2); print $2 }') # wrk -v exits 1
CURL_VERSION=$(curl --version | awk 'NR == 1 {print $2}')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
BINARY_INFO=""
if [[ " ${NETKITS[*]} " == *" netkit-binary "* ]]; then
  BINARY_INFO="; dist/netkit: $(dist/netkit --version 2>/dev/null | head -n1), file from $(date -u -r dist/netkit '+%Y-%m-%d %H:%M UTC')"
fi

read -r NGINX_RPS _ <<<"$(wrk_summary nginx)"
read -r PYTHON_RPS _ <<<"$(wrk_summary python)"
NGINX_BIG=$(awk '$1 == "nginx" { print $3 }' "$BIG_RESULTS" | grep -v bad | median)
FAILURES=0

{
  echo "### serve-http benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- Machine: $(machine_line)"
  echo "- netkit $COMMIT under Bun $BUN_VERSION and Deno $DENO_VERSION$BINARY_INFO"
  echo "- Anchors: nginx $NGINX_VERSION (one process, sendfile on, access_log off, keepalive_requests 1000000)," \
    "python $PYTHON_VERSION \`-m http.server\` (HTTP/1.0: one connection per request)"
  echo "- Load: wrk $WRK_VERSION \`-t$THREADS -c$CONNS -d${DURATION}s\` on a 1 KiB file, keep-alive," \
    "median of $REPS runs after a ${WARMUP} s warm-up; curl $CURL_VERSION, ${BIG_MIB} MiB file, median of $CURL_REPS fetches after one uncounted"
  echo "- Machine ${BUSY_BEFORE}% busy (of one CPU) before the start"
  [[ -n $BINARY_NOTE ]] && echo "- $BINARY_NOTE"
  echo
  echo "1 KiB file, requests/s. Non-2xx and socket errors: sums over all runs, warm-up included" \
    "(for the anchors they are shown, not judged). Server CPU: share of one CPU the server used (median run)." \
    "Others' CPU: the most CPU (% of one) that processes other than server and loader used during one run;" \
    "much of it means the run was disturbed."
  echo
  echo "| server | req/s (median) | min–max | ÷ nginx | ÷ python | non-2xx | socket errors | server CPU | others' CPU | target | met? |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
  for name in "${SERVERS[@]}"; do
    read -r med mn mx n2 se c o <<<"$(wrk_summary "$name")"
    rn=$(ratio "$med" "$NGINX_RPS")
    rp=$(ratio "$med" "$PYTHON_RPS")
    case $name in
    nginx | python | bare-*) target="—" met="—" ;;
    netkit-deno*)
      target="≥ $RPS_NGINX_DENO× nginx, ≥ $RPS_PYTHON× python"
      a=$(verdict "$rn" ">=" "$RPS_NGINX_DENO")
      b=$(verdict "$rp" ">=" "$RPS_PYTHON")
      ;;
    *)
      target="≥ $RPS_NGINX_BUN× nginx, ≥ $RPS_PYTHON× python"
      a=$(verdict "$rn" ">=" "$RPS_NGINX_BUN")
      b=$(verdict "$rp" ">=" "$RPS_PYTHON")
      ;;
    esac
    if [[ $name == netkit-* ]]; then
      met="$a / $b"
      [[ $met == "met / met" ]] || FAILURES=$((FAILURES + 1))
      ((n2 + se == 0)) || {
        met="$met; **errors**"
        FAILURES=$((FAILURES + 1))
      }
    fi
    echo "| $(label "$name") | $(fmt_int "$med") | $(fmt_int "$mn")–$(fmt_int "$mx") | $rn | $rp | $n2 | $se | $c % | $o % | $target | $met |"
  done
  if [[ $WITH_LOG == yes ]]; then
    echo
    echo "The access log's cost: req/s with \`--log common\` (to a file) ÷ req/s with \`--log off\`, same run."
    echo
    echo "| variant | log off, req/s | log on, req/s | on ÷ off | target | met? |"
    echo "|---|---:|---:|---:|---|---|"
    for name in "${NETKITS[@]}"; do
      [[ $name == *+log ]] && continue
      read -r off _ <<<"$(wrk_summary "$name")"
      read -r on _ <<<"$(wrk_summary "$name+log")"
      r=$(ratio "$on" "$off")
      met=$(verdict "$r" ">=" "$LOG_ON_OFF")
      [[ $met == met ]] || FAILURES=$((FAILURES + 1))
      echo "| $(label "$name") | $(fmt_int "$off") | $(fmt_int "$on") | $r | ≥ $LOG_ON_OFF | $met |"
    done
  fi
  echo
  echo "${BIG_MIB} MiB file, curl download speed (MB/s = 10^6 bytes/s). Others' CPU: over all the measured fetches of a server."
  echo
  echo "| server | MB/s (median) | min–max | ÷ nginx | others' CPU | target | met? |"
  echo "|---|---:|---:|---:|---:|---|---|"
  for name in "${BIG_SERVERS[@]}"; do
    bad=$(awk -v s="$name" '$1 == s && $3 == "bad"' "$BIG_RESULTS" | wc -l)
    med=$(awk -v s="$name" '$1 == s && $3 != "bad" { print $3 }' "$BIG_RESULTS" | median)
    mnmx=$(awk -v s="$name" '$1 == s && $3 != "bad" { print $3 / 1e6 }' "$BIG_RESULTS" | sort -g |
      awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%.0f–%.0f", a, b; else print "-" }')
    r=$(ratio "$med" "$NGINX_BIG")
    o=$(awk -v s="$name" '$1 == s && $3 != "bad" { c += $4; t += $5 } END { printf "%.0f", (t > 0 ? c / t * 100 : 0) }' "$BIG_RESULTS")
    big=$BIG_NGINX_BUN
    [[ $name == netkit-deno* ]] && big=$BIG_NGINX_DENO
    if [[ $name == nginx || $name == bare-* ]]; then target="—" met="—"; else
      target="≥ $big× nginx"
      met=$(verdict "$r" ">=" "$big")
      [[ $met == met ]] || FAILURES=$((FAILURES + 1))
    fi
    ((bad == 0)) || {
      met="$met; **$bad failed fetches**"
      FAILURES=$((FAILURES + 1))
    }
    echo "| $(label "$name") | $(awk -v v="$med" 'BEGIN { if (v == "-") print "-"; else printf "%.0f", v / 1e6 }') | $mnmx | $r | $o % | $target | $met |"
  done
  echo
  echo "netkit memory: VmHWM after start, and after all the load above (MB = 10^6 bytes); exit status on SIGTERM"
  echo
  echo "| server | peak RSS after start, MB | peak RSS after load, MB | target | met? | exit on SIGTERM |"
  echo "|---|---:|---:|---|---|---:|"
  for name in "${NETKITS[@]}"; do
    m0=$(awk -v k="${RSS_START_KB[$name]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
    m=$(awk -v k="${RSS_KB[$name]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
    met=$(verdict "$m" "<" "$RSS_LIMIT_MB")
    [[ $met == met ]] || FAILURES=$((FAILURES + 1))
    code=${EXIT_CODE[$name]:-?}
    [[ $code == 0 ]] || FAILURES=$((FAILURES + 1))
    echo "| $(label "$name") | $m0 | $m | < $RSS_LIMIT_MB MB | $met | $code |"
  done
  echo
  if ((FAILURES == 0)); then echo "All targets met."; else echo "Targets not met or errors: $FAILURES (see **not met** above)."; fi
}
