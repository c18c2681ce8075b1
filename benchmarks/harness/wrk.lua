-- The request side of benchmarks.harness.load, run by wrk:
--   wrk ... -s wrk.lua <url> -- <run directory> <tokens|none>
--
-- The run directory holds plan.tsv (one request per line: method, path, body file or
-- "-", then "Name: value" headers separated by "|"), the body files it names, and with
-- "tokens" one file of pre-signed assertions per thread (tokens-<n>.txt): each request
-- takes the next one, since the server refuses an assertion it has already seen.
-- done() writes result.json next to them.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if line ~= "" then lines[#lines + 1] = line end
  end
  return lines
end

local function read_file(path)
  local handle = assert(io.open(path, "rb"))
  local data = handle:read("*a")
  handle:close()
  return data
end

function init(args)
  local dir = args[1]
  result_dir = dir -- read back by done(), which runs in wrk's main state, not here
  use_tokens = args[2] == "tokens"
  tokens = use_tokens and read_lines(dir .. "/tokens-" .. id .. ".txt") or {}
  used = 0
  exhausted = false
  plan = {}
  local bodies = {}
  for _, line in ipairs(read_lines(dir .. "/plan.tsv")) do
    local method, path, body, header_text = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$")
    local headers = {}
    for pair in header_text:gmatch("[^|]+") do
      local name, value = pair:match("^%s*([^:]+):%s*(.*)$")
      if name then headers[name] = value end
    end
    if body ~= "-" and bodies[body] == nil then bodies[body] = read_file(dir .. "/" .. body) end
    plan[#plan + 1] = { method = method, path = path, headers = headers,
                        body = body ~= "-" and bodies[body] or nil }
  end
  -- Threads start at different places of the plan, so they do not hit the same
  -- patient at the same moment more than chance does.
  step = ((id - 1) * 7919) % #plan
end

function request()
  step = step % #plan + 1
  local item = plan[step]
  if use_tokens then
    used = used + 1
    local token = tokens[used]
    if token == nil then
      -- Out of assertions: a reused one would be refused as a replay. The harness sees
      -- the flag, signs more and runs again.
      exhausted = true
      wrk.thread:stop()
      token = tokens[#tokens]
    end
    item.headers["Authorization"] = "Bearer " .. token
  end
  return wrk.format(item.method, item.path, item.headers, item.body)
end

function done(summary, latency, requests)
  local exhausted_threads, tokens_used = 0, 0
  for _, thread in ipairs(threads) do
    if thread:get("exhausted") then exhausted_threads = exhausted_threads + 1 end
    tokens_used = tokens_used + (thread:get("used") or 0)
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 90, 95, 99, 99.9 }) do
    percentiles[#percentiles + 1] = string.format('"%s": %.1f', p, latency:percentile(p))
  end
  local errors = summary.errors
  local out = assert(io.open(threads[1]:get("result_dir") .. "/result.json", "w"))
  out:write(string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"latency_mean_us": %.1f, "latency_max_us": %.1f, "percentiles_us": {%s}, ' ..
    '"exhausted_threads": %d, "tokens_used": %d}\n',
    summary.duration, summary.requests, summary.bytes, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout, latency.mean, latency.max,
    table.concat(percentiles, ", "), exhausted_threads, tokens_used))
  out:close()
end
