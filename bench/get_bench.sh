#!/usr/bin/env bash
# get benchmark: `netkit get` (as the compiled dist/netkit, under Bun, under
# Deno) side by side with `curl -o`, downloading from a local nginx, in one run.
#
#   bench/get_bench.sh                   # from the repository root (or anywhere)
#   RUNTIMES="binary" RUNS=5 bench/get_bench.sh
#
# What it measures:
#   1. wall time of a whole download of a 256 MiB file to disk (hyperfine,
#      RUNS runs after WARMUP), curl -o vs each netkit variant: mean ratio.
#   2. wall time of a whole 1 KiB download (process start-up dominates),
#      SMALL_RUNS runs: mean ratio to curl.
#   Beside them, with BARE=yes (the default), the runtime's own ceiling:
#   bench/bare_get.ts (fetch, the body to a file, nothing else) compiled
#   like the release binary (bare-binary) and under Deno (bare-deno).
#   3. peak RSS (GNU time's maximum resident set size) of each variant
#      downloading 64 MiB and 1 GiB: streaming means it does not grow with
#      the file.
#
# Settings (environment): RUNTIMES="binary bun deno"  RUNS=10  WARMUP=2
#   SMALL_RUNS=40  TIME_LIMIT=600 (the script stops itself after this long)
#   BARE=yes (no: leave out the bare programs)
#   PIN=auto (auto|yes|no: the downloads on CPU 0, nginx on CPU 1)  NICE=auto
# Needs: nginx, curl, hyperfine, python3, GNU time (/usr/bin/time).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=get_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNTIMES=${RUNTIMES:-binary bun deno}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
SMALL_RUNS=${SMALL_RUNS:-40}
TIME_LIMIT=${TIME_LIMIT:-600}

need_tools "apt-get install -y nginx curl hyperfine python3 time" nginx curl hyperfine python3 /usr/bin/time
bench_placement
bench_watchdog "$TIME_LIMIT"

# --- what runs netkit ---------------------------------------------------------
netkit_variants

# --- files and nginx -----------------------------------------------------------
WWW="$TMP/www"
mkdir -p "$WWW" "$TMP/nginx" "$TMP/out"
head -c 1024 /dev/urandom >"$WWW/1k.bin"
head -c $((64 << 20)) /dev/urandom >"$WWW/64m.bin"
head -c $((256 << 20)) /dev/urandom >"$WWW/256m.bin"
truncate -s 1G "$WWW/1g.bin" # sparse: the page cache serves it without a disk
NGINX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server { listen 127.0.0.1:$NGINX_PORT; root $WWW; }
}
EOF
start_server nginx "$TMP/nginx/stderr.log" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
  -c "$TMP/nginx/nginx.conf"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$NGINX_PORT/1k.bin" && break; sleep 0.1; done
BASE="http://127.0.0.1:$NGINX_PORT"
# Warm the page cache so the first contender is not the one that reads the disk.
cat "$WWW"/*.bin >/dev/null

OUT="$TMP/out/file"
hyper() { # name runs json -- commands...
  local runs=$1 json=$2
  shift 2
  "${LOADER[@]}" hyperfine -N --runs "$runs" --warmup "$WARMUP" --prepare "rm -f $OUT $OUT.part $OUT.part.json" \
    --export-json "$json" "$@" >&2
}
commands() { # file -> hyperfine arguments: curl first, then each variant
  local file=$1
  printf '%s\0' -n curl "curl -s -o $OUT $BASE/$file"
  for v in "${BARES[@]}"; do
    printf '%s\0' -n "$v" "${BARE_CMD[$v]} $BASE/$file $OUT"
  done
  for v in "${NETKITS[@]}"; do
    printf '%s\0' -n "${v#netkit-}" "${NETKIT_CMD[$v]} get $BASE/$file -o $OUT -s"
  done
}
ratios() { # json -> markdown rows: name, mean, ratio to curl
  python3 - "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
curl = next(r for r in results if r["command"] == "curl")["mean"]
for r in results:
    print(f"| {r['command']} | {r['mean'] * 1000:.1f} ms | ±{(r['stddev'] or 0) * 1000:.1f} | {r['mean'] / curl:.2f}× |")
PY
}

# The bare programs: what the runtime's fetch does with nothing of netkit's around it.
BARES=()
declare -A BARE_CMD=()
if [[ ${BARE:-yes} == yes ]]; then
  if [[ " $RUNTIMES " == *" binary "* || " $RUNTIMES " == *" bun "* ]]; then
    bun build --compile --minify "$ROOT/bench/bare_get.ts" --outfile "$TMP/bare-get" >/dev/null
    BARES+=(bare-binary)
    BARE_CMD[bare-binary]="$TMP/bare-get"
  fi
  if [[ " $RUNTIMES " == *" deno "* ]]; then
    BARES+=(bare-deno)
    BARE_CMD[bare-deno]="deno run -A $ROOT/bench/bare_get.ts"
  fi
fi

log "256 MiB to disk ..."
mapfile -d '' BIG < <(commands 256m.bin)
hyper "$RUNS" "$TMP/big.json" "${BIG[@]}"
log "1 KiB, whole process ..."
mapfile -d '' SMALL < <(commands 1k.bin)
hyper "$SMALL_RUNS" "$TMP/small.json" "${SMALL[@]}"

peak_rss() { # command... -> peak RSS in MB (10^6 bytes)
  rm -f "$OUT" "$OUT.part"
  local kb
  kb=$("${LOADER[@]}" /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1)
  echo $((kb * 1024 / 1000000))
}

echo "## get: download speed and memory ($(date -u +%Y-%m-%d))"
echo
echo "Machine: $(machine_line)."
echo
echo "nginx on loopback (sendfile on, access log off); hyperfine -N, $RUNS runs after $WARMUP warm-up for"
echo "256 MiB, $SMALL_RUNS for 1 KiB. Ratio = mean wall time ÷ curl's (lower is better). Targets (issue 14):"
echo "256 MiB ≤ 1.0× as dist/netkit and ≤ 1.2× under Deno; 1 KiB ≤ 1.3× as dist/netkit. bare-*: the"
echo "runtime's fetch writing the body to a file and nothing else (bench/bare_get.ts), the ceiling."
echo
echo "| 256 MiB to disk | mean | stddev | ÷ curl |"
echo "|---|---|---|---|"
ratios "$TMP/big.json"
echo
echo "| 1 KiB, whole process | mean | stddev | ÷ curl |"
echo "|---|---|---|---|"
ratios "$TMP/small.json"
echo
echo "| peak RSS (MB) | 64 MiB | 1 GiB |"
echo "|---|---|---|"
echo "| curl | $(peak_rss curl -s -o "$OUT" "$BASE/64m.bin") | $(peak_rss curl -s -o "$OUT" "$BASE/1g.bin") |"
for v in "${NETKITS[@]}"; do
  # shellcheck disable=SC2086 # the command is words on purpose
  echo "| ${v#netkit-} | $(peak_rss ${NETKIT_CMD[$v]} get "$BASE/64m.bin" -o "$OUT" -s) | $(peak_rss ${NETKIT_CMD[$v]} get "$BASE/1g.bin" -o "$OUT" -s) |"
done
