-- wrk script: POSTs the file named by BENCH_BODY with BENCH_CONTENT_TYPE and prints one JSON line
-- of figures (latencies in microseconds) when done. With BENCH_DELAY_MS each connection waits a
-- random 0.5 to 1.5 times that long before each request (a paced load instead of closed-loop).
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "application/json"
local file = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.body = file:read("*all")
file:close()

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause then
  delay = function() return math.floor(pause * (0.5 + math.random())) end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,"errors":%d,"p50":%d,"p99":%d,"p999":%d,"mean":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.mean))
end
