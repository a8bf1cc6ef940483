-- wrk script of bench/bench_http.py: casts each vote of a file once, over
-- keep-alive connections, through wsis-gateway's
-- POST /api/v1/calls/{call}/votes, and prints one JSON line of what it
-- measured.
--
--   wrk -t 1 -c 64 -d 300 --latency -s bench/http/votes.lua \
--       http://127.0.0.1:8080/api/v1/calls/prizes-2022/votes -- votes.txt
--
-- votes.txt holds one vote a line, "<session token> <category>
-- <submission_id>", each (token, category) pair once: the bench signed
-- every voter in through the gateway and wrote the tokens. Thread i of
-- N takes lines i+1, i+1+N, ...; each request is built once at start, so
-- the measured loop only hands them out.
--
-- A vote is acked when the answer is 200 with a receipt; any other answer
-- is an error (the first one's status and body are kept). Once a thread
-- has had an answer to each of its votes it stops, and with one thread
-- (how the bench runs it) it ends the run at once (SIGINT to wrk, which
-- ends its sleep of -d): so -d is only the bound of a run that hangs, and
-- a vote never answered by then shows up as unanswered. The rate is taken
-- over this script's own clock, from the first request handed out to the
-- last answer.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } wsis_bench_timespec;
int clock_gettime (int clock, wsis_bench_timespec *now);
int getpid (void);
int kill (int pid, int sig);
]]

local CLOCK_MONOTONIC, SIGINT = 1, 2
local clock = ffi.new ("wsis_bench_timespec")

local function now ()
   ffi.C.clock_gettime (CLOCK_MONOTONIC, clock)
   return tonumber (clock.tv_sec) + tonumber (clock.tv_nsec) / 1e9
end

-- In the main Lua state: every thread, for done ()
local threads = {}

function setup (thread)
   thread:set ("index", #threads)
   table.insert (threads, thread)
end

-- In each thread's own Lua state. Globals, so that done () reads them
-- with thread:get.
requests, sent, answered, acked, errors = {}, 0, 0, 0, 0
first_error, started, finished = "", 0, 0

-- wrk asks thread 0 for one request before the run, only to check that
-- it is one (it is never sent): that one must not use a vote up.
local checking = false

function init (args)
   local path, count = args [1], tonumber (args [2] or "1")
   local path_url = wrk.path
   local n = 0
   for line in io.lines (path) do
      if n % count == index then
         local token, category, submission = line:match ("^(%S+) (%S+) (%S+)$")
         table.insert (requests, wrk.format ("POST", path_url, {
            ["Authorization"] = "Bearer " .. token,
            ["Content-Type"] = "application/json",
         }, '{"category":"' .. category .. '","submission_id":"' .. submission .. '"}'))
      end
      n = n + 1
   end
   checking = index == 0
   solo = count == 1
end

function request ()
   if checking then
      checking = false
      return requests [1]
   end
   if sent == #requests then
      return ""                 -- this connection is done: it sends nothing more
   end
   if sent == 0 then
      started = now ()
   end
   sent = sent + 1
   return requests [sent]
end

function response (status, headers, body)
   answered = answered + 1
   if status == 200 and body:find ('"receipt"', 1, true) then
      acked = acked + 1
   else
      errors = errors + 1
      if first_error == "" then
         first_error = status .. " " .. body
      end
   end
   if answered == #requests then
      finished = now ()
      wrk.thread:stop ()
      if solo then
         ffi.C.kill (ffi.C.getpid (), SIGINT)
      end
   end
end

local function json_string (text)
   return '"' .. text:gsub ('[%c"\\]', function (c)
      return string.format ("\\u%04x", c:byte ())
   end) .. '"'
end

function done (summary, latency, requests_stats)
   local votes, a, e, first, t0, t1 = 0, 0, 0, "", math.huge, 0
   for _, thread in ipairs (threads) do
      votes = votes + thread:get ("sent")
      a = a + thread:get ("acked")
      e = e + thread:get ("errors")
      if first == "" then
         first = thread:get ("first_error")
      end
      local s, f = thread:get ("started"), thread:get ("finished")
      if s > 0 and s < t0 then t0 = s end
      if f > t1 then t1 = f end
   end
   local answered_all = 0
   for _, thread in ipairs (threads) do
      answered_all = answered_all + thread:get ("answered")
   end
   local elapsed = (t1 > 0 and t0 < math.huge) and t1 - t0 or summary.duration / 1e6
   local errs = summary.errors
   io.write (string.format (
      'wsis-bench-http {"sent":%d,"answered":%d,"acked":%d,"errors":%d,"first_error":%s,' ..
      '"elapsed_s":%.6f,"acked_per_s":%.1f,"wrk_requests":%d,"wrk_duration_s":%.6f,' ..
      '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,' ..
      '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d}}\n',
      votes, answered_all, a, e, json_string (first:sub (1, 300)),
      elapsed, a / elapsed, summary.requests, summary.duration / 1e6,
      latency:percentile (50) / 1e3, latency:percentile (90) / 1e3, latency:percentile (99) / 1e3,
      latency:percentile (99.9) / 1e3, latency.max / 1e3, latency.mean / 1e3,
      errs.connect, errs.read, errs.write, errs.timeout, errs.status))
end
