#!/usr/bin/env bash
# bench/scale.sh: the national dataset on PostgreSQL, served by 1, 2 and 3
# `communs serve --role web` processes behind nginx (deploy/nginx/communs.conf), driven by
# wrk (Debian's) at 64 connections on the software page, the organisation page, search and
# the dashboards. Prints throughput, p99 and CPU use per process count, then a soak at 64
# connections with each process's memory sampled every 10 s. See bench/README.md, "Scale".
#
#   bench/scale.sh [--scale 1] [--duration 15] [--soak 300] [--connections 64]
#                  [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--database URL]
#
# --database reuses a database loaded by an earlier run (its URL is printed); otherwise
# `target/release/bench --keep` loads one, which this script drops at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE=1 DURATION=15 SOAK=300 CONNECTIONS=64 DATABASE=""
POSTGRES="${COMMUNS_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --soak) SOAK="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --postgres) POSTGRES="$2"; shift 2 ;;
    --database) DATABASE="$2"; shift 2 ;;
    *) echo "bench/scale.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q wrk; }
bash tests/proxy/install.sh
data=bench/data/node_modules/@etalab/decoupage-administratif/data
if [ ! -f "$data/communes.json" ]; then
  mkdir -p bench/data
  npm install --prefix bench/data --no-audit --no-fund @etalab/decoupage-administratif
fi
cargo build --release -p server -p bench
WORK=$(mktemp -d /tmp/communs-scale.XXXXXX)
cp target/release/communs "$WORK/communs"
PIDS=()
LOADED=""
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/nginx/nginx.pid" ] && nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -s stop 2>/dev/null || true
  if [ -n "$LOADED" ]; then
    psql "$POSTGRES" -qc "DROP DATABASE IF EXISTS ${LOADED##*/} WITH (FORCE)" || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== scale: commit $(git rev-parse --short HEAD), $(nproc) cores, wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2), $(nginx -v 2>&1 | cut -d' ' -f3)"
if [ -z "$DATABASE" ]; then
  echo "== LOAD: target/release/bench --scale $SCALE on PostgreSQL, kept"
  target/release/bench --no-sqlite --postgres "$POSTGRES" --scale "$SCALE" --keep \
    --duration 1 --warmup 1 --profile-samples 0 --communs target/release/communs \
    --communes "$data" | tee "$WORK/load.log" | grep -E "^(load|  ·|PostgreSQL: kept)" || true
  DATABASE=$(sed -n 's/^PostgreSQL: kept //p' "$WORK/load.log")
  [ -n "$DATABASE" ] || { echo "the load kept no database" >&2; exit 1; }
  LOADED="$DATABASE"
fi
echo "database: $DATABASE"

# The paths asked, drawn once: software and organisation pages, searches, dashboards.
psql "$DATABASE" -Atc "SELECT '/software/' || slug FROM software ORDER BY md5(slug) LIMIT 400" > "$WORK/software.txt"
psql "$DATABASE" -Atc "SELECT '/organisations/' || slug FROM organisations WHERE kind = 'commune' ORDER BY md5(slug) LIMIT 400" > "$WORK/organisations.txt"
for q in etat-civil cimetiere urbanisme marches-publics participation cantine 'gestion+des+salles' eau; do
  echo "/search?q=$q"
done > "$WORK/search.txt"
printf '%s\n' /dashboards/adoption /dashboards/funding '/dashboards/adoption?kind=commune' > "$WORK/dashboards.txt"
for phase in software organisations search dashboards; do
  {
    echo "local paths = {"
    sed 's/.*/  "&",/' "$WORK/$phase.txt"
    echo "}"
    echo 'local i = math.random(#paths)'
    echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
  } > "$WORK/$phase.lua"
done

# nginx with the shipped site, its upstreams swapped for this run's processes.
site() {
  local upstreams="" port
  for port in "$@"; do upstreams+="    server 127.0.0.1:$port max_fails=3 fail_timeout=10s;\n"; done
  sed -e "/server 127.0.0.1:8082/d" \
      -e "s|    server 127.0.0.1:8081 max_fails=3 fail_timeout=10s;|$upstreams|" \
      -e "s|/var/cache/nginx/communs|$WORK/nginx/cache|" \
      -e "/listen \[::\]/d" \
      -e "s|listen 80;|listen 127.0.0.1:$REDIRECT;|" \
      -e "s|listen 443 ssl http2;|listen 127.0.0.1:$TLS ssl http2;\n    listen 127.0.0.1:$PLAIN;|" \
      -e "s|/etc/letsencrypt/live/communs.example.org/fullchain.pem|$WORK/nginx/cert.pem|" \
      -e "s|/etc/letsencrypt/live/communs.example.org/privkey.pem|$WORK/nginx/key.pem|" \
      deploy/nginx/communs.conf > "$WORK/nginx/communs.conf"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$WORK/nginx"/{cache,body,proxy,fastcgi,uwsgi,scgi}
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=communs.example.org \
  -keyout "$WORK/nginx/key.pem" -out "$WORK/nginx/cert.pem" 2>/dev/null
REDIRECT=$(free_port) TLS=$(free_port) PLAIN=$(free_port)
cat > "$WORK/nginx/nginx.conf" <<EOF
master_process on;
worker_processes auto;
user root;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/communs.conf;
}
EOF

# Web processes, each with its own data folder (its search index).
start_web() {
  local i=$1 port
  port=$(free_port)
  COMMUNS_LOG=warn "$WORK/communs" --data-dir "$WORK/web-$i" --database-url "$DATABASE" \
    serve --role web --bind "127.0.0.1:$port" --trusted-proxies 127.0.0.1 --harvest-every 0 \
    > "$WORK/web-$i.log" 2>&1 &
  PIDS+=($!)
  WEB_PORTS+=("$port")
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "web process $i did not get ready" >&2; cat "$WORK/web-$i.log" >&2; exit 1
}

# CPU ticks: the machine's busy and total (from /proc/stat).
cpu() { awk '/^cpu /{ busy=$2+$3+$4+$7+$8; print busy, busy+$5+$6 }' /proc/stat; }
rss_mb() { awk '/^VmRSS/{ printf "%.0f", $2/1024 }' "/proc/$1/status"; }

# One wrk phase through nginx; prints a line and appends it to the table.
phase() {
  local n=$1 name=$2 before after out rps p99 errors busy
  before=$(cpu)
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s "$WORK/$name.lua" "http://127.0.0.1:$PLAIN" 2>&1)
  after=$(cpu)
  rps=$(echo "$out" | awk '/^Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/{s+=$NF} /Socket errors/{gsub(",","");s+=$4+$6+$8+$10} END{print s+0}')
  busy=$(echo "$before $after" | awk '{ printf "%.0f", 100*($3-$1)/($4-$2) }')
  printf '  %d process(es)  %-13s %9s req/s  p99 %8s  errors %s  CPU %s%% of %d cores\n' \
    "$n" "$name" "$rps" "$p99" "$errors" "$busy" "$(nproc)"
  echo "$n|$name|$rps|$p99|$errors|$busy" >> "$WORK/table"
}

WEB_PORTS=()
for n in 1 2 3; do
  start_web "$n"
  site "${WEB_PORTS[@]}"
  if [ -f "$WORK/nginx/nginx.pid" ]; then
    nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -s reload
    sleep 1
  else
    nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
  fi
  curl -sf "http://127.0.0.1:$PLAIN/readyz" >/dev/null
  echo "== $n web process(es) behind nginx, $CONNECTIONS connections, ${DURATION} s a phase"
  # One pass over every path on each process first: a process's first look at a page (its
  # cold cache) is not measured.
  for port in "${WEB_PORTS[@]}"; do
    cat "$WORK"/{software,organisations,search,dashboards}.txt | sed "s|^|http://127.0.0.1:$port|" \
      | xargs -n 50 curl -s > /dev/null
  done
  for name in software organisations search dashboards; do phase "$n" "$name"; done
done

echo "== SOAK: $((SOAK / 60)) min at $CONNECTIONS connections over the four kinds of page, 3 processes; memory every 10 s"
cat "$WORK"/{software,organisations,search,dashboards}.txt | shuf --random-source=<(yes) > "$WORK/all.txt"
{
  echo "local paths = {"; sed 's/.*/  "&",/' "$WORK/all.txt"; echo "}"
  echo 'local i = math.random(#paths)'
  echo 'request = function() i = i % #paths + 1; return wrk.format("GET", paths[i]) end'
} > "$WORK/all.lua"
wrk -t2 -c"$CONNECTIONS" -d"${SOAK}s" --timeout 10s --latency -s "$WORK/all.lua" "http://127.0.0.1:$PLAIN" > "$WORK/soak.txt" 2>&1 &
WRK=$!
elapsed=0
while kill -0 "$WRK" 2>/dev/null; do
  line="  t=${elapsed}s RSS MB:"
  for pid in "${PIDS[@]}"; do line+=" $(rss_mb "$pid")"; done
  echo "$line"
  sleep 10
  elapsed=$((elapsed + 10))
done
wait "$WRK" || true
rps=$(awk '/^Requests\/sec/{print $2}' "$WORK/soak.txt")
p99=$(awk '$1=="99%"{print $2}' "$WORK/soak.txt")
errors=$(awk '/Non-2xx/{s+=$NF} /Socket errors/{gsub(",","");s+=$4+$6+$8+$10} END{print s+0}' "$WORK/soak.txt")
echo "  soak: $rps req/s, p99 $p99, errors $errors"

echo "== TABLE (requests per second and p99 per process count; CPU is the whole machine's)"
echo "| page | 1 process | 2 processes | 3 processes |"
echo "| --- | --- | --- | --- |"
for name in software organisations search dashboards; do
  row="| $name |"
  for n in 1 2 3; do
    row+=" $(awk -F'|' -v n="$n" -v p="$name" '$1==n && $2==p { printf "%s/s, p99 %s, CPU %s%%", $3, $4, $6 }' "$WORK/table") |"
  done
  echo "$row"
done
total_errors=$(awk -F'|' '{s+=$5} END{print s+0}' "$WORK/table")
echo "non-2xx answers and socket errors, all phases: $total_errors; soak: $errors"
