#!/usr/bin/env bash
# get --mirror: `netkit get --mirror URL DIR --parallel 8` (as the compiled
# dist/netkit, under Bun, under Deno) side by side with `wget -r -np`, copying
# 1,000 files in 50 folders from a local nginx with autoindex, in one run:
# netkit once from nginx's HTML listing and once from its JSON listing
# (`autoindex_format json`, a second server block on the same root).
#
#   bench/get_mirror_bench.sh
#   RUNTIMES="binary" RUNS=3 bench/get_mirror_bench.sh
#   RUNTIMES="baseline binary" BASELINE_BIN=/path/to/old/netkit bench/get_mirror_bench.sh  # before/after
#
# What it measures (hyperfine): the first run into an emptied folder (mean ratio
# to wget -r -np), and the second, unchanged run into the full folder (ratio to
# the same variant's first run); peak RSS (GNU time) of each netkit first run.
# Targets (issue 13): first run ≤ 0.5× wget -r -np; unchanged run ≤ 0.2× the
# first; peak RSS < 100 MB.
#
# Settings (environment): RUNTIMES="binary bun deno"  RUNS=5  WARMUP=1
#   FOLDERS=50  PER_FOLDER=20  SIZE=10240  TIME_LIMIT=900  PIN=auto  NICE=auto
# Needs: nginx, wget, hyperfine, python3, GNU time (/usr/bin/time).
# Prints the report (Markdown) on stdout, progress on stderr.
set -euo pipefail

BENCH_NAME=get_mirror_bench
source "$(dirname "${BASH_SOURCE[0]}")/_lib.sh"

RUNTIMES=${RUNTIMES:-binary bun deno}
RUNS=${RUNS:-5}
WARMUP=${WARMUP:-1}
FOLDERS=${FOLDERS:-50}
PER_FOLDER=${PER_FOLDER:-20}
SIZE=${SIZE:-10240}
TIME_LIMIT=${TIME_LIMIT:-900}

need_tools "apt-get install -y nginx wget hyperfine python3 time" \
  nginx wget hyperfine python3 /usr/bin/time
bench_placement
bench_watchdog "$TIME_LIMIT"
netkit_variants

WWW="$TMP/www"
OUT="$TMP/out"
mkdir -p "$WWW" "$TMP/nginx"
for d in $(seq "$FOLDERS"); do
  mkdir -p "$WWW/d$d"
  for i in $(seq "$PER_FOLDER"); do head -c "$SIZE" /dev/urandom >"$WWW/d$d/f$i.bin"; done
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
HTML_PORT=$(free_port)
JSON_PORT=$(free_port)
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
    keepalive_requests 100000;
    client_body_temp_path $TMP/nginx/client_body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    server { listen 127.0.0.1:$HTML_PORT; root $WWW; autoindex on; }
    server { listen 127.0.0.1:$JSON_PORT; root $WWW; autoindex on; autoindex_format json; }
}
CONF
start_server nginx "$TMP/nginx/stderr.log" nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" \
  -c "$TMP/nginx/nginx.conf"
HTML="http://127.0.0.1:$HTML_PORT/"
JSON="http://127.0.0.1:$JSON_PORT/"
for _ in $(seq 50); do wget -q -O /dev/null "$HTML" && break; sleep 0.1; done
cat "$WWW"/*/*.bin >/dev/null

WGET="wget -q -r -np -nH -P $OUT $HTML"
declare -A MIRROR=()
for v in "${NETKITS[@]}"; do
  MIRROR[${v#netkit-} html]="${NETKIT_CMD[$v]} get --mirror $HTML $OUT --parallel 8 -s"
  MIRROR[${v#netkit-} json]="${NETKIT_CMD[$v]} get --mirror $JSON $OUT --parallel 8 -s"
done
NAMES=()
for v in "${NETKITS[@]}"; do NAMES+=("${v#netkit-} html" "${v#netkit-} json"); done

# Every variant must copy every file, byte-exact (wget also saves index.html pages).
check() { # name
  rm -rf "$OUT"
  # shellcheck disable=SC2086 # the command is words on purpose
  ${MIRROR[$1]} >/dev/null 2>&1 || die "failed: ${MIRROR[$1]}"
  diff -rq -x '.netkit-mirror.json' "$WWW" "$OUT" >/dev/null || die "files differ after: ${MIRROR[$1]}"
}
for name in "${NAMES[@]}"; do check "$name"; done

log "first runs ..."
ARGS=(-n wget "$WGET")
for name in "${NAMES[@]}"; do ARGS+=(-n "$name" "${MIRROR[$name]}"); done
"${LOADER[@]}" hyperfine -N --runs "$RUNS" --warmup "$WARMUP" --prepare "rm -rf $OUT" \
  --export-json "$TMP/first.json" "${ARGS[@]}" >&2
log "unchanged runs ..."
ARGS=()
for name in "${NAMES[@]}"; do ARGS+=(-n "$name" "${MIRROR[$name]}"); done
# Each command's own first run fills the folder; the measured runs find it unchanged.
for name in "${NAMES[@]}"; do
  rm -rf "$OUT"
  # shellcheck disable=SC2086
  ${MIRROR[$name]} >/dev/null 2>&1
  "${LOADER[@]}" hyperfine -N --runs "$RUNS" --warmup "$WARMUP" \
    --export-json "$TMP/second-${name/ /-}.json" -n "$name" "${MIRROR[$name]}" >&2
done
declare -A RSS=()
for name in "${NAMES[@]}"; do
  rm -rf "$OUT"
  # shellcheck disable=SC2086
  RSS[$name]=$(("$(${LOADER[@]} /usr/bin/time -f '%M' ${MIRROR[$name]} 2>&1 >/dev/null | tail -1)" * 1024 / 1000000))
done

echo "## get --mirror: $((FOLDERS * PER_FOLDER)) files of $((SIZE / 1024)) KiB in $FOLDERS folders ($(date -u +%Y-%m-%d))"
echo
echo "Machine: $(machine_line)."
[[ -n $BINARY_NOTE ]] && echo && echo "$BINARY_NOTE"
echo
echo "nginx on loopback with autoindex (HTML, and a second server with \`autoindex_format json\`);"
echo "hyperfine -N, $RUNS runs after $WARMUP warm-up. wget: \`wget -q -r -np -nH\` (HTML, one connection);"
echo "netkit: \`get --mirror URL DIR --parallel 8 -s\`. First runs into an emptied folder; unchanged"
echo "runs into the folder the same command filled (HTML: a HEAD per file; JSON: the listings only)."
echo "Targets: first ≤ 0.5× wget, unchanged ≤ 0.2× first, peak RSS < 100 MB."
echo
echo "| variant | first run | ÷ wget | unchanged run | ÷ first | peak RSS (MB) |"
echo "|---|---|---|---|---|---|"
RSS_LINE=""
for name in "${NAMES[@]}"; do RSS_LINE+="${name/ /-}=${RSS[$name]} "; done
python3 - "$TMP" "$RSS_LINE" <<'PY'
import glob, json, os, sys
tmp = sys.argv[1]
rss = dict(item.split("=") for item in sys.argv[2].split())
first = {r["command"]: r["mean"] for r in json.load(open(os.path.join(tmp, "first.json")))["results"]}
print(f"| wget -r -np | {first['wget'] * 1000:.0f} ms | 1.00× | — | — | — |")
for name, mean in first.items():
    if name == "wget":
        continue
    key = name.replace(" ", "-")
    second = json.load(open(os.path.join(tmp, f"second-{key}.json")))["results"][0]["mean"]
    print(f"| {name} | {mean * 1000:.0f} ms | {mean / first['wget']:.2f}× | "
          f"{second * 1000:.0f} ms | {second / mean:.2f}× | {rss.get(key, '?')} |")
PY
