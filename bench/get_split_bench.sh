#!/usr/bin/env bash
# get --split benchmark: one 256 MiB file from a local nginx that limits each
# connection (`limit_rate 20m`), fetched by `netkit get --split 8` (as the
# compiled dist/netkit, under Bun, under Deno), by `aria2c -x8 -s8` and by a
# single `curl -o`, in one run.
#
#   bench/get_split_bench.sh             # from the repository root (or anywhere)
#   RUNTIMES="binary" RUNS=5 bench/get_split_bench.sh
#
# What it measures:
#   1. wall time of the whole download to disk (hyperfine, RUNS runs after
#      WARMUP): mean, and the speed-up over curl and over aria2c
#      (targets: netkit ≥ 1.0× aria2c's speed, ≥ 6× curl's).
#   2. peak RSS (GNU time's maximum resident set size) of each netkit variant
#      doing the same download (target < 100 MB), and of aria2c.
#
# Settings (environment): RUNTIMES="binary bun deno"  RUNS=3  WARMUP=1
#   RATE=20m (nginx limit_rate)  SNDBUF=64k (nginx listen sndbuf)  SPLIT=8  TIME_LIMIT=900
#   PIN=auto (auto|yes|no: the downloads on CPU 0, nginx on CPU 1)  NICE=auto
# Needs: nginx, curl, aria2c, hyperfine, python3, GNU time (/usr/bin/time).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=get_split_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNTIMES=${RUNTIMES:-binary bun deno}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-1}
RATE=${RATE:-20m}
SPLIT=${SPLIT:-8}
SNDBUF=${SNDBUF:-64k}
TIME_LIMIT=${TIME_LIMIT:-900}

need_tools "apt-get install -y nginx curl aria2 hyperfine python3 time" \
  nginx curl aria2c hyperfine python3 /usr/bin/time
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

# --- the file and nginx ----------------------------------------------------------
WWW="$TMP/www"
mkdir -p "$WWW" "$TMP/nginx" "$TMP/out"
head -c $((256 << 20)) /dev/urandom >"$WWW/256m.bin"
NGINX_PORT=$(free_port)
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
master_process off;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    limit_rate $RATE;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    # sndbuf: without it nginx writes a whole socket buffer (MBs on loopback) at the start of
    # each request before limit_rate bites, which favours clients that make many requests.
    server { listen 127.0.0.1:$NGINX_PORT sndbuf=$SNDBUF; root $WWW; }
}
EOF
start_server nginx "$TMP/nginx/stderr.log" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
  -c "$TMP/nginx/nginx.conf"
URL="http://127.0.0.1:$NGINX_PORT/256m.bin"
for _ in $(seq 50); do curl -sf -r 0-0 -o /dev/null "$URL" && break; sleep 0.1; done
cat "$WWW/256m.bin" >/dev/null # the page cache serves every contender alike
SHA=$(sha256sum "$WWW/256m.bin" | cut -d' ' -f1)

OUT="$TMP/out/256m.bin"
CLEAN="rm -f $OUT $OUT.part $OUT.part.json $OUT.part.ranges.json $OUT.aria2"
ARIA="aria2c -q -x$SPLIT -s$SPLIT --allow-overwrite=true --auto-file-renaming=false -d $TMP/out -o 256m.bin $URL"
commands() { # hyperfine arguments: curl, aria2c, then each netkit variant
  printf '%s\0' -n curl "curl -s -o $OUT $URL" -n aria2c "$ARIA"
  for v in "${NETKITS[@]}"; do
    printf '%s\0' -n "${v#netkit-}" "${NETKIT_CMD[$v]} get $URL -o $OUT -s --split $SPLIT --sha256 $SHA"
  done
}
log "256 MiB at $RATE per connection: curl, aria2c -x$SPLIT -s$SPLIT, netkit --split $SPLIT ..."
mapfile -d '' COMMANDS < <(commands)
"${LOADER[@]}" hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "$CLEAN" \
  --export-json "$TMP/split.json" "${COMMANDS[@]}" >&2

peak_rss() { # command... -> peak RSS in MB (10^6 bytes)
  eval "$CLEAN"
  local kb
  kb=$("${LOADER[@]}" /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
  echo $((kb * 1024 / 1000000))
}

echo "## get --split: one 256 MiB file at $RATE per connection ($(date -u +%Y-%m-%d))"
echo
echo "Machine: $(machine_line); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "nginx on loopback (sendfile on, \`limit_rate $RATE\`, \`listen … sndbuf=$SNDBUF\`); hyperfine -N, $RUNS runs after $WARMUP"
echo "warm-up. Speed-up = the other's mean wall time ÷ this one's (higher is better; targets for"
echo "netkit: ≥ 1.0× aria2c, ≥ 6× curl). netkit verifies --sha256 over the assembled file as well."
echo
echo "| 256 MiB | mean | stddev | speed-up over curl | over aria2c |"
echo "|---|---|---|---|---|"
python3 - "$TMP/split.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
mean = {r["command"]: r["mean"] for r in results}
for r in results:
    print(f"| {r['command']} | {r['mean']:.2f} s | ±{(r['stddev'] or 0):.2f} | "
          f"{mean['curl'] / r['mean']:.2f}× | {mean['aria2c'] / r['mean']:.2f}× |")
PY
echo
echo "| peak RSS (MB), the same download | |"
echo "|---|---|"
# shellcheck disable=SC2086 # the commands are words on purpose
echo "| aria2c | $(peak_rss $ARIA) |"
for v in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086
  echo "| ${v#netkit-} | $(peak_rss ${NETKIT_CMD[$v]} get "$URL" -o "$OUT" -s --split "$SPLIT") |"
done
