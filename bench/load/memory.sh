#!/usr/bin/env bash
# Memory under large bodies (issue 12): eight concurrent 32 MiB requests on the pass-through path (an OpenAI client to
# an OpenAI-format upstream) and on a translated path (an Anthropic client to the same upstream), each body one
# base64 image. Reports the proxy's idle RSS, its peak RSS during each burst (VmHWM), and its RSS 60 s after the last.
#
#   bench/load/memory.sh                          (LLM_PROXY_BINARY=... to measure another build; CONCURRENCY, SIZE_MIB)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export TARGETS=llm-proxy
# shellcheck source=run.sh
source "$HERE/run.sh"
CONCURRENCY=${CONCURRENCY:-8}
SIZE_MIB=${SIZE_MIB:-32}
SETTLE_SECONDS=${SETTLE_SECONDS:-60}

write_large_bodies() {
  # Base64 of random bytes, as a photo would make it: the body just under SIZE_MIB, the proxy's default limit.
  head -c $(((SIZE_MIB * 1024 * 1024 - 1024) / 4 * 3)) /dev/urandom | base64 -w0 > "$RUN/image.b64"
  { printf '{"model":"bench-fast","messages":[{"role":"user","content":[{"type":"text","text":"Describe it."},{"type":"image_url","image_url":{"url":"data:image/png;base64,'
    cat "$RUN/image.b64"; printf '"}}]}]}'; } > "$RUN/large-openai.json"
  { printf '{"model":"bench-fast","max_tokens":64,"messages":[{"role":"user","content":[{"type":"text","text":"Describe it."},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"'
    cat "$RUN/image.b64"; printf '"}}]}]}'; } > "$RUN/large-anthropic.json"
}

# burst PATH BODY: CONCURRENCY posts at once; prints how many answered 200.
burst() {
  local pids=() ok=0
  for i in $(seq "$CONCURRENCY"); do
    curl -s -o /dev/null -w '%{http_code}\n' -m 120 "http://127.0.0.1:$PROXY_PORT$1" -H "Authorization: Bearer $KEY" \
      -H "anthropic-version: 2023-06-01" -H "Content-Type: application/json" --data-binary "@$2" > "$RUN/burst.$i" & pids+=($!)
  done
  wait "${pids[@]}"
  for i in $(seq "$CONCURRENCY"); do [ "$(cat "$RUN/burst.$i")" = 200 ] && ok=$((ok + 1)); done
  echo "$ok"
}

mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }

install_tools
write_bodies
write_large_bodies
start_upstreams
start_target llm-proxy
idle=$(rss_kib)
declare -A PEAK OK
for workload in pass-through:/v1/chat/completions:large-openai.json translated:/v1/messages:large-anthropic.json; do
  IFS=: read -r name path body <<< "$workload"
  reset_peak_rss
  OK[$name]=$(burst "$path" "$RUN/$body")
  PEAK[$name]=$(peak_rss_kib)
done
sleep "$SETTLE_SECONDS"
after=$(rss_kib)
stop_target llm-proxy
{
  echo "| figure | value |"
  echo "|---|---|"
  echo "| idle RSS MiB | $(mib "$idle") |"
  for name in pass-through translated; do
    echo "| $name: $CONCURRENCY x $SIZE_MIB MiB at once, answered 200 | ${OK[$name]}/$CONCURRENCY |"
    echo "| $name: peak RSS MiB | $(mib "${PEAK[$name]}") |"
  done
  echo "| RSS ${SETTLE_SECONDS} s after the last burst MiB | $(mib "$after") |"
  echo
  echo "measured $("$PROXY_BINARY" --version), $(date -u +%Y-%m-%dT%H:%MZ), command: CONCURRENCY=$CONCURRENCY SIZE_MIB=$SIZE_MIB bench/load/memory.sh"
}
