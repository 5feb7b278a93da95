#!/usr/bin/env bash
# get with many URLs: `netkit get -i LIST --parallel 8` (as the compiled
# dist/netkit, under Bun, under Deno) side by side with `wget -i LIST` and
# `curl -Z --parallel-max 8`, fetching 200 files of 10 KiB from a local nginx,
# in one run.
#
#   bench/get_many_bench.sh              # from the repository root (or anywhere)
#   RUNTIMES="binary" RUNS=5 bench/get_many_bench.sh
#   RUNTIMES="baseline binary" BASELINE_BIN=/path/to/old/netkit bench/get_many_bench.sh  # before/after
#
# What it measures:
#   1. wall time of the whole run (hyperfine, RUNS runs after WARMUP), each
#      into an emptied folder: mean ratio to wget and to curl.
#   2. peak RSS (GNU time's maximum resident set size) of each netkit variant.
#   bench/bare_get_many.ts (8 fetch loops, each body written whole, nothing
#   else) compiled like the release binary (bare-binary) and under Deno
#   (bare-deno): the ceiling the runtime's fetch allows.
#
# Targets (issue 13): wall time ≤ 0.5× wget -i and ≤ 1.0× curl -Z
# --parallel-max 8; peak RSS < 100 MB.
#
# Settings (environment): RUNTIMES="binary bun deno"  RUNS=10  WARMUP=2
#   FILES=200  SIZE=10240  TIME_LIMIT=600  PIN=auto  NICE=auto
#   BARE=yes (no: leave out the bare programs)
# Needs: nginx, curl, wget, hyperfine, python3, GNU time (/usr/bin/time).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=get_many_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNTIMES=${RUNTIMES:-binary bun deno}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
FILES=${FILES:-200}
SIZE=${SIZE:-10240}
TIME_LIMIT=${TIME_LIMIT:-600}
BARE=${BARE:-yes}

need_tools "apt-get install -y nginx curl wget hyperfine python3 time" \
  nginx curl wget hyperfine python3 /usr/bin/time
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

# --- files and nginx -----------------------------------------------------------
WWW="$TMP/www"
OUT="$TMP/out"
mkdir -p "$WWW" "$TMP/nginx" "$OUT"
for i in $(seq "$FILES"); do head -c "$SIZE" /dev/urandom >"$WWW/f$i.bin"; done
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
master_process off;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 512; }
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    keepalive_requests 10000;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server { listen 127.0.0.1:$NGINX_PORT; root $WWW; }
}
CONF
start_server nginx "$TMP/nginx/stderr.log" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
  -c "$TMP/nginx/nginx.conf"
BASE="http://127.0.0.1:$NGINX_PORT"
for _ in $(seq 50); do curl -sf -o /dev/null "$BASE/f1.bin" && break; sleep 0.1; done
cat "$WWW"/*.bin >/dev/null

LIST="$TMP/list.txt"
for i in $(seq "$FILES"); do echo "$BASE/f$i.bin"; done >"$LIST"
CURL_CONFIG="$TMP/curl.cfg"
for i in $(seq "$FILES"); do printf 'url = "%s/f%s.bin"\n' "$BASE" "$i"; done >"$CURL_CONFIG"

# The bare programs: what the runtime's fetch does with nothing of netkit's around it.
BARES=()
declare -A BARE_CMD=()
if [[ $BARE == yes ]]; then
  if [[ " $RUNTIMES " == *" binary "* ]]; then
    bun build --compile --minify "$ROOT/bench/bare_get_many.ts" --outfile "$TMP/bare-get-many" >/dev/null
    BARES+=(bare-binary)
    BARE_CMD[bare-binary]="$TMP/bare-get-many $LIST $OUT"
  fi
  if [[ " $RUNTIMES " == *" deno "* ]]; then
    BARES+=(bare-deno)
    BARE_CMD[bare-deno]="deno run -A $ROOT/bench/bare_get_many.ts $LIST $OUT"
  fi
fi

# --- the run ---------------------------------------------------------------------
commands() { # -> hyperfine arguments: wget, curl, each netkit variant, the bare programs
  printf '%s\0' -n wget "wget -q -i $LIST -P $OUT"
  printf '%s\0' -n curl "curl -s -Z --parallel-max 8 --remote-name-all --create-dirs --output-dir $OUT -K $CURL_CONFIG"
  for v in "${NETKITS[@]}"; do
    printf '%s\0' -n "${v#netkit-}" "${NETKIT_CMD[$v]} get -i $LIST -P $OUT --parallel 8 -s"
  done
  for b in "${BARES[@]}"; do printf '%s\0' -n "$b" "${BARE_CMD[$b]}"; done
}
log "$FILES files of $SIZE bytes ..."
mapfile -d '' CMDS < <(commands)
"${LOADER[@]}" hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "rm -rf $OUT" \
  --export-json "$TMP/many.json" "${CMDS[@]}" >&2

# Every variant must have fetched every file, byte-exact: a fast wrong run counts for nothing.
check() { # command... : runs it into an empty $OUT and compares with $WWW
  rm -rf "$OUT"
  "$@" >/dev/null 2>&1 || die "failed: $*"
  diff -rq "$WWW" "$OUT" >/dev/null || die "files differ after: $*"
}
peak_rss() { # command... -> peak RSS in MB (10^6 bytes)
  rm -rf "$OUT"
  local kb
  kb=$("${LOADER[@]}" /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
  echo $((kb * 1024 / 1000000))
}

echo "## get with many URLs: $FILES files of $((SIZE / 1024)) KiB ($(date -u +%Y-%m-%d))"
echo
echo "Machine: $(machine_line)."
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
echo
echo "nginx on loopback (sendfile on, access log off, keep-alive); hyperfine -N, $RUNS runs after"
echo "$WARMUP warm-up, each into an emptied folder. netkit: \`get -i LIST -P DIR --parallel 8 -s\`;"
echo "wget: \`wget -q -i LIST -P DIR\` (one connection, in turn); curl: \`curl -s -Z --parallel-max 8\`"
echo "\`--remote-name-all\` with a config of \`url\` lines. Targets: ≤ 0.5× wget, ≤ 1.0× curl, peak RSS < 100 MB."
echo "bare-*: the runtime's fetch in 8 loops writing each body whole and nothing else (bench/bare_get_many.ts)."
echo
echo "| $FILES × $((SIZE / 1024)) KiB | mean | stddev | ÷ wget | ÷ curl | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
declare -A RSS=()
RSS[wget]=$(peak_rss wget -q -i "$LIST" -P "$OUT")
RSS[curl]=$(peak_rss curl -s -Z --parallel-max 8 --remote-name-all --create-dirs --output-dir "$OUT" -K "$CURL_CONFIG")
for v in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086 # the command is words on purpose
  check ${NETKIT_CMD[$v]} get -i "$LIST" -P "$OUT" --parallel 8 -s
  # shellcheck disable=SC2086
  RSS[${v#netkit-}]=$(peak_rss ${NETKIT_CMD[$v]} get -i "$LIST" -P "$OUT" --parallel 8 -s)
done
for b in "${BARES[@]}"; do
  # shellcheck disable=SC2086
  check ${BARE_CMD[$b]}
  # shellcheck disable=SC2086
  RSS[$b]=$(peak_rss ${BARE_CMD[$b]})
done
RSS_LINE=""
for name in "${!RSS[@]}"; do RSS_LINE+="$name=${RSS[$name]} "; done
python3 - "$TMP/many.json" "$RSS_LINE" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
rss = dict(item.split("=") for item in sys.argv[2].split())
mean = {r["command"]: r["mean"] for r in results}
for r in results:
    name = r["command"]
    print(f"| {name} | {r['mean'] * 1000:.1f} ms | ±{(r['stddev'] or 0) * 1000:.1f} | "
          f"{r['mean'] / mean['wget']:.2f}× | {r['mean'] / mean['curl']:.2f}× | {rss.get(name, '?')} |")
PY
