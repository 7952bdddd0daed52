-- wrk script: authenticated GET /api/v1/persons/{id}, cycling through ids from a file.
-- env: WB_COOKIE (the session cookie), WB_IDS (file with one person id per line)
local ids = {}
local cookie = os.getenv("WB_COOKIE")
for line in io.lines(os.getenv("WB_IDS")) do ids[#ids + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/v1/persons/" .. ids[(n % #ids) + 1], { ["Cookie"] = cookie })
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.3f p99_ms=%.3f rps=%.0f errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6),
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
