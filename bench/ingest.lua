-- wrk script: POST /v1/reports with a distinct body on every request.
-- Each report names its own 2-minute slot in 2020 (outside the loaded dataset), so
-- with a match window under 2 minutes every report creates a strike and a revision.
-- Needs the environment variable BENCH_KEY (a reporter key). BENCH_EPOCH (Unix seconds)
-- moves the first slot elsewhere (bench/million.sh runs it twice on one database).
local threads = {}
local cities = {"Kyiv", "Kharkiv", "Odesa", "Sumy", "Dnipro", "Zaporizhzhia", "Lviv", "Kherson"}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  key = os.getenv("BENCH_KEY")
  counter = 0
  epoch = tonumber(os.getenv("BENCH_EPOCH") or "1577836800")
  nthreads = 16  -- an upper bound on wrk threads: keeps slots of different threads apart
  headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json"}
end

function request()
  counter = counter + 1
  local slot = counter * nthreads + tid
  local t = epoch + slot * 120  -- by default 2020-01-01T00:00:00Z + slot * 2 minutes
  local body = string.format(
    '{"city":"%s","occurred_at":"%s","source":{"name":"Ingest bench %d","kind":"media"},' ..
    '"killed":%d,"injured":%d,"weapons":[{"kind":"drone"}],"note":"ingest benchmark"}',
    cities[(slot % #cities) + 1], os.date("!%Y-%m-%dT%H:%M:%SZ", t), tid, slot % 7, slot % 13)
  return wrk.format("POST", "/v1/reports", headers, body)
end
