#!/usr/bin/env bash
# A/B of a feature by CPU per request, both sides at the same moment: the "off" and "on" proxies run at once on the
# target core, each fed the same fixed rate (load-tools rate, open loop) by its own generator on the load core, and
# each round compares their CPU time per answered request (/proc ticks). Whatever the VM does during a round, it does
# to both: same-config sides (FEATURE=none) agree within about 1 %, where the paired rounds of workloads 8 and 9
# (one side after the other, at full speed) swing by 5 % between equal configs. A diagnostic beside run.sh, not a
# row of its table: it says what a feature costs, and, with THREAD, how much of that a thread of the proxy's spends.
#
#   FEATURE=observability bench/load/simultaneous.sh   metrics + access log file (workload 9's "on") against neither
#   FEATURE=metrics | accesslog | accesslog-devnull | none ...    one part, the line without the file, or A/A
#   FEATURE=limits bench/load/simultaneous.sh          workload 8's limits + ledger against neither
#   FEATURE=ledger | limits-only ...                   workload 8's "on" with only the ledger (and prices), or only the limits
#   RATE=2500 DURATION=10 ROUNDS=5 THREAD=observer ...  per side rate, seconds and rounds; a thread's CPU per request
#   LLM_PROXY_BINARY=/path/llm-proxy ...               that binary instead of publishing this tree's
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TARGETS=llm-proxy
# shellcheck source=run.sh
source "$HERE/run.sh"
FEATURE=${FEATURE:-observability} RATE=${RATE:-2500} ROUNDS=${ROUNDS:-5} THREAD=${THREAD:-observer}
case $FEATURE in
  observability|metrics|accesslog|accesslog-devnull|limits|ledger|limits-only|none) ;;
  *) echo "simultaneous.sh: unknown FEATURE '$FEATURE'" >&2; exit 2 ;;
esac

# feature_config on|off DATABASE: the "on" side has FEATURE; "off" has metrics off and nothing else either.
feature_config() {
  [ "$FEATURE" != limits ] || { limits_config "$@"; return; }
  if [ "$FEATURE" = ledger ] || [ "$FEATURE" = limits-only ]; then
    # limits_config's "on" split in two: the ledger (with prices) and no limits, or the limits and no ledger.
    limits_config "$@" | if [ "$1" != on ]; then cat
      elif [ "$FEATURE" = ledger ]; then sed 's/, "rpm": [^}]*}/ }/'
      else sed 's/"ledger": true/"ledger": false/'; fi
    return
  fi
  # Workload 9's two configs (observability_config), with one of its two features taken out for a part alone.
  [ "$1" = on ] || { observability_config off "$2"; return; }
  case $FEATURE in
    observability) observability_config on "$2" ;;
    metrics) observability_config on "$2" | grep -v '"accessLog"' ;;
    accesslog) observability_config on "$2" | sed 's/"metrics": true/"metrics": false/' ;;
    # No rotation size a run could reach (the proxy never renames a device anyway).
    accesslog-devnull) observability_config on "$2" | sed 's/"metrics": true/"metrics": false/;
      s|"accessLog": { "path": "[^"]*" }|"accessLog": { "path": "/dev/null", "maxFileBytes": 9223372036854775807 }|' ;;
    none) observability_config off "$2" ;;
  esac
}

side_url() { echo "http://127.0.0.1:${PORT[$1]}/v1/chat/completions"; }
# A over B to three decimals, "-" when either is missing or zero; the median of such figures, to three decimals.
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a+0 == 0 || b+0 == 0) print "-"; else printf "%.3f", a/b }'; }
median3() { tr ' ' '\n' | grep -v '^-*$' | sort -g | awk '{v[NR]=$1} END{ if (NR == 0) print "-"; else if (NR % 2) printf "%.3f", v[(NR+1)/2]; else printf "%.3f", (v[NR/2]+v[NR/2+1])/2 }'; }
per_request_us() { awk -v ns="$1" -v n="$2" 'BEGIN{ if (n+0 == 0) print "-"; else printf "%.2f", ns/1000/n }'; }

# process_ns PID: the CPU nanoseconds so far of all PID's threads (schedstat: finer than /proc/PID/stat's ticks).
process_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END{printf "%.0f", s}'; }

# thread_ns PID NAME: the CPU nanoseconds so far of PID's thread called NAME (0 when it has none).
thread_ns() {
  local t
  for t in /proc/"$1"/task/*; do [ "$(cat "$t/comm")" = "$2" ] && { cut -d' ' -f1 "$t/schedstat"; return; }; done
  echo 0
}

simultaneous() {
  install_tools
  write_bodies
  start_upstreams
  PORT=([off]=$PROXY_PORT [on]=$LIMITS_PORT) PID=()
  local side round ratios=""
  for side in off on; do start_side simultaneous feature_config "$side" "${PORT[$side]}"; PID[$side]=$SIDE_PID; done
  for side in off on; do taskset -c $LOAD_CPU "$PEERS/tools/load-tools" rate "$(side_url $side)" 1000 2 "$RUN/request-bench-fast.json" "$KEY" >/dev/null; done
  log "FEATURE=$FEATURE: $ROUNDS rounds of ${DURATION}s at $RATE req/s to each side at once"
  for round in $(seq "$ROUNDS"); do
    local -A ns=() ok=() us=() out=()
    local thread_before thread_after loads=()
    for side in off on; do ns[$side]=$(process_ns "${PID[$side]}"); out[$side]=$(mktemp -p "$RUN"); done
    thread_before=$(thread_ns "${PID[on]}" "$THREAD")
    for side in off on; do
      taskset -c $LOAD_CPU "$PEERS/tools/load-tools" rate "$(side_url $side)" "$RATE" "$DURATION" "$RUN/request-bench-fast.json" "$KEY" > "${out[$side]}" &
      loads+=($!); PIDS+=($!)
    done
    wait "${loads[@]}"
    sleep 0.5 # the last gathering's work (observer 20 ms, ledger 100 ms) belongs to this round
    thread_after=$(thread_ns "${PID[on]}" "$THREAD")
    for side in off on; do
      ns[$side]=$(( $(process_ns "${PID[$side]}") - ns[$side] ))
      ok[$side]=$(field "$(grep '^RESULT' "${out[$side]}" || true)" ok); rm -f "${out[$side]}"
      us[$side]=$(per_request_us "${ns[$side]}" "${ok[$side]}")
    done
    local ratio; ratio=$(ratio3 "${us[off]}" "${us[on]}")
    ratios="$ratios $ratio"
    log "round $round: off ${us[off]} CPU µs per request (${ok[off]} ok), on ${us[on]} (${ok[on]} ok): off/on $ratio;" \
      "on's '$THREAD' thread $(per_request_us $((thread_after - thread_before)) "${ok[on]}") µs per request"
  done
  for side in off on; do kill "${PID[$side]}" 2>/dev/null || true; wait "${PID[$side]}" 2>/dev/null || true; done
  echo "FEATURE=$FEATURE RATE=$RATE DURATION=$DURATION: off/on CPU per request, rounds$ratios: median $(median3 <<< "$ratios")"
}
simultaneous
