#!/usr/bin/env bash
# A/B of two llm-proxy binaries in one sitting. Both run at once, pinned to the same core as in run.sh, and the
# load alternates between them workload by workload (A B, then B A in the next round), so both see the same
# machine weather: on this kind of shared VM, separate runs minutes apart differ by more than most changes do.
# Workloads are run.sh's llm-proxy ones: non-stream at 64 and 1 connections, the fast stream, and the Anthropic
# client through translation, non-stream and stream. Prints each figure's median, range and the change of the
# medians, then every sample, and writes it all to bench/results/ab-<UTC>.md.
#
#   bench/load/ab.sh A_BINARY B_BINARY [ROUNDS]     default 5 rounds of DURATION (10) seconds per workload and side
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/load/ab.sh A_BINARY B_BINARY [ROUNDS]" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
# run.sh's functions, measuring the given binaries instead of publishing this tree's, with no peers to install.
LLM_PROXY_BINARY=$(realpath "$2") TARGETS=llm-proxy
export LLM_PROXY_BINARY TARGETS
# shellcheck source=run.sh
source "$HERE/run.sh"
declare -A BIN=([A]=$(realpath "$1") [B]=$(realpath "$2")) PORT=([A]=18110 [B]=18111) PID=()
ROUNDS=${3:-5}
STARTUP_PORT=18112
TSV=$(mktemp)
trap 'cleanup; rm -f "$TSV"' EXIT

start_side() {
  taskset -c $TARGET_CPU "${BIN[$1]}" --config "$RUN/ab.json" --urls "http://127.0.0.1:${PORT[$1]}" > "$RUN/ab-$1.log" 2>&1 &
  PID[$1]=$!; PIDS+=($!)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:${PORT[$1]}/health" && return 0; sleep 0.1; done
  log "$1 did not start"; return 1
}

record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$TSV"; }

# measure SIDE WORKLOAD: one wrk run against that side, its figures and the side's CPU time per request.
measure() {
  local side=$1 w=$2 url body conns=64 label unit=request
  PROXY_PORT=${PORT[$side]} TARGET_PID=${PID[$side]}
  case $w in
    nonstream) url=$(url_for llm-proxy fast) body=$(body_for llm-proxy fast) label="1. non-stream, 64 conn" ;;
    oneconn) url=$(url_for llm-proxy fast) body=$(body_for llm-proxy fast) conns=1 label="2. non-stream, 1 conn" ;;
    stream) url=$(url_for llm-proxy stream) body=$(body_for llm-proxy stream) label="3. fast stream, 64 conn" unit=stream ;;
    anthropic) url="http://127.0.0.1:$PROXY_PORT/v1/messages" body="$RUN/anthropic-bench-fast.json" label="5. Anthropic client, non-stream" ;;
    anthropic-stream) url="http://127.0.0.1:$PROXY_PORT/v1/messages" body="$RUN/anthropic-bench-stream.json" label="5. Anthropic client, fast stream" unit=stream ;;
  esac
  local before after r n d
  before=$(cpu_ticks)
  r=$(BODY_FILE=$body KEY=$KEY taskset -c $LOAD_CPU wrk -t1 -c$conns -d"$DURATION"s --timeout 10s -s "$HERE/post.lua" "$url" | grep '^RESULT' || true)
  after=$(cpu_ticks)
  if [ -z "$r" ]; then record "$side" "$label: errors" 1; log "$side $w: wrk gave no result"; return 0; fi
  n=$(field "$r" requests) d=$(field "$r" duration_us)
  record "$side" "$label: ${unit}s/s" "$(awk -v n="$n" -v d="$d" 'BEGIN{printf "%.0f", n/(d/1e6)}')"
  record "$side" "$label: CPU µs per $unit" "$(awk -v c=$((after - before)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.1f", c/hz*1e6/n}')"
  record "$side" "$label: p50 µs" "$(field "$r" p50_us)"
  record "$side" "$label: p99 µs" "$(field "$r" p99_us)"
  record "$side" "$label: errors" "$(field "$r" errors)"
}

install_tools
write_bodies
start_upstreams
proxy_config > "$RUN/ab.json"
for side in A B; do start_side $side; done
for side in A B; do TARGET_PID=${PID[$side]}; record $side "6. idle RSS MB" "$(awk -v k="$(rss_kib)" 'BEGIN{printf "%.1f", k/1024}')"; done
for side in A B; do PROXY_PORT=${PORT[$side]}; wrk_run llm-proxy fast 16 2 >/dev/null; done  # first connections, pools
for round in $(seq "$ROUNDS"); do
  order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"
  log "round $round/$ROUNDS ($order)"
  for w in nonstream oneconn stream anthropic anthropic-stream; do
    for side in $order; do measure "$side" "$w"; done
  done
done
for _ in 1 2 3 4 5; do
  for side in A B; do
    record $side "6. exec to first 200 ms" "$(taskset -c $TARGET_CPU "$PEERS/tools/load-tools" startup "${BIN[$side]}" "$ROOT/config/proxy.json" $STARTUP_PORT | awk '/RESULT/ {print $3}')"
  done
done

stamp=$(date -u +%Y-%m-%dT%H%MZ)
out="$RESULTS_DIR/ab-$stamp.md"
mkdir -p "$RESULTS_DIR"
{
  echo "# A/B run $stamp"
  echo
  echo "- A: $("${BIN[A]}" --version) (${BIN[A]})"
  echo "- B: $("${BIN[B]}" --version) (${BIN[B]})"
  echo "- both running, pinned to CPU $TARGET_CPU, wrk and fake upstreams on CPU $LOAD_CPU; $ROUNDS rounds of ${DURATION}s per workload and side, alternating"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
  echo "- command: DURATION=$DURATION bench/load/ab.sh A B $ROUNDS"
  echo
  echo "- rates: higher is better; µs, ms and MB: lower is better. A workload's errors row is the sum over its rounds,"
  echo "  and a rate measured with errors counts failed answers too (wrk counts every answer), so it is not comparable."
  echo
  echo "| figure | A median | A min-max | B median | B min-max | B vs A (medians) |"
  echo "|---|---|---|---|---|---|"
  # Medians, not means: one round caught by a noisy neighbour should not move the verdict.
  awk -F'\t' '
    function median(side, f,    m, i, j, t, v) {
      m = cnt[side, f]; for (i = 1; i <= m; i++) v[i] = val[side, f, i]
      for (i = 2; i <= m; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
      lo[side, f] = v[1]; hi[side, f] = v[m]
      return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    }
    !($2 in seen) { seen[$2] = 1; order[++n] = $2 }
    { val[$1, $2, ++cnt[$1, $2]] = $3 + 0; raw[$1, $2] = raw[$1, $2] " " $3 }
    END {
      for (i = 1; i <= n; i++) {
        f = order[i]
        if (f ~ /errors$/) {
          ea = 0; eb = 0
          for (j = 1; j <= cnt["A", f]; j++) ea += val["A", f, j]
          for (j = 1; j <= cnt["B", f]; j++) eb += val["B", f, j]
          printf "| %s (sum) | %d | - | %d | - | %s |\n", f, ea, eb, (ea + eb ? "NOT COMPARABLE" : "-")
          continue
        }
        ma = median("A", f); mb = median("B", f)
        printf "| %s | %g | %g-%g | %g | %g-%g | %s |\n", f, ma, lo["A", f], hi["A", f], mb, lo["B", f], hi["B", f], (ma == 0 ? "-" : sprintf("%+.1f %%", (mb - ma) / ma * 100))
      }
      print ""; print "Samples in order (A | B):"; print ""
      for (i = 1; i <= n; i++) printf "- %s:%s |%s\n", order[i], raw["A", order[i]], raw["B", order[i]]
    }' "$TSV"
} | tee "$out"
log "written to $out"
