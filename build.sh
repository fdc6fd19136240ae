#!/usr/bin/env bash
# llm-proxy build script.
#   ./build.sh run [ARGS]   publish the Native AOT binary and start it (default config: config/proxy.json)
#   ./build.sh test         publish, then run every test; the last line is "N passed, N failed"
#   ./build.sh publish      publish artifacts/llm-proxy only
#   ./build.sh bench        micro-benchmarks (fails over an allocation budget), then the load harness
#   ./build.sh fuzz [N]     fuzz every parser of outside bytes with N random inputs each (default 1000000)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# ensure PACKAGE WHY PRESENT...: installs the Debian package PACKAGE (as root) unless one of the PRESENT paths or
# commands exists: what the publish links and the tests start for real, which a fresh machine lacks.
ensure() {
  local package=$1 why=$2 present
  shift 2
  for present in "$@"; do
    { [ -e "$present" ] || command -v "$present" >/dev/null; } && return
  done
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: $package is needed ($why): sudo apt-get install $package" >&2
    exit 1
  fi
  echo "installing $package ($why)" >&2
  apt-get update -qq && apt-get install -y -qq "$package" >/dev/null
}

publish() {
  # The AOT publish links SQLite statically from libsqlite3.a.
  ensure libsqlite3-dev "the SQLite linked into the binary" /usr/lib/x86_64-linux-gnu/libsqlite3.a
  dotnet publish src/Proxy/Proxy.csproj -c Release -r linux-x64 -o artifacts --nologo -v quiet
  echo "published artifacts/llm-proxy ($(du -h artifacts/llm-proxy | cut -f1))"
}

run_tests() {
  publish
  ensure postgresql "the storage tests start a real server with initdb and pg_ctl" $(compgen -G "/usr/lib/postgresql/*/bin/initdb" || true)
  ensure redis-server "the shared-limit tests start real servers" redis-server
  ensure nginx "the scale-out tests balance three instances with it" /usr/sbin/nginx nginx
  ensure sqlite3 "a crash-safety test kills the sqlite3 shell mid-transaction as a second writer" sqlite3
  export LLM_PROXY_BINARY="$PWD/artifacts/llm-proxy"
  local log rc=0
  log=$(mktemp)
  dotnet build Proxy.sln -c Release --nologo -v quiet
  dotnet test Proxy.sln -c Release --no-build --nologo 2>&1 | tee "$log" || rc=$?
  # dotnet test prints one "Passed!/Failed!" line per test project; CI reads one total.
  awk '/^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+/ { gsub(",",""); f+=$4; p+=$6 } END { printf "%d passed, %d failed\n", p, f }' "$log"
  rm -f "$log"
  return $rc
}

run_fuzz() {
  local inputs="${1:-1000000}" report="$PWD/artifacts/fuzz/report.md"
  mkdir -p artifacts/fuzz
  printf '| target | parsers | inputs | accepted | time | inputs/s |\n|---|---|---|---|---|---|\n' > "$report"
  dotnet build tests/Proxy.Fuzz -c Release --nologo -v quiet
  LLM_PROXY_FUZZ_INPUTS="$inputs" LLM_PROXY_FUZZ_REPORT="$report" \
    dotnet test tests/Proxy.Fuzz -c Release --no-build --nologo --filter "FullyQualifiedName~Parser_MutatedInputs"
  cat "$report"
}

verb="${1:-}"
[ $# -gt 0 ] && shift
case "$verb" in
  run) publish; exec artifacts/llm-proxy "$@" ;;
  test) run_tests ;;
  publish) publish ;;
  fuzz) run_fuzz "$@" ;;
  bench)
    dotnet run -c Release --project bench/Proxy.Benchmarks -- --filter '*'
    bench/load/run.sh ;;
  *) echo "usage: ./build.sh run|test|publish|bench|fuzz" >&2; exit 2 ;;
esac
