#!/usr/bin/env bash
# serve-http upload benchmark: `curl -T` of one large file to netkit
# serve-http --upload (under Bun, under Deno, and as the compiled dist/netkit)
# and to nginx's WebDAV PUT (`dav_methods PUT`), on loopback, in one run.
#
#   bench/http_upload_bench.sh              # from the repository root (or anywhere)
#   bench/http_upload_bench.sh bun deno     # only these netkit variants
#   RUNTIMES="bun" REPS=5 bench/http_upload_bench.sh
#
# What it measures: REPS uploads per server, taken in turn (nginx, netkit-bun,
# ... then again), of a sparse UPLOAD_MIB file (reading it costs curl nothing),
# each to a new name (the one before is deleted first); median upload speed
# as curl reports it; the server's peak RSS (VmHWM) after all its uploads.
# Both servers write into a folder on the same file system (under TMPDIR).
#
# Settings (environment; a command-line argument list overrides RUNTIMES):
#   RUNTIMES="bun deno binary"  netkit variants (binary = dist/netkit)
#   REPS=3  UPLOAD_MIB=1024
#   PIN=auto  NICE=auto          as in bench/_lib.sh
#   TIME_LIMIT=600               the script stops itself after this long
#
# Needs: nginx, curl (apt-get install -y nginx curl); bun and deno from
# node_modules/.bin (npm install).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=http_upload_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  exit 0
fi
if (($# > 0)); then RUNTIMES="$*"; fi
RUNTIMES=${RUNTIMES:-bun deno binary}
REPS=${REPS:-3}
UPLOAD_MIB=${UPLOAD_MIB:-1024}
TIME_LIMIT=${TIME_LIMIT:-600}

# Targets from issue 12 (speed): upload speed ÷ nginx WebDAV PUT, and memory.
UP_NGINX_BUN=0.8  # Bun and the Bun-compiled binary
UP_NGINX_DENO=0.5 # Deno
RSS_LIMIT_MB=100

need_tools "apt-get install -y nginx curl iproute2" nginx curl ss
bench_watchdog "$TIME_LIMIT"
bench_placement
netkit_variants

FILE="$TMP/upload.bin"
truncate -s "${UPLOAD_MIB}M" "$FILE"
declare -A DATA=() RSS_KB=()

start_nginx() {
  local dir="$TMP/nginx" port
  mkdir -p "$dir/body" "$dir/data"
  port=$(free_port)
  cat >"$dir/nginx.conf" <<CONF
# One process, like the netkit servers it is compared with.
worker_processes 1;
master_process off;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_max_body_size 0;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    server {
        listen $HOST:$port;
        root $dir/data;
        location / { dav_methods PUT; }
    }
}
CONF
  start_server nginx "$dir/stderr.log" nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf"
  for _ in $(seq 50); do
    curl -s -o /dev/null "http://$HOST:$port/" && break
    sleep 0.1
  done
  PORT[nginx]=$port
  DATA[nginx]=$dir/data
}

start_netkit() {
  local name=$1 dir="$TMP/$1" port
  mkdir -p "$dir"
  # shellcheck disable=SC2086 # NETKIT_CMD holds a command and its arguments
  start_server "$name" "$TMP/$name.err" ${NETKIT_CMD[$name]} serve-http "$dir" --upload \
    --host "$HOST" --port 0 --log off
  port=$(wait_for_port "$TMP/$name.err" http "${PID[$name]}") ||
    die "$name did not start: $(cat "$TMP/$name.err")"
  PORT[$name]=$port
  DATA[$name]=$dir
}

SERVERS=(nginx "${NETKITS[@]}")
start_nginx
for name in "${NETKITS[@]}"; do start_netkit "$name"; done
log "servers: $(for n in "${SERVERS[@]}"; do printf '%s=%s ' "$n" "${PORT[$n]}"; done)"

RESULTS="$TMP/results"
: >"$RESULTS"
for ((rep = 1; rep <= REPS; rep++)); do
  for name in "${SERVERS[@]}"; do
    rm -f "${DATA[$name]}/upload.bin"
    sync
    out=$("${LOADER[@]}" curl -s -o /dev/null -w '%{http_code} %{speed_upload}' \
      -T "$FILE" "http://$HOST:${PORT[$name]}/upload.bin" || echo "000 0")
    read -r code speed <<<"$out"
    size=$(stat -c %s "${DATA[$name]}/upload.bin" 2>/dev/null || echo 0)
    if [[ $code != 201 || $size != $((UPLOAD_MIB * 1024 * 1024)) ]]; then speed=bad; fi
    echo "$name $rep $speed $code" >>"$RESULTS"
    log "round $rep: $name $code $speed B/s"
  done
done
for name in "${SERVERS[@]}"; do RSS_KB[$name]=$(peak_rss_kb "${PID[$name]}"); done
for name in "${NETKITS[@]}"; do stop_server "$name"; done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "-") printf "%.2f", a / b; else printf "-" }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
  if (v == "-" || v == "") { print "n/a"; exit }
  ok = (op == ">=") ? v >= t : v < t; print ok ? "met" : "**not met**" }'; }
speeds() { awk -v s="$1" '$1 == s && $3 != "bad" { print $3 }' "$RESULTS"; }
label() {
  case $1 in
  nginx) echo "nginx $(nginx -v 2>&1 | sed 's|.*nginx/||') WebDAV PUT" ;;
  netkit-bun) echo "netkit, Bun $(bun --version)" ;;
  netkit-deno) echo "netkit, Deno $(deno --version | awk 'NR == 1 {print $2}')" ;;
  netkit-binary) echo "netkit, dist/netkit" ;;
  esac
}

NGINX_SPEED=$(speeds nginx | median)
FAILURES=0
{
  echo "### serve-http upload benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- Machine: $(machine_line)"
  echo "- netkit $(git rev-parse --short HEAD 2>/dev/null || echo "?"); curl $(curl --version | awk 'NR == 1 {print $2}');" \
    "\`curl -T\` of a ${UPLOAD_MIB} MiB sparse file, median of $REPS uploads per server, taken in turn"
  [[ -n $BINARY_NOTE ]] && echo "- $BINARY_NOTE"
  echo
  echo "| server | MB/s (median) | min–max | ÷ nginx | peak RSS, MB | target | met? |"
  echo "|---|---:|---:|---:|---:|---|---|"
  for name in "${SERVERS[@]}"; do
    med=$(speeds "$name" | median)
    mnmx=$(speeds "$name" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%.0f–%.0f", a / 1e6, b / 1e6; else print "-" }')
    bad=$(awk -v s="$name" '$1 == s && $3 == "bad"' "$RESULTS" | wc -l)
    r=$(ratio "$med" "$NGINX_SPEED")
    mb=$(awk -v k="${RSS_KB[$name]}" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
    case $name in
    nginx) target="—" met="—" ;;
    netkit-deno) target="≥ $UP_NGINX_DENO× nginx, < $RSS_LIMIT_MB MB" ;;
    *) target="≥ $UP_NGINX_BUN× nginx, < $RSS_LIMIT_MB MB" ;;
    esac
    if [[ $name != nginx ]]; then
      want=$UP_NGINX_BUN
      [[ $name == netkit-deno ]] && want=$UP_NGINX_DENO
      met="$(verdict "$r" ">=" "$want") / $(verdict "$mb" "<" "$RSS_LIMIT_MB")"
      [[ $met == "met / met" ]] || FAILURES=$((FAILURES + 1))
    fi
    ((bad == 0)) || {
      met="$met; **$bad failed uploads**"
      FAILURES=$((FAILURES + 1))
    }
    echo "| $(label "$name") | $(awk -v v="$med" 'BEGIN { if (v == "-") print "-"; else printf "%.0f", v / 1e6 }') | $mnmx | $r | $mb | $target | $met |"
  done
  echo
  if ((FAILURES == 0)); then echo "All targets met."; else echo "Targets not met or errors: $FAILURES."; fi
}
