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

# The AOT publish links SQLite statically from libsqlite3.a (Debian's libsqlite3-dev), which a fresh machine lacks.
ensure_sqlite() {
  dpkg -s libsqlite3-dev >/dev/null 2>&1 && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: the publish links SQLite from libsqlite3-dev: sudo apt-get install libsqlite3-dev" >&2
    exit 1
  fi
  echo "installing libsqlite3-dev (the SQLite linked into the binary)" >&2
  apt-get update -qq && apt-get install -y -qq libsqlite3-dev >/dev/null
}

publish() {
  ensure_sqlite
  dotnet publish src/Proxy/Proxy.csproj -c Release -r linux-x64 -o artifacts --nologo -v quiet
  echo "published artifacts/llm-proxy ($(du -h artifacts/llm-proxy | cut -f1))"
}

# The storage tests start a real PostgreSQL server (initdb + pg_ctl as user postgres); a fresh machine has postgresql-15,
# others may not.
ensure_postgres() {
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: the tests need PostgreSQL's server: sudo apt-get install postgresql" >&2
    exit 1
  fi
  echo "installing postgresql (the storage tests start a real server)" >&2
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
}

# The shared-limit tests start real redis-server processes; a fresh machine lacks it.
ensure_redis() {
  command -v redis-server >/dev/null && return
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: the tests need redis-server: sudo apt-get install redis-server" >&2
    exit 1
  fi
  echo "installing redis-server (the shared-limit tests start real servers)" >&2
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
}

run_tests() {
  publish
  ensure_postgres
  ensure_redis
  # A crash-safety test kills the sqlite3 shell mid-transaction as a second writer.
  command -v sqlite3 >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; } || { echo "build.sh: the tests need the sqlite3 shell: sudo apt-get install sqlite3" >&2; exit 1; }
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
