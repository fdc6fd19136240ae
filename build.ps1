# llm-proxy build script for PowerShell: the same verbs as build.sh.
#   ./build.ps1 run [ARGS] | test | publish | bench
param([Parameter(Position = 0)][string]$Verb = "", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @())
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$env:DOTNET_CLI_TELEMETRY_OPTOUT = "1"; $env:DOTNET_NOLOGO = "1"
$rid = if ($IsWindows) { "win-x64" } elseif ($IsMacOS) { "osx-arm64" } else { "linux-x64" }
$binary = if ($IsWindows) { "artifacts/llm-proxy.exe" } else { "artifacts/llm-proxy" }

function Publish {
    dotnet publish src/Proxy/Proxy.csproj -c Release -r $rid -o artifacts --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Verb) {
    "publish" { Publish }
    "run" { Publish; & $binary @Rest; exit $LASTEXITCODE }
    "test" {
        Publish
        $env:LLM_PROXY_BINARY = (Resolve-Path $binary).Path
        dotnet build Proxy.sln -c Release --nologo -v quiet
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        $output = dotnet test Proxy.sln -c Release --no-build --nologo 2>&1 | Tee-Object -Variable lines
        $rc = $LASTEXITCODE
        $passed = 0; $failed = 0
        foreach ($line in $lines) {
            if ("$line" -match '^(Passed|Failed)! +- Failed: +(\d+), Passed: +(\d+)') { $failed += [int]$Matches[2]; $passed += [int]$Matches[3] }
        }
        Write-Output "$passed passed, $failed failed"
        exit $rc
    }
    "bench" {
        dotnet run -c Release --project bench/Proxy.Benchmarks -- --filter '*'
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        bash bench/load/run.sh   # the load harness drives wrk, nginx and taskset: Linux only
        exit $LASTEXITCODE
    }
    default { Write-Error "usage: ./build.ps1 run|test|publish|bench"; exit 2 }
}
