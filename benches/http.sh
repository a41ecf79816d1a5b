#!/usr/bin/env bash
# Reader-site throughput: a release build on SQLite and on PostgreSQL, loaded by wrk with 32
# connections on loopback, for the home page and a post page. Prints requests/s, p50 and
# p99 per page. Every run is bounded (DURATION seconds per page) and stops by itself.
#
#   benches/http.sh              # both databases, render cache on and off
#   BACKENDS=sqlite CACHE="off" benches/http.sh
#
# Needs wrk (Debian package `wrk`) and, for PostgreSQL, a server at PG_ADMIN_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-5160}
BACKENDS=${BACKENDS:-"sqlite postgres"}
CACHE=${CACHE:-"on off"}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
POST=/posts/the-night-bakers-of-harbour-street

command -v wrk >/dev/null || { echo "wrk is not installed (Debian package: wrk)" >&2; exit 1; }
cargo build --release --quiet
bin=target/release/copydesk-cli
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

export LOCO_ENV=production COPYDESK_BASE_URL="http://127.0.0.1:$PORT" COPYDESK_SECRET_KEY=bench \
  COPYDESK_BIND=127.0.0.1 PORT COPYDESK_LOG_LEVEL=warn

run_wrk() { # run_wrk PATH -> "rps p50 p99"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$1" > "$work/wrk.txt"
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { if (bad) { print "non-2xx responses: " bad > "/dev/stderr"; exit 1 } print rps, p50, p99 }
  ' "$work/wrk.txt"
}

if curl -s "http://127.0.0.1:$PORT/" >/dev/null 2>&1; then
  echo "port $PORT is already in use: stop that server first" >&2; exit 1
fi

printf '%-9s %-6s %-6s %12s %10s %10s\n' database cache page "requests/s" p50 p99
for backend in $BACKENDS; do
  case $backend in
    sqlite) export DATABASE_URL="sqlite://$work/bench.sqlite?mode=rwc" ;;
    postgres)
      psql "$PG_ADMIN_URL" -qc 'DROP DATABASE IF EXISTS copydesk_bench WITH (FORCE)' -c 'CREATE DATABASE copydesk_bench' >/dev/null
      export DATABASE_URL="${PG_ADMIN_URL%/*}/copydesk_bench" ;;
    *) echo "unknown backend $backend" >&2; exit 1 ;;
  esac
  "$bin" db migrate >/dev/null 2>&1
  "$bin" task seed_demo >/dev/null
  for cache in $CACHE; do
    ttl=1000; [ "$cache" = off ] && ttl=0
    COPYDESK_RENDER_CACHE_MS=$ttl "$bin" start >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/_ping" >/dev/null && break; sleep 0.1; done
    curl -fs "http://127.0.0.1:$PORT$POST" >/dev/null || { cat "$work/server.log"; exit 1; }
    # Warm up the connection pool and caches.
    wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "http://127.0.0.1:$PORT/" >/dev/null
    for page in home post; do
      path=/; [ "$page" = post ] && path=$POST
      read -r rps p50 p99 < <(run_wrk "$path")
      printf '%-9s %-6s %-6s %12s %10s %10s\n' "$backend" "$cache" "$page" "$rps" "$p50" "$p99"
    done
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
  done
done
