#!/usr/bin/env bash
# Scale-out end to end (issue 17): INSTANCES proxies (default 3) on one PostgreSQL and one Redis behind nginx (round
# robin), REQUESTS non-stream requests (default 100,000) sent through nginx by count.lua, exactly; with CHAOS=1, Redis
# is killed a third of the way in and started again 3 s later, and PostgreSQL is stopped at once (pg_ctl -m immediate,
# as a crash) two thirds of the way in and started again 3 s later. Then every request must have been answered 200 and
# be one row of the shared usage table: the rows (psql) equal the requests answered, and every instance's /health
# shows nothing dropped or lost. The key has every rate limit, set far above what two cores reach, so every admission
# goes through Redis (or, while it is away, the local 1/N fallback). Prints one PASS/FAIL line, writes it to
# bench/results/scaleout-<UTC>.md, exits 1 on FAIL.
#
#   bench/load/scaleout.sh          REQUESTS=100000 INSTANCES=3 CONNECTIONS=64 CHAOS=0; LLM_PROXY_BINARY=... another build
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TARGETS=llm-proxy
# shellcheck source=run.sh
source "$HERE/run.sh"
REQUESTS=${REQUESTS:-100000}
INSTANCES=${INSTANCES:-3}
CONNECTIONS=${CONNECTIONS:-64}
CHAOS=${CHAOS:-0}
DRAIN_SECONDS=${DRAIN_SECONDS:-120}
PG_PORT=$((PORT_BASE + 7)) REDIS_PORT=$((PORT_BASE + 8)) FRONT_PORT=$((PORT_BASE + 9)) FIRST_PROXY_PORT=$((PORT_BASE + 10))
PG_DATA="$RUN/scaleout-pg"
PG_BIN=""  # set once PostgreSQL is installed, below

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
as_postgres() { runuser -u postgres -- "$@"; }
pg_ctl() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@" >/dev/null; }
psql_count() { as_postgres psql -h 127.0.0.1 -p $PG_PORT -U postgres -At -c "SELECT count(*) FROM usage"; }
instance_port() { echo $((FIRST_PROXY_PORT + $1)); }
start_redis() { taskset -c $LOAD_CPU redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no > "$RUN/scaleout-redis.log" 2>&1 & REDIS_PID=$!; PIDS+=($!); }
stop_everything() { pg_ctl stop -m fast 2>/dev/null || true; redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || true; cleanup; }
trap stop_everything EXIT

script_start=$(now)
install_tools
write_bodies
start_upstreams
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; }
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

log "starting PostgreSQL on $PG_PORT and Redis on $REDIS_PORT"
rm -rf "$PG_DATA"; mkdir -p "$PG_DATA"; chown postgres "$PG_DATA"
as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
pg_ctl start -w -l "$PG_DATA/server.log" -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k ''"
start_redis

config="$RUN/scaleout.json"
cat > "$config" <<CONF
{
  "admin": { "masterKey": "$LIMITS_MASTER_KEY" },
  "storage": { "type": "postgres", "connectionString": "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres" },
  "redis": { "connectionString": "127.0.0.1:$REDIS_PORT", "expectedInstances": $INSTANCES },
  "providers": { "fast": { "type": "openai", "baseUrl": "http://127.0.0.1:$UPSTREAM_PORT/fast/v1", "apiKey": "$KEY" } },
  "models": { "bench-fast": [ { "provider": "fast", "model": "gpt-4o-mini", "price": { "inputPerMTok": 0.15, "outputPerMTok": 0.6 } } ] },
  "keys": [ { "key": "$KEY", "name": "bench", "rpm": 1000000000, "tpm": 1000000000, "maxParallel": 1000000 } ]
}
CONF
upstreams=""
for i in $(seq 0 $((INSTANCES - 1))); do
  port=$(instance_port "$i")
  taskset -c $TARGET_CPU "$PROXY_BINARY" --config "$config" --urls "http://127.0.0.1:$port" > "$RUN/scaleout-$i.log" 2>&1 &
  PIDS+=($!)
  upstreams="$upstreams server 127.0.0.1:$port;"
done
for i in $(seq 0 $((INSTANCES - 1))); do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$(instance_port "$i")/health" && break; sleep 0.1; done
done
cat > "$RUN/scaleout-nginx.conf" <<NGINX
worker_processes 1;
pid $RUN/scaleout-nginx.pid;
error_log $RUN/scaleout-nginx.err;
events { worker_connections 4096; }
http {
  access_log off;
  upstream proxies { $upstreams keepalive 128; }
  server {
    listen 127.0.0.1:$FRONT_PORT;
    location / { proxy_pass http://proxies; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
NGINX
taskset -c $LOAD_CPU nginx -c "$RUN/scaleout-nginx.conf"
trap 'nginx -c "$RUN/scaleout-nginx.conf" -s stop 2>/dev/null || true; stop_everything' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$FRONT_PORT/health" && break; sleep 0.1; done

chaos_log="$RUN/scaleout-chaos.log"; : > "$chaos_log"
if [ "$CHAOS" = 1 ]; then
  # Timed against a chaos-free run's rate on this machine, about 6,000 requests a second (RATE_ESTIMATE).
  third=$(awk -v n="$REQUESTS" -v r="${RATE_ESTIMATE:-6000}" 'BEGIN{printf "%.0f", n/r/3}')
  (
    sleep "$third"; kill -9 "$REDIS_PID"; echo "$(date +%T) redis killed" >> "$chaos_log"
    sleep 3; start_redis; echo "$(date +%T) redis started" >> "$chaos_log"
    sleep "$third"; pg_ctl stop -m immediate; echo "$(date +%T) postgres stopped (immediate)" >> "$chaos_log"
    sleep 3; pg_ctl start -w -l "$PG_DATA/server.log" -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k ''"; echo "$(date +%T) postgres started" >> "$chaos_log"
  ) &
  PIDS+=($!)
fi

log "sending exactly $REQUESTS requests through nginx to $INSTANCES instances (chaos: $CHAOS)"
load_start=$(now)
r=$(COUNT=$REQUESTS BODY_FILE="$RUN/request-bench-fast.json" KEY=$KEY taskset -c $LOAD_CPU \
  wrk -t1 -c"$CONNECTIONS" -d600s --timeout 10s -s "$HERE/count.lua" "http://127.0.0.1:$FRONT_PORT/v1/chat/completions" | grep '^RESULT')
load_end=$(now)
posts=$(field "$r" posts) answered=$(field "$r" answered) ok=$(field "$r" ok)
rate=$(awk -v n="$answered" -v d="$(field "$r" duration_us)" 'BEGIN{printf "%.0f", n/(d/1e6)}')
log "wrk: $r"
wait_for_chaos=$(( CHAOS == 1 ? 10 : 0 )); sleep "$wait_for_chaos"

# Every instance's ledger drained: nothing queued, and everything it took counted somewhere.
healths=""
for _ in $(seq $((DRAIN_SECONDS * 2))); do
  healths=""; settled=1
  for i in $(seq 0 $((INSTANCES - 1))); do
    h=$(curl -s -m 5 "http://127.0.0.1:$(instance_port "$i")/health" | jq -c '{usage, redis}')
    healths="$healths $h"
    [ "$(jq '.usage.queued' <<< "$h")" = 0 ] || settled=0
  done
  [ "$settled" = 1 ] && break
  sleep 0.5
done
drained=$(now)
written=$(for h in $healths; do jq '.usage.written' <<< "$h"; done | awk '{s+=$1} END{print s}')
dropped=$(for h in $healths; do jq '.usage.dropped' <<< "$h"; done | awk '{s+=$1} END{print s}')
lost=$(for h in $healths; do jq '.usage.lost' <<< "$h"; done | awk '{s+=$1} END{print s}')
rows=$(psql_count)

verdict=PASS
[ "$posts" = "$REQUESTS" ] && [ "$answered" = "$REQUESTS" ] && [ "$ok" = "$REQUESTS" ] && [ "$rows" = "$answered" ] \
  && [ "$written" = "$answered" ] && [ "$dropped" = 0 ] && [ "$lost" = 0 ] || verdict=FAIL
line="$verdict: $answered of $posts requests answered ($ok with 200) through nginx to $INSTANCES instances in $(seconds "$load_start" "$load_end") s ($rate req/s); ledger drained $(seconds "$load_end" "$drained") s later; usage rows in PostgreSQL $rows; /health written $written dropped $dropped lost $lost; chaos: $(tr '\n' ';' < "$chaos_log")"

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
mkdir -p "$RESULTS_DIR"
out="$RESULTS_DIR/scaleout-$stamp.md"
{
  echo "# Scale-out check $stamp"
  echo
  echo "- commit $(git -C "$ROOT" rev-parse --short HEAD) (harness), measured $("$PROXY_BINARY" --version)"
  echo "- machine: $(nproc) cores, kernel $(uname -r); proxies pinned to CPU $TARGET_CPU, nginx, wrk, Redis and the upstream to CPU $LOAD_CPU, PostgreSQL unpinned"
  echo "- command: REQUESTS=$REQUESTS INSTANCES=$INSTANCES CONNECTIONS=$CONNECTIONS CHAOS=$CHAOS bench/load/scaleout.sh (whole script: $(seconds "$script_start" "$(now)") s)"
  echo
  echo "$line"
} > "$out"
echo "$line"
log "written to $out"
[ "$verdict" = PASS ]
