-- wrk script for bench/admission.sh: POST /validate with real
-- AdmissionReview v1 bodies, privileged and compliant pods alternating,
-- each connection pausing between requests so that the whole run offers
-- the target rate (RAMPART_BENCH_DELAY_MS, set by the script).

local function read(path)
  local f = assert(io.open(path, "rb"))
  local body = f:read("*a")
  f:close()
  return body
end

local dir = os.getenv("RAMPART_BENCH_FIXTURES")
local bodies = {
  read(dir .. "/privileged-pod.json"),
  read(dir .. "/compliant-pod.json"),
}
local headers = { ["Content-Type"] = "application/json" }
local pause = tonumber(os.getenv("RAMPART_BENCH_DELAY_MS"))
local n = 0

request = function()
  n = n + 1
  return wrk.format("POST", "/validate", headers, bodies[n % 2 + 1])
end

delay = function()
  return pause
end

done = function(summary, latency, _)
  local seconds = summary.duration / 1e6
  io.write(string.format("requests: %d in %.1f s (%.0f/s), errors: %d\n",
    summary.requests, seconds, summary.requests / seconds,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%g: %.3f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max: %.3f ms\n", latency.max / 1000))
end
