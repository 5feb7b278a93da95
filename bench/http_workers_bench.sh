#!/usr/bin/env bash
# serve-http --workers benchmark: requests/s on a 1 KiB file with keep-alive,
# netkit with 1, 2 … N workers side by side with nginx with the same number of
# worker processes, in one run (issue 14: "serve-http on every core").
#
#   bench/http_workers_bench.sh                # binary and bun, workers 1 and nproc
#   WORKERS="1 2 4" RUNTIMES="binary" bench/http_workers_bench.sh
#
# Each server is measured with wrk -t2 -c64 -d5s after one uncounted 1 s run,
# REPS times in turn, median reported. Nothing is pinned: N workers need N
# CPUs, and the loader shares them, for every server alike; so the figures are
# ratios within one row's worker count, on this machine, at this moment.
# netkit runs with its default access log (common, to /dev/null) and --log off.
#
# Settings: RUNTIMES="binary bun" (also deno)  WORKERS="1 $(nproc)"  REPS=3
#   DURATION=5  CONNS=64  THREADS=2  TIME_LIMIT=540
# Needs: wrk, nginx, curl (apt-get install -y wrk nginx curl).
set -euo pipefail

BENCH_NAME=http_workers_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
RUNTIMES=${RUNTIMES:-binary bun}
WORKERS=${WORKERS:-1 $(nproc)}
REPS=${REPS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
TIME_LIMIT=${TIME_LIMIT:-540}
PIN=no
NICE=${NICE:-0}

need_tools "apt-get install -y wrk nginx curl iproute2" wrk nginx curl ss
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

DATA="$TMP/www"
mkdir -p "$DATA"
chmod 755 "$TMP" # nginx's workers drop to nobody when started as root
head -c 1024 /dev/urandom >"$DATA/1k.bin"

wait_200() {
  local port=$1 pid=$2 i
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$HOST:$port/1k.bin") == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# start_nginx N : nginx with N worker processes on a free port.
start_nginx() {
  local n=$1 dir="$TMP/nginx-$1" port
  mkdir -p "$dir"
  port=$(free_port)
  cat >"$dir/nginx.conf" <<EOF
worker_processes $n;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server { listen $HOST:$port reuseport; root $DATA; }
}
EOF
  start_server "nginx-$n" "$dir/stderr" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
  wait_200 "$port" "${PID[nginx-$n]}" || die "nginx ($n workers) did not start"
  PORT[nginx-$n]=$port
}

# start_netkit NAME N LOG COMMAND... : serve-http with N workers.
start_netkit() {
  local name=$1 n=$2 logmode=$3 err="$TMP/$1.stderr" port
  shift 3
  start_server "$name" "$err" "$@" serve-http "$DATA" --host "$HOST" --port 0 --workers "$n" --log "$logmode"
  port=$(wait_for_port "$err" http "${PID[$name]}") || {
    cat "$err" >&2
    die "$name did not start"
  }
  wait_200 "$port" "${PID[$name]}" || die "$name: no answer"
  PORT[$name]=$port
}

# rps NAME : one counted wrk run against NAME, requests/s.
rps() {
  local url="http://$HOST:${PORT[$1]}/1k.bin"
  wrk -t"$THREADS" -c"$CONNS" -d1s "$url" >/dev/null
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "$url" | awk '/^Requests\/sec:/ {print $2}'
}

log "machine: $(machine_line)"
echo "# serve-http --workers: 1 KiB, keep-alive, wrk -t$THREADS -c$CONNS -d${DURATION}s, median of $REPS"
echo
echo "$(date -u +%Y-%m-%d) · $(machine_line) · load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| server | workers | access log | req/s (median) | runs | ÷ nginx, same workers |"
echo "| --- | ---: | --- | ---: | --- | ---: |"
declare -A RUNS=()
for n in $WORKERS; do
  names=("nginx-$n")
  start_nginx "$n"
  for variant in "${NETKITS[@]}"; do
    for logmode in common off; do
      name="$variant-$n-$logmode"
      # shellcheck disable=SC2086 # the command is words on purpose
      start_netkit "$name" "$n" "$logmode" ${NETKIT_CMD[$variant]}
      names+=("$name")
    done
  done
  for ((rep = 0; rep < REPS; rep++)); do
    for name in "${names[@]}"; do
      RUNS[$name]="${RUNS[$name]:-} $(rps "$name")"
      log "$name: ${RUNS[$name]}"
    done
  done
  anchor=$(echo "${RUNS[nginx-$n]}" | tr ' ' '\n' | grep . | median)
  for name in "${names[@]}"; do
    med=$(echo "${RUNS[$name]}" | tr ' ' '\n' | grep . | median)
    logmode=-
    [[ $name == nginx-* ]] || logmode=${name##*-}
    label=${name%-"$n"*}
    printf '| %s | %s | %s | %.0f | %s | %.2f |\n' "$label" "$n" "$logmode" "$med" \
      "$(echo "${RUNS[$name]}" | xargs printf '%.0f ' | sed 's/ $//')" "$(awk -v a="$med" -v b="$anchor" 'BEGIN { print a / b }')"
  done
  for name in "${names[@]}"; do stop_server "$name"; done
done
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
