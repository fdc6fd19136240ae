-- wrk script: POST the body in BODY_FILE with the key in KEY and extra headers in EXTRA_HEADERS ("Name: value|Name: value").
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("KEY")
for header in string.gmatch(os.getenv("EXTRA_HEADERS") or "", "[^|]+") do
  local name, value = string.match(header, "^%s*([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests %d duration_us %d p50_us %d p99_us %d bytes %d errors %d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.bytes, errors))
end
