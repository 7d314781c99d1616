-- wrk script of the vote burst: citizens casting and withdrawing support votes.
--
-- Reads BENCH_VOTES_FILE, whose lines are: the path prefix ("/api/v1/dialogues/burst" or
-- "/ceiling/dialogues/burst"), the rule's max_votes, the proposal ids separated by spaces,
-- then one Bearer token per citizen. wrk's threads share the citizens out; each thread
-- serves its own citizens in turn, one request each, so that with as many connections as
-- citizens each citizen has about one request in flight (and now and then two, which the
-- ballot lock must keep right).
--
-- A citizen below the maximum casts a vote on a proposal they have not voted for; at the
-- maximum they withdraw one, except one time in ten when they try one vote too many, which
-- the rule must refuse (409 vote.max_exceeded). Answers are counted by kind and written as
-- one JSON line at the end.

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    table.insert(lines, line)
  end
  return lines
end

local function split(text)
  local items = {}
  for item in string.gmatch(text, "%S+") do
    table.insert(items, item)
  end
  return items
end

function init(args)
  local lines = read_lines(os.getenv("BENCH_VOTES_FILE"))
  prefix = lines[1]
  max_votes = tonumber(lines[2])
  proposals = split(lines[3])
  local thread_count = tonumber(os.getenv("BENCH_THREADS"))
  citizens = {}
  local position = 0
  for index = 4, #lines do
    if position % thread_count == thread_index then
      table.insert(citizens, { header = "Bearer " .. lines[index], voted = {}, count = 0 })
    end
    position = position + 1
  end
  next_citizen = 0
  math.randomseed(os.time() + thread_index * 7919)
  ok, refused, errors, casts, withdrawals, overs = 0, 0, 0, 0, 0, 0
  statuses = ""
end

local function unvoted(citizen)
  for _ = 1, 50 do
    local candidate = proposals[math.random(#proposals)]
    if not citizen.voted[candidate] then
      return candidate
    end
  end
  return nil
end

local function any_voted(citizen)
  local chosen, seen = nil, 0
  for proposal, _ in pairs(citizen.voted) do
    seen = seen + 1
    if math.random(seen) == 1 then
      chosen = proposal
    end
  end
  return chosen
end

function request()
  next_citizen = next_citizen % #citizens + 1
  local citizen = citizens[next_citizen]
  local headers = { ["Authorization"] = citizen.header, ["Content-Type"] = "application/json" }
  local method, proposal
  if citizen.count < max_votes then
    method, proposal = "PUT", unvoted(citizen)
    citizen.voted[proposal] = true
    citizen.count = citizen.count + 1
    casts = casts + 1
  elseif math.random(10) == 1 then
    method, proposal = "PUT", unvoted(citizen)
    overs = overs + 1
  else
    method, proposal = "DELETE", any_voted(citizen)
    citizen.voted[proposal] = nil
    citizen.count = citizen.count - 1
    withdrawals = withdrawals + 1
  end
  local body = nil
  if method == "PUT" then
    body = "{}"
  end
  return wrk.format(method, prefix .. "/ballot/votes/" .. proposal, headers, body)
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 409 and string.find(body, "vote.max_exceeded", 1, true) then
    refused = refused + 1
  else
    errors = errors + 1
    if #statuses < 2000 then
      statuses = statuses .. status .. ":" .. string.sub(body or "", 1, 120) .. "\n"
    end
  end
end

function done(summary, latency, requests)
  local total = { ok = 0, refused = 0, errors = 0, casts = 0, withdrawals = 0, overs = 0 }
  local samples = ""
  for _, thread in ipairs(threads) do
    for name, _ in pairs(total) do
      total[name] = total[name] + thread:get(name)
    end
    samples = samples .. thread:get("statuses")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "ok": %d, "refused": %d, "errors": %d,'
      .. ' "casts": %d, "withdrawals": %d, "overs": %d, "socket_errors": %d,'
      .. ' "timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "mean_us": %.1f,'
      .. ' "max_us": %d, "error_samples": "%s"}\n',
    summary.requests, summary.duration, total.ok, total.refused, total.errors,
    total.casts, total.withdrawals, total.overs,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean,
    latency.max, (string.gsub(samples, '[%c"\\]', " "))))
end
