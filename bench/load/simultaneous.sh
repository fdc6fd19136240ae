#!/usr/bin/env bash
# A/B of a feature by CPU per request, both sides at the same moment (run.sh's together_round, which workloads 8 and 9
# use too): the "off" and "on" proxies run at once on the target core, each fed by its own generator on the load core,
# at a fixed rate (load-tools rate, open loop) or at full speed (RATE=full: wrk, 64 connections each), and each round
# compares their CPU time per answered request (schedstat). Whatever the VM does during a round, it does to both:
# same-config sides (FEATURE=none) agree within about 1 %. A diagnostic beside run.sh: it says what one feature or
# part costs, and, with THREAD, how much of that a thread of the proxy's spends.
#
#   FEATURE=observability bench/load/simultaneous.sh   metrics + access log file (workload 9's "on") against neither
#   FEATURE=metrics | accesslog | accesslog-devnull | none ...    one part, the line without the file, or A/A
#   FEATURE=limits bench/load/simultaneous.sh          workload 8's limits + ledger against neither
#   FEATURE=ledger | limits-only ...                   workload 8's "on" with only the ledger (and prices), or only the limits
#   RATE=2500 DURATION=10 ROUNDS=5 THREAD=observer ...  per side rate (or "full": wrk at 64 connections each), seconds
#                                                       and rounds; a thread's CPU per request
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
  local side round ratios="" rates=""
  for side in off on; do start_side simultaneous feature_config "$side" "${PORT[$side]}"; PID[$side]=$SIDE_PID; done
  for side in off on; do taskset -c $LOAD_CPU "$PEERS/tools/load-tools" rate "http://127.0.0.1:${PORT[$side]}/v1/chat/completions" 1000 2 "$RUN/request-bench-fast.json" "$KEY" >/dev/null; done
  log "FEATURE=$FEATURE: $ROUNDS rounds of ${DURATION}s at $RATE to each side at once"
  for round in $(seq "$ROUNDS"); do
    local thread_before thread_after
    thread_before=$(thread_ns "${PID[on]}" "$THREAD")
    together_round "$RATE"
    thread_after=$(thread_ns "${PID[on]}" "$THREAD")
    local ratio; ratio=$(ratio3 "${R_US[off]}" "${R_US[on]}")
    ratios="$ratios $ratio" rates="$rates $(ratio3 "${R_RATE[on]}" "${R_RATE[off]}")"
    log "round $round: off ${R_US[off]} CPU µs per request (${R_OK[off]} ok, ${R_RATE[off]}/s), on ${R_US[on]} (${R_OK[on]} ok, ${R_RATE[on]}/s): off/on $ratio;" \
      "on's '$THREAD' thread $(per_request_us $((thread_after - thread_before)) "${R_OK[on]}") µs per request"
  done
  for side in off on; do kill "${PID[$side]}" 2>/dev/null || true; wait "${PID[$side]}" 2>/dev/null || true; done
  echo "FEATURE=$FEATURE RATE=$RATE DURATION=$DURATION: off/on CPU per request, rounds$ratios: median $(median3 <<< "$ratios"); on/off rate, rounds$rates: median $(median3 <<< "$rates")"
}
simultaneous
