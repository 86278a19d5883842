-- wrk script: GET /v1/casualties for Kyiv over the bench's 10-day range, with the range's
-- ends moved by a random number of seconds inside the first and the last hour, so
-- nearly every request is a distinct query: the answer cache misses, and each request
-- pays the full read path (query, JSON, ETag). Same strikes as the cached run.
-- Needs BENCH_FROM and BENCH_TO (YYYY-MM-DD, Kyiv local dates; Kyiv is UTC+3 in June).
local from = os.getenv("BENCH_FROM")
local to = os.getenv("BENCH_TO")
-- Each wrk thread is a Lua state of its own: seeded alike, they would send the same
-- queries, and half the requests would hit the answer cache. The thread number parts them.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
end

local function previous_day(d)
  local y, m, day = d:match("(%d+)-(%d+)-(%d+)")
  local t = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(day), hour = 12}) - 86400
  return os.date("%Y-%m-%d", t)
end
local from_utc_day = previous_day(from)  -- local midnight is 21:00 UTC the day before

request = function()
  local a = math.random(0, 3599)
  local b = math.random(0, 3599)
  local path = string.format("/v1/casualties?city=Kyiv&from=%sT21:%02d:%02dZ&to=%sT20:%02d:%02dZ",
    from_utc_day, math.floor(a / 60), a % 60, to, math.floor(b / 60), b % 60)
  return wrk.format("GET", path)
end
