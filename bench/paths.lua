-- wrk script that walks a list of GET paths in turn (browsing benchmarks).
--
-- Reads BENCH_PATHS_FILE: the first line is a Bearer token or "-" (anonymous), then one
-- path per line. Each thread starts at its own place in the list. Answers other than 200
-- are counted as errors; one JSON line is written at the end.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  local first = true
  for line in io.lines(os.getenv("BENCH_PATHS_FILE")) do
    if first then
      token = line
      first = false
    elseif #line > 0 then
      table.insert(paths, line)
    end
  end
  headers = {}
  if token ~= "-" then
    headers["Authorization"] = "Bearer " .. token
  end
  position = (thread_index * 7919) % #paths
  ok, errors, bytes = 0, 0, 0
  statuses = ""
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], headers)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    bytes = bytes + #body
  else
    errors = errors + 1
    if #statuses < 1000 then
      statuses = statuses .. status .. " "
    end
  end
end

function done(summary, latency, requests)
  local total = { ok = 0, errors = 0, bytes = 0 }
  local samples = ""
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + thread:get(name)
    end
    samples = samples .. thread:get("statuses")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "ok": %d, "errors": %d, "bytes": %d,'
      .. ' "socket_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d,'
      .. ' "mean_us": %.1f, "max_us": %d, "error_samples": "%s"}\n',
    summary.requests, summary.duration, total.ok, total.errors, total.bytes,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, samples))
end
