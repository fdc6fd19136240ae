-- wrk script: exactly COUNT POSTs of the body in BODY_FILE with the key in KEY, as fast as the connections go, then stop.
-- Run it with one thread (-t1): the counts are the thread's. wrk cannot leave a connection idle, so once COUNT POSTs
-- are sent, a connection still asking for work is given GET /health (which records no usage) until the last POST's
-- answer is in; then the thread stops, abandoning only those fillers. wrk's main thread sleeps out -d whatever its
-- threads do, so the script then sends wrk a SIGINT (through LuaJIT's ffi), which ends the sleep: wrk prints its
-- summary at once, and duration_us is the real time the COUNT requests took. Prints
--   RESULT posts N answered N ok N duration_us N p50_us N p99_us N errors N
-- posts: POSTs sent; answered: their answers (a POST whose connection broke has none); ok: answers with status 200.
-- errors are wrk's own (connect, read, write, timeout), fillers included. A run that loses a POST runs to wrk's -d.
local ffi = require("ffi")
ffi.cdef [[
  int getpid(void);
  int kill(int pid, int sig);
]]
local SIGINT = 2
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  count = tonumber(os.getenv("COUNT"))
  -- wrk 4 calls request() once more than it sends: after init, to check what the script returns
  -- (script_verify_request in wrk.c). That call is the -1; should it ever go, the ledger check sees one record too many.
  sent, answered, ok = -1, 0, 0
  local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  local body = file:read("*a")
  file:close()
  post = wrk.format("POST", nil, {
    ["Host"] = wrk.headers["Host"],
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("KEY"),
  }, body)
  filler = wrk.format("GET", "/health", { ["Host"] = wrk.headers["Host"] }, nil)
end

function request()
  if sent < count then
    sent = sent + 1
    return post
  end
  return filler
end

function response(status, headers, body)
  -- /health's answer opens with its status; a POST's never does (a completion, or an error envelope).
  if string.sub(body, 1, 10) == '{"status":' then
    return
  end
  answered = answered + 1
  if status == 200 then
    ok = ok + 1
  end
  if answered == count then
    wrk.thread:stop()
    ffi.C.kill(ffi.C.getpid(), SIGINT)
  end
end

function done(summary, latency, requests)
  local t = threads[1]
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT posts %d answered %d ok %d duration_us %d p50_us %d p99_us %d errors %d\n",
    t:get("sent"), t:get("answered"), t:get("ok"), summary.duration, latency:percentile(50), latency:percentile(99), errors))
end
