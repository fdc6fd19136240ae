#!/usr/bin/env bash
# The usage ledger at full speed (issue 14): REQUESTS non-stream requests (default 100,000) through the published proxy
# with the ledger on, a fresh database, and a key whose limits are all set (high enough never to refuse, so the
# limiter's whole path runs) on a deployment with a price; then every request the load tool got an answer to must be
# one ledger record: /admin/usage's request count, /health's written count and the usage table's rows (read with the
# sqlite3 shell) all equal it, and /health shows nothing dropped or lost. Prints one PASS/FAIL line with the figures,
# writes them to bench/results/ledger-<UTC>.md, and exits 1 on FAIL.
#
# The count is exact: wrk (one thread, CONNECTIONS connections, pinned as run.sh pins it) runs count.lua, which sends
# exactly REQUESTS POSTs and stops once all of them are answered (see count.lua for how idle connections are kept busy
# without a ledger record). The proxy is pinned to its core, the upstream and wrk to the other, as in run.sh.
#
#   bench/load/ledger.sh                      REQUESTS=100000 CONNECTIONS=64; LLM_PROXY_BINARY=... checks another build
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TARGETS=llm-proxy
# shellcheck source=run.sh
source "$HERE/run.sh"
REQUESTS=${REQUESTS:-100000}
CONNECTIONS=${CONNECTIONS:-64}
DRAIN_SECONDS=${DRAIN_SECONDS:-120}
BASE="http://127.0.0.1:$PROXY_PORT"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
usage_of() { curl -s -m 5 "$BASE/health" | jq -c '.usage'; }

script_start=$(now)
load_average=$(cut -d' ' -f1-3 /proc/loadavg)
install_tools
write_bodies
start_upstreams

db="$RUN/ledger-check.db"
rm -f "$db" "$db-wal" "$db-shm"
limits_config on "$db" > "$RUN/ledger-check.json"
log "starting $PROXY_BINARY with the ledger on and a fresh database ($db)"
taskset -c $TARGET_CPU "$PROXY_BINARY" --config "$RUN/ledger-check.json" --urls "$BASE" > "$RUN/ledger-check.log" 2>&1 &
TARGET_PID=$!; PIDS+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "$BASE/health" && break; sleep 0.1; done
[ "$(usage_of | jq '.written')" = 0 ] || { log "the proxy did not start with an empty ledger"; exit 1; }

log "sending exactly $REQUESTS requests over $CONNECTIONS connections"
load_start=$(now)
cpu_before=$(cpu_ticks)
r=$(COUNT=$REQUESTS BODY_FILE="$RUN/request-bench-fast.json" KEY=$KEY taskset -c $LOAD_CPU \
  wrk -t1 -c"$CONNECTIONS" -d600s --timeout 10s -s "$HERE/count.lua" "$BASE/v1/chat/completions" | grep '^RESULT')
load_end=$(now)
cpu_after=$(cpu_ticks)
posts=$(field "$r" posts) answered=$(field "$r" answered) ok=$(field "$r" ok)
rate=$(awk -v n="$answered" -v d="$(field "$r" duration_us)" 'BEGIN{printf "%.0f", n/(d/1e6)}')
cpu_us=$(awk -v c=$((cpu_after - cpu_before)) -v n="$answered" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", c/hz*1e6/n}')
log "wrk: $r"

# The writer takes a batch off the queue before writing it: wait for the queue to empty and every record to be counted
# somewhere (written, dropped or lost), or for DRAIN_SECONDS.
usage=$(usage_of)
for _ in $(seq $((DRAIN_SECONDS * 10))); do
  usage=$(usage_of)
  [ "$(jq '.queued' <<< "$usage")" = 0 ] && [ "$(jq '.written + .dropped + .lost' <<< "$usage")" -ge "$answered" ] && break
  sleep 0.1
done
drained=$(now)
written=$(jq '.written' <<< "$usage") queued=$(jq '.queued' <<< "$usage") dropped=$(jq '.dropped' <<< "$usage") lost=$(jq '.lost' <<< "$usage")

admin=$(curl -s -m 30 -H "Authorization: Bearer $LIMITS_MASTER_KEY" \
  "$BASE/admin/usage?from=2000-01-01T00:00:00Z&to=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%SZ)&group_by=key")
admin_requests=$(jq '[.data[].requests] | add // 0' <<< "$admin")
admin_cost=$(jq -r '[.data[].cost_usd] | add // 0' <<< "$admin")
rows=$(sqlite3 "$db" 'SELECT count(*) FROM usage')
# Evidence that the limiter ran: the answer carries the key's limits (after the counts, so it is not among them).
limit_header=$(curl -s -m 5 -o /dev/null -D - "$BASE/v1/chat/completions" -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
  --data-binary "@$RUN/request-bench-fast.json" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-ratelimit-limit-tokens" {print $2}')
kill "$TARGET_PID"; wait "$TARGET_PID" 2>/dev/null || true
# A clean stop writes what is queued; the probe above is the one row more.
rows_after_stop=$(sqlite3 "$db" 'SELECT count(*) FROM usage')

verdict=PASS
[ "$posts" = "$REQUESTS" ] && [ "$answered" = "$REQUESTS" ] && [ "$ok" = "$REQUESTS" ] \
  && [ "$admin_requests" = "$answered" ] && [ "$rows" = "$answered" ] && [ "$written" = "$answered" ] \
  && [ "$queued" = 0 ] && [ "$dropped" = 0 ] && [ "$lost" = 0 ] && [ "$rows_after_stop" = $((answered + 1)) ] \
  && [ "$limit_header" = 1000000000 ] || verdict=FAIL
line="$verdict: $answered of $posts requests answered ($ok with 200) in $(seconds "$load_start" "$load_end") s ($rate req/s, $cpu_us proxy CPU µs each); ledger drained $(seconds "$load_end" "$drained") s later; /admin/usage requests $admin_requests (cost_usd $admin_cost), /health written $written queued $queued dropped $dropped lost $lost, sqlite3 rows $rows ($rows_after_stop after a clean stop and one probe request); x-ratelimit-limit-tokens $limit_header"

stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$RESULTS_DIR"
out="$RESULTS_DIR/ledger-$stamp.md"
{
  echo "# Ledger check $stamp"
  echo
  echo "- commit $(git -C "$ROOT" rev-parse --short HEAD) (harness), measured $("$PROXY_BINARY" --version)"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), load average at the start: $load_average"
  echo "- proxy pinned to CPU $TARGET_CPU, wrk (count.lua, $CONNECTIONS connections) and the nginx upstream to CPU $LOAD_CPU"
  echo "- command: REQUESTS=$REQUESTS CONNECTIONS=$CONNECTIONS bench/load/ledger.sh (whole script: $(seconds "$script_start" "$(now)") s)"
  echo
  echo "$line"
} > "$out"
echo "$line"
log "written to $out"
[ "$verdict" = PASS ]
