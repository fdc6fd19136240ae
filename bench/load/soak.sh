#!/usr/bin/env bash
# Soak (issue 12; not in CI): llm-proxy under a fixed, mixed load for an hour, its RSS sampled every 10 s. The load
# is open loop (a fixed number of requests a second, whatever the answers take), from both dialects, on the
# pass-through and the translated paths, streaming and not, with a trickle of bad requests. Reports the RSS after
# warm-up, at the start and the end of the run, its least-squares growth, and what every workload got.
#
#   bench/load/soak.sh                         (SOAK_SECONDS=3600; LLM_PROXY_BINARY=... to measure another build)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# Read before run.sh, whose own (shorter) soak default would otherwise win.
SOAK_SECONDS=${SOAK_SECONDS:-3600}
export TARGETS=llm-proxy
# shellcheck source=run.sh
source "$HERE/run.sh"
WARMUP_SECONDS=$((SOAK_SECONDS / 12))

# name per-second path body [header]
WORKLOADS=(
  "openai-json 150 /v1/chat/completions request-bench-fast.json"
  "openai-stream 20 /v1/chat/completions request-bench-stream.json"
  "openai-paced-stream 30 /v1/chat/completions request-bench-paced.json"
  "anthropic-json 50 /v1/messages anthropic-bench-fast.json anthropic-version:2023-06-01"
  "anthropic-paced-stream 10 /v1/messages anthropic-bench-paced.json anthropic-version:2023-06-01"
  "bad-json 5 /v1/chat/completions bad.json"
)

install_tools
write_bodies
printf '{"model":"bench-paced","max_tokens":256,"messages":[{"role":"user","content":"Write a haiku."}],"stream":true}' > "$RUN/anthropic-bench-paced.json"
printf '{"model":"bench-fast","messages":[{"role":"user","content":"unterminated' > "$RUN/bad.json"
start_upstreams
start_target llm-proxy
idle=$(rss_kib)
log "== soak for ${SOAK_SECONDS}s: $(for w in "${WORKLOADS[@]}"; do set -- $w; printf '%s %s/s, ' "$1" "$2"; done)"
pids=()
for workload in "${WORKLOADS[@]}"; do
  set -- $workload
  taskset -c $LOAD_CPU "$PEERS/tools/load-tools" rate "http://127.0.0.1:$PROXY_PORT$3" "$2" "$SOAK_SECONDS" "$RUN/$4" "$KEY" ${5:+"$5"} \
    > "$RUN/soak-$1.out" 2>&1 & pids+=($!)
done
samples="$RUN/soak-rss.tsv"; : > "$samples"
begin=$(date +%s)
while kill -0 "${pids[0]}" 2>/dev/null; do echo "$(( $(date +%s) - begin )) $(rss_kib)" >> "$samples"; sleep 10; done
wait "${pids[@]}"
sleep 60
after=$(rss_kib)
stop_target llm-proxy

mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
window() { awk -v from="$1" -v to="$2" '$1>=from && $1<to {s+=$2; n++} END{ if (n) printf "%.1f", s/n/1024; else print "-"}' "$samples"; }
ten=$((SOAK_SECONDS / 6))
{
  echo "| figure | value |"
  echo "|---|---|"
  echo "| idle RSS MiB | $(mib "$idle") |"
  echo "| RSS after warm-up (${WARMUP_SECONDS} s) MiB | $(window "$WARMUP_SECONDS" "$((WARMUP_SECONDS + 60))") |"
  echo "| RSS, mean of the first sixth after warm-up MiB | $(window "$WARMUP_SECONDS" "$((WARMUP_SECONDS + ten))") |"
  echo "| RSS, mean of the last sixth MiB | $(window "$((SOAK_SECONDS - ten))" "$((SOAK_SECONDS + 1))") |"
  echo "| RSS max MiB | $(awk '{ if ($2>m) m=$2 } END{printf "%.1f", m/1024}' "$samples") |"
  echo "| RSS growth after warm-up, least squares, MiB/hour | $(awk -v from="$WARMUP_SECONDS" '$1>=from {n++; sx+=$1; sy+=$2; sxx+=$1*$1; sxy+=$1*$2} END{ if (n<2) print "-"; else printf "%.2f", (n*sxy-sx*sy)/(n*sxx-sx*sx)*3600/1024 }' "$samples") |"
  echo "| RSS 60 s after the load MiB | $(mib "$after") |"
  for workload in "${WORKLOADS[@]}"; do
    set -- $workload
    echo "| $1 ($2/s) | $(sed -n 's/^RESULT //p' "$RUN/soak-$1.out") |"
  done
  echo
  echo "measured $("$PROXY_BINARY" --version), $(date -u +%Y-%m-%dT%H:%MZ), ${SOAK_SECONDS} s, RSS every 10 s ($RUN/soak-rss.tsv), command: SOAK_SECONDS=$SOAK_SECONDS bench/load/soak.sh"
} | tee "$RESULTS_DIR/soak-$(date -u +%Y%m%d).md"
